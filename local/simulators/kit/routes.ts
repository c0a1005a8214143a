// A tiny route table: `route(method, pattern, handler)` entries, matched in order against a request's
// path. A pattern is literal text with `{name}` for one path segment (decoded) and `{name*}` for the
// rest of the path, slashes included (e.g. a Cloud Storage object name). A parameter may share its
// segment with literal text, as Google's custom verbs do: '/v1beta/batches/{id}:cancel'. Put such a
// route before '/v1beta/batches/{id}', which would also match 'b1:cancel'.
//
// The handler's type is the simulator's own (its arguments, its answer): the table only finds it.

export type PathParams = Record<string, string>;

export interface Route<H> {
  method: string;
  pattern: string;
  handler: H;
  /** The compiled pattern and its parameter names, in order. */
  regex: RegExp;
  names: string[];
}

export interface RouteMatch<H> {
  handler: H;
  params: PathParams;
  route: Route<H>;
}

export function route<H>(method: string, pattern: string, handler: H): Route<H> {
  const names: string[] = [];
  const source = pattern.replace(/\{(\w+)(\*?)\}|[^{]+/g, (part, name: string | undefined, rest: string | undefined) => {
    if (name === undefined) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    names.push(name);
    return rest ? '(.+)' : '([^/]+)';
  });
  return { method: method.toUpperCase(), pattern, handler, regex: new RegExp(`^${source}$`), names };
}

function paramsOf<H>(entry: Route<H>, path: string): PathParams | null {
  const found = entry.regex.exec(path);
  if (!found) return null;
  return Object.fromEntries(entry.names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
}

/** The first route of `table` for this method and path, with its parameters; undefined if none. */
export function matchRoute<H>(table: readonly Route<H>[], method: string, path: string): RouteMatch<H> | undefined {
  const wanted = method.toUpperCase();
  for (const entry of table) {
    if (entry.method !== wanted) continue;
    const params = paramsOf(entry, path);
    if (params) return { handler: entry.handler, params, route: entry };
  }
  return undefined;
}

/** The methods `table` serves at this path (empty: an unknown path, a 404; else a wrong method, a 405). */
export function allowedMethods<H>(table: readonly Route<H>[], path: string): string[] {
  return [...new Set(table.filter((entry) => paramsOf(entry, path) !== null).map((entry) => entry.method))];
}

/**
 * The path with empty segments dropped and each segment's escapes normalised ('/v1//files/' is
 * '/v1/files', '/%761/files' is '/v1/files'), so routing is decided on decoded segments while an
 * escaped '/' stays inside its segment (the table decodes parameters). A malformed escape throws.
 */
export function canonicalPath(pathname: string): string {
  const segments = pathname.split('/').filter(Boolean);
  return `/${segments.map((segment) => encodeURIComponent(decodeURIComponent(segment))).join('/')}`;
}
