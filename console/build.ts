// Builds the web console (console/src) with esbuild into a folder of content-hashed assets, the page
// that loads them, and manifest.json (read by lambda/console/assets.ts). Run by the console function's
// bundling (lib/console/web-console.ts, so `cdk synth` ships it), by the local gateway at start, and
// by the tests. Nothing built is committed.
//   node --import tsx console/build.ts <out dir>
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const SOURCE = join(__dirname, 'src');

export interface BuiltConsole {
  dir: string;
  /** Each file with its size and gzip size in bytes. */
  files: Array<{ name: string; bytes: number; gzipBytes: number }>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#14213d"/><path d="M8 22V10h10M8 16h8M20 22l3-12 3 12" stroke="#fff" stroke-width="2.5" fill="none"/></svg>';

function page(assets: { js: string; css: string; icon: string }): string {
  // Relative addresses: the page is served at {stage}/console, so console/… resolves under the stage.
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<title>FinOps Batch Gateway console</title>',
    `<link rel="icon" href="console/${assets.icon}" type="image/svg+xml">`,
    `<link rel="stylesheet" href="console/${assets.css}">`,
    `<script defer src="console/${assets.js}"></script>`,
    '</head>',
    '<body>',
    '<div id="app"><noscript>The console needs JavaScript.</noscript></div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export async function buildConsole(outDir: string): Promise<BuiltConsole> {
  const dir = resolve(outDir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(SOURCE, 'main.tsx') },
    outdir: dir,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome111', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: resolve(__dirname, '..'),
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = outputs.find((n) => n.endsWith('.js'));
  const css = outputs.find((n) => n.endsWith('.css'));
  if (!js || !css) throw new Error(`console build: expected one .js and one .css output, got ${outputs.join(', ')}`);
  const icon = `icon-${createHash('sha256').update(ICON).digest('hex').slice(0, 8)}.svg`;
  writeFileSync(join(dir, icon), ICON);
  writeFileSync(join(dir, 'index.html'), page({ js, css, icon }));
  const assets = Object.fromEntries([js, css, icon].map((name) => [name, CONTENT_TYPES[name.slice(name.lastIndexOf('.'))]]));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ page: 'index.html', assets }, null, 2));
  const files = readdirSync(dir)
    .filter((name) => name !== 'manifest.json')
    .map((name) => ({
      name,
      bytes: statSync(join(dir, name)).size,
      gzipBytes: gzipSync(readFileSync(join(dir, name)), { level: 9 }).length,
    }));
  return { dir, files };
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node --import tsx console/build.ts <out dir>');
    process.exit(2);
  }
  buildConsole(out).then(
    (built) => console.log(built.files.map((f) => `${f.name} ${f.bytes} B (${f.gzipBytes} B gzip)`).join('\n')),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
