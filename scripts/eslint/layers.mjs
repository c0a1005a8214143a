// An ESLint rule for the gateway's layers (eslint.config.mjs lists them): a file may import from its
// own layer and the layers below it, never from one above; lib/ and bin/ (the CDK app) and lambda/
// share only contracts/. Every relative import counts, type-only ones too (a type is a dependency), and
// so does every subpath import of package.json "imports" (`#lambda/…`, `#contracts/…`): it names the
// file it resolves to, which decides its layer as a relative import would.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * A `#…` specifier resolved through package.json "imports" the way Node does it (the key with the
 * longest prefix before its `*` wins), as an absolute path; undefined when no key matches.
 */
export function resolveSubpath(imports, root, specifier) {
  let best;
  for (const [key, target] of Object.entries(imports ?? {})) {
    if (typeof target !== 'string') continue;
    const [prefix, suffix = ''] = key.split('*');
    const exact = !key.includes('*');
    const matches = exact
      ? specifier === key
      : specifier.startsWith(prefix) && specifier.endsWith(suffix) && specifier.length >= prefix.length + suffix.length;
    if (!matches || (best && best.prefix.length >= prefix.length)) continue;
    const star = exact ? '' : specifier.slice(prefix.length, specifier.length - suffix.length);
    best = { prefix, path: resolve(root, target.split('*').join(star)) };
  }
  return best?.path;
}

const readImports = (root) => {
  const file = join(root, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).imports : undefined;
};

/** `**` any path, `*` one path segment; nothing else is special. */
const globToRegExp = (glob) =>
  new RegExp(
    '^' +
      glob
        .split('**')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
        .join('.*') +
      '$',
  );

/**
 * @param {{ root: string, layers: Array<{ type: string, pattern: string[] }>, apart: string[] }} options
 *   `layers` lowest first, the first matching pattern decides a file's layer; `apart` the layers that
 *   import only from themselves and contracts (the CDK app); `required` the files that must be in a layer.
 */
export function layersPlugin({ root, layers, apart, required }) {
  const compiled = layers.map((layer, rank) => ({ ...layer, rank, tests: layer.pattern.map(globToRegExp) }));
  // The most specific pattern decides (the longest one that matches): contracts/records.ts is core
  // although lambda/store/** is store.
  const layerOf = (path) => {
    let best;
    for (const layer of compiled) {
      layer.tests.forEach((test, i) => {
        const length = layer.pattern[i].length;
        if (test.test(path) && (!best || length > best.length)) best = { layer, length };
      });
    }
    return best?.layer;
  };
  const mustHaveLayer = (required ?? []).map(globToRegExp);
  const imports = readImports(root);
  const targetOf = (from, specifier) => {
    const absolute = specifier.startsWith('#') ? resolveSubpath(imports, root, specifier) : resolve(dirname(from), specifier);
    if (!absolute) return undefined;
    const base = relative(root, absolute).split('\\').join('/');
    const path = [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`, base].find((candidate) => existsSync(resolve(root, candidate))) ?? base;
    const layer = layerOf(path);
    return layer && { path, layer };
  };
  const allowed = (from, to) => {
    if (to.type === 'contracts') return true;
    if (apart.includes(from.type) || apart.includes(to.type)) return from.type === to.type;
    return to.rank <= from.rank;
  };
  const rule = {
    meta: {
      type: 'problem',
      schema: [],
      messages: {
        upward: '{{from}} ({{fromLayer}}) may not import {{to}} ({{toLayer}}): {{why}}',
        unlayered: '{{file}} is in no layer: add it to LAYERS in eslint.config.mjs',
      },
    },
    create(context) {
      const file = relative(root, context.filename).split('\\').join('/');
      const from = layerOf(file);
      if (!from) {
        if (!mustHaveLayer.some((test) => test.test(file))) return {};
        return { Program: (node) => context.report({ node, messageId: 'unlayered', data: { file } }) };
      }
      const check = (node, source) => {
        if (typeof source?.value !== 'string' || !/^[.#]/.test(source.value)) return;
        const to = targetOf(context.filename, source.value);
        if (!to || allowed(from, to.layer)) return;
        const why =
          apart.includes(from.type) || apart.includes(to.layer.type)
            ? 'lib/ and lambda/ share only contracts/'
            : 'a lower layer never imports a higher one';
        context.report({
          node: source,
          messageId: 'upward',
          data: { from: file, fromLayer: from.type, to: to.path, toLayer: to.layer.type, why },
        });
      };
      return {
        ImportDeclaration: (node) => check(node, node.source),
        ExportNamedDeclaration: (node) => node.source && check(node, node.source),
        ExportAllDeclaration: (node) => check(node, node.source),
        ImportExpression: (node) => check(node, node.source),
        CallExpression: (node) => node.callee.type === 'Identifier' && node.callee.name === 'require' && check(node, node.arguments[0]),
        TSImportType: (node) => check(node, node.argument?.literal ?? node.argument),
      };
    },
  };
  return { rules: { imports: rule } };
}
