// Each gateway function's bundle, built the way lib/gateway-function.ts has NodejsFunction build it
// (the esbuild options and after-bundling steps of lib/bundling.ts: bundle, platform node, target node22,
// CJS, minified, ES module builds first, a source map, the AWS SDK bundled, provider SDKs, the SDK's other
// credential providers and tokenizer encodings beside index.js), and the time a fresh Node process
// takes to load it, with the function's NODE_OPTIONS: the part of a cold start the code controls. The load time is the median of several
// fresh processes, each timing `require()` of the bundle and nothing else.
//
//   npm run bench:bundles                     (this table only)
//   BENCH_LOAD_RUNS=9 npm run bench:bundles   (fresh processes per function; default 7)
//   BENCH_FUNCTIONS=batches-create,files-list npm run bench:bundles
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { besideCommands, FUNCTION_ESBUILD, FUNCTION_NODE_OPTIONS, PROVIDER_SDKS, providerSdkCommands } from '#lib/bundling';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const HANDLERS_DIR = join(ROOT, 'lambda', 'handlers');
/** Decimal megabytes, as everywhere in the bench. */
const MB = 1_000_000;
export const BUNDLE_TARGET_MB = 1;
export const LOAD_TARGET_MS = 100;
const LOAD_RUNS = Math.max(3, Number(process.env.BENCH_LOAD_RUNS ?? 7) || 7);

export interface BundleRow {
  operation: string;
  bytes: number;
  /** Files shipped beside index.js and loaded on first use only (provider SDKs, tokenizer encodings). */
  besideBytes: number;
  /** index.js.map: read for stack traces (NODE_OPTIONS=--enable-source-maps), not needed to run. */
  mapBytes: number;
  /** Median module load time over LOAD_RUNS fresh processes (ms). */
  loadMs: number;
  /** Files beside index.js that loading it loaded too (should be none: they are for first use). */
  besideAtLoad: string[];
  /** The packages that weigh most in the bundle (bytes of output), for finding what to cut. */
  heaviest: Array<{ name: string; bytes: number }>;
}

/** What a module load sees in Lambda: the function's own environment names (values are placeholders). */
const LOAD_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_TRACE_ENABLED: 'false',
  NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
};

export function handlerOperations(): string[] {
  const only = process.env.BENCH_FUNCTIONS?.split(',').filter(Boolean);
  const all = readdirSync(HANDLERS_DIR)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
  return only ? all.filter((op) => only.includes(op)) : all;
}

async function bundle(operation: string, outDir: string): Promise<{ file: string; metafile: Metafile }> {
  const file = join(outDir, operation, 'index.js');
  const result = await build({
    entryPoints: [join(HANDLERS_DIR, `${operation}.ts`)],
    bundle: true,
    platform: 'node',
    ...FUNCTION_ESBUILD,
    mainFields: [...FUNCTION_ESBUILD.mainFields],
    external: [...FUNCTION_ESBUILD.external],
    outfile: file,
    metafile: true,
    logLevel: 'silent',
  });
  // The same after-bundling steps as a deployed function (what it loads on first use, beside index.js).
  for (const command of besideCommands(ROOT, join(outDir, operation))) execFileSync('bash', ['-c', command], { stdio: 'inherit' });
  return { file, metafile: result.metafile };
}

/** Output bytes per npm package (or "gateway code"), largest first. */
function heaviestPackages(metafile: Metafile, top = 3): Array<{ name: string; bytes: number }> {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match ? match[1] : 'gateway code';
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}

const LOADER = `const t = process.hrtime.bigint(); require(process.argv[1]); const ms = Number(process.hrtime.bigint() - t) / 1e6;
const dir = require('node:path').dirname(process.argv[1]) + '/';
const beside = Object.keys(require.cache).filter((f) => f.startsWith(dir) && f !== process.argv[1]).map((f) => f.slice(dir.length));
process.stdout.write(JSON.stringify({ ms, beside }));`;

/** Median `require()` time of a file in fresh processes; the first (cold disk cache) run is not counted. */
async function loadMs(file: string): Promise<{ ms: number; beside: string[] }> {
  const times: number[] = [];
  let beside: string[] = [];
  for (let i = 0; i <= LOAD_RUNS; i++) {
    const { stdout } = await run(process.execPath, ['-e', LOADER, file], { env: { PATH: process.env.PATH ?? '', ...LOAD_ENV } });
    const seen = JSON.parse(stdout) as { ms: number; beside: string[] };
    if (i > 0) times.push(seen.ms);
    beside = seen.beside;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], beside };
}

