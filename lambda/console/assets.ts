// Serving the web console's built files (console/build.ts writes them with a manifest.json): the page
// at /console, its hashed assets at /console/<name>. Only names in the manifest are ever read, so no
// path a client sends can reach another file. Every answer carries the console's Content-Security-Policy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** What console/build.ts writes next to the assets. */
export interface ConsoleManifest {
  /** The page's file name (index.html). */
  page: string;
  /** Asset file name → content type. Names carry a content hash, so they can be cached for good. */
  assets: Record<string, string>;
}

/**
 * Scripts, styles, images and fetches from the page's own origin only; nothing inline, no eval, no
 * frames, no plugins, no form posts, no <base>. The console needs nothing else (docs in README "Web console").
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

interface LoadedFile {
  contentType: string;
  body: Buffer;
  gzipped: Buffer;
  cacheControl: string;
}

export interface ConsoleFiles {
  page: LoadedFile;
  assets: ReadonlyMap<string, LoadedFile>;
}

/** Reads the built console once (a cold start): every file and its gzip form. */
export function loadConsoleFiles(dir: string): ConsoleFiles {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ConsoleManifest;
  const load = (name: string, contentType: string, cacheControl: string): LoadedFile => {
    const body = readFileSync(join(dir, name));
    return { contentType, body, gzipped: gzipSync(body, { level: 9 }), cacheControl };
  };
  const assets = new Map<string, LoadedFile>();
  for (const [name, type] of Object.entries(manifest.assets)) {
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.'))
      throw new Error(`console manifest names an unsafe file: ${JSON.stringify(name)}`);
    assets.set(name, load(name, type, 'public, max-age=31536000, immutable'));
  }
  // The page is small and names the current assets: browsers ask again every time.
  return { page: load(manifest.page, 'text/html; charset=utf-8', 'no-cache'), assets };
}

export interface AssetRequest {
  /** The path below the stage: /console, /console/, /console/<asset>. */
  path: string;
  /** The {asset} path parameter, when the route has one. */
  asset?: string | null;
  acceptEncoding?: string;
}

export interface AssetResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Pure routing over the loaded files. */
export function serveConsole(files: ConsoleFiles, request: AssetRequest): AssetResponse {
  const text = (statusCode: number, message: string, extra: Record<string, string> = {}): AssetResponse => ({
    statusCode,
    headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra },
    body: Buffer.from(message),
  });
  // /console/ would make the page's relative asset and API addresses one folder too deep.
  if (!request.asset && request.path.endsWith('/')) return text(301, 'Moved to ../console', { location: '../console' });
  const file = request.asset ? files.assets.get(request.asset) : files.page;
  if (!file) return text(404, 'No such console file.');
  const gzip = /\bgzip\b/i.test(request.acceptEncoding ?? '');
  return {
    statusCode: 200,
    headers: {
      ...SECURITY_HEADERS,
      'content-type': file.contentType,
      'cache-control': file.cacheControl,
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: gzip ? file.gzipped : file.body,
  };
}