export interface ProviderSdkRow {
  name: string;
  bytes: number;
  /** What the first call for its provider adds to that call: the SDK's module load time (median ms). */
  loadMs: number;
}

/** Each provider SDK as a function ships it beside index.js (lib/bundling.ts), and its load time on first use. */
export async function measureProviderSdks(): Promise<ProviderSdkRow[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'finops-provider-sdks-'));
  try {
    // A stand-in index.js that names every SDK, as a function reaching the registry does.
    writeFileSync(join(outDir, 'index.js'), PROVIDER_SDKS.map((name) => `require("${name}");`).join('\n'));
    for (const command of providerSdkCommands(ROOT, outDir)) execFileSync('bash', ['-c', command], { stdio: 'inherit' });
    const rows: ProviderSdkRow[] = [];
    for (const name of PROVIDER_SDKS) {
      const file = join(outDir, 'node_modules', name, 'index.js');
      rows.push({ name, bytes: statSync(file).size, loadMs: (await loadMs(file)).ms });
    }
    return rows;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function totalBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(dir, entry.name);
    return sum + (entry.isDirectory() ? totalBytes(path) : statSync(path).size);
  }, 0);
}

export async function measureBundles(operations = handlerOperations()): Promise<BundleRow[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'finops-bundles-'));
  const rows: BundleRow[] = [];
  try {
    for (const operation of operations) {
      process.stderr.write(`  bundle ${operation}…\n`);
      const { file, metafile } = await bundle(operation, outDir);
      const [bytes, mapBytes] = [statSync(file).size, statSync(`${file}.map`).size];
      const besideBytes = totalBytes(join(outDir, operation)) - bytes - mapBytes;
      const load = await loadMs(file);
      rows.push({
        operation,
        bytes,
        besideBytes,
        mapBytes,
        loadMs: load.ms,
        besideAtLoad: load.beside,
        heaviest: heaviestPackages(metafile),
      });
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  return rows;
}

export function printBundles(rows: BundleRow[]): void {
  console.log(
    `\nFunction bundles (esbuild as in lib/bundling.ts; MB = 10^6 bytes) and module load time (median of ${LOAD_RUNS} fresh processes, NODE_OPTIONS=${FUNCTION_NODE_OPTIONS}).`,
  );
  console.log(`Targets: ≤ ${BUNDLE_TARGET_MB} MB, ≤ ${LOAD_TARGET_MS} ms.\n`);
  console.log(
    '| function | bundle MB | beside, loaded on use MB | source map MB | load ms | beside files loaded with it | heaviest packages in the bundle (MB) |',
  );
  console.log('|---|--:|--:|--:|--:|---|---|');
  for (const r of rows) {
    const flag = r.bytes > BUNDLE_TARGET_MB * MB || r.loadMs > LOAD_TARGET_MS ? ' ⚠' : '';
    const heavy = r.heaviest.map((h) => `${h.name} ${(h.bytes / MB).toFixed(2)}`).join(', ');
    console.log(
      `| ${r.operation}${flag} | ${(r.bytes / MB).toFixed(2)} | ${r.besideBytes ? (r.besideBytes / MB).toFixed(2) : '–'} | ${(r.mapBytes / MB).toFixed(2)} | ${r.loadMs.toFixed(0)} | ${r.besideAtLoad.join(', ') || 'none'} | ${heavy} |`,
    );
  }
  const over = rows.filter((r) => r.bytes > BUNDLE_TARGET_MB * MB || r.loadMs > LOAD_TARGET_MS);
  const largest = rows.reduce((a, b) => (b.bytes > a.bytes ? b : a), rows[0]);
  const slowest = rows.reduce((a, b) => (b.loadMs > a.loadMs ? b : a), rows[0]);
  if (rows.length) {
    console.log(
      `\nLargest ${largest.operation} ${(largest.bytes / MB).toFixed(2)} MB; slowest load ${slowest.operation} ${slowest.loadMs.toFixed(0)} ms; ${over.length} of ${rows.length} over a target.`,
    );
  }
}

export function printProviderSdks(rows: ProviderSdkRow[]): void {
  console.log('\nProvider SDKs beside a function that reaches the registry, each loaded on the first call for its provider:\n');
  console.log('| SDK | MB | load ms |');
  console.log('|---|--:|--:|');
  for (const r of rows) console.log(`| ${r.name} | ${(r.bytes / MB).toFixed(2)} | ${r.loadMs.toFixed(0)} |`);
}

if (require.main === module) {
  measureBundles()
    .then(async (rows) => {
      printBundles(rows);
      if (!process.env.BENCH_FUNCTIONS) printProviderSdks(await measureProviderSdks());
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
