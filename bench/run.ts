// `npm run bench`: throughput and memory of every streamed conversion, against a JSON.parse +
// JSON.stringify baseline measured in the same run on the same files; the local gateway's per-request
// overhead; and the time of a 200 MB upload through the Uploads API. Prints a table and writes
// bench/results.json. Not part of `npm test`.
//
//   BENCH_SIZES_MB=1,20 npm run bench     (default 1,20,200)
//   BENCH_SKIP_GATEWAY=1 npm run bench    (conversions only)
//   BENCH_ONLY=embeddings npm run bench   (only the directions whose name contains one of these, comma-separated)
//   BENCH_SKIP_BUNDLES=1 npm run bench    (without the function bundles, bench/bundles.ts)
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LARGE_LINE_USER_CHARS, writeBatchFile, writeResponsesFile } from './workload';
import { writeProviderResults, type ResultFormat } from './provider-results';
import { EMBEDDING_INPUT_KINDS, writeEmbeddingFile, type EmbeddingInputKind } from './embeddings';
import type { InterleavedResult, WorkerResult } from './convert-worker';
import type { CompletionPhases, GatewayOverhead, UploadTiming } from './gateway';
import type { CreateLatencyRow } from './create-latency';
import { measureBundles, printBundles, type BundleRow } from './bundles';

const run = promisify(execFile);

/** Decimal megabytes, so that "200 MB" stays under OpenAI's 200 MiB batch-file limit. */
const MB = 1_000_000;
const SIZES_MB = (process.env.BENCH_SIZES_MB ?? '1,20,200').split(',').map(Number);
const INPUT_KINDS = [
  'openai-input',
  'responses-input',
  'bedrock-output',
  'anthropic-results',
  'gemini-responses',
  ...EMBEDDING_INPUT_KINDS,
] as const;
type InputKind = (typeof INPUT_KINDS)[number];
/** BENCH_ONLY=embeddings (a part of direction names, comma-separated) measures only those directions. */
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
/** The model written into the OpenAI input lines (the Anthropic and Bedrock converters pass it or drop it). */
const INPUT_MODEL = 'claude-3-5-haiku-20241022';
export const RSS_TARGET_MB = 256;
export const RATIO_TARGET = 0.6;
/** V8 heap cap for the bounded-memory check. */
const CAPPED_HEAP_MB = 48;

interface ConversionRow {
  direction: string;
  functions: string;
  sizeMb: number;
  lines: number;
  mbPerSecond: number;
  linesPerSecond: number;
  baselineMbPerSecond: number;
  ratioToBaseline: number;
  peakRssMb: number;
  baselinePeakRssMb: number;
  outputMb: number;
}

/**
 * Files below this are converted several times (median reported), so the JIT's warm-up does not
 * dominate: one 1 MB pass takes 20-50 ms, and with 5 passes the same row moved by ±0.2 between runs.
 */
const REPEAT_BELOW_MB = 20;
const SMALL_FILE_RUNS = 15;

async function convertInChild(
  direction: string,
  input: string,
  output: string,
  sizeMb: number,
  nodeArgs: string[] = [],
): Promise<WorkerResult> {
  const runs = sizeMb < REPEAT_BELOW_MB ? SMALL_FILE_RUNS : 1;
  const { stdout } = await run(
    process.execPath,
    [...nodeArgs, '--require', 'tsx/cjs', join(__dirname, 'convert-worker.ts'), direction, input, output, String(runs)],
    {
      maxBuffer: 1024 * 1024,
      env: process.env,
    },
  );
  rmSync(output, { force: true });
  return JSON.parse(stdout.trim().split('\n').pop()!) as WorkerResult;
}

/** Small files: the direction and the baseline alternated in one child (bench/convert-worker.ts --interleaved). */
async function convertInterleaved(direction: string, input: string, output: string): Promise<InterleavedResult> {
  const { stdout } = await run(
    process.execPath,
    ['--require', 'tsx/cjs', join(__dirname, 'convert-worker.ts'), '--interleaved', direction, input, output, String(SMALL_FILE_RUNS)],
    {
      maxBuffer: 1024 * 1024,
      env: process.env,
    },
  );
  rmSync(output, { force: true });
  return JSON.parse(stdout.trim().split('\n').pop()!) as InterleavedResult;
}

async function generate(dir: string, kind: InputKind, sizeMb: number): Promise<string> {
  const path = join(dir, `${kind}-${sizeMb}MB.jsonl`);
  if (kind === 'openai-input') await writeBatchFile(path, sizeMb * MB, { model: INPUT_MODEL });
  else if (kind === 'responses-input') await writeResponsesFile(path, sizeMb * MB, { model: INPUT_MODEL });
  else if ((EMBEDDING_INPUT_KINDS as readonly string[]).includes(kind))
    await writeEmbeddingFile(path, kind as EmbeddingInputKind, sizeMb * MB);
  else await writeProviderResults(path, kind as ResultFormat, sizeMb * MB);
  return path;
}

const fixed = (n: number, digits = 1) => n.toFixed(digits);

function printTable(rows: ConversionRow[]): void {
  const header = ['direction', 'size', 'lines', 'MB/s', 'lines/s', 'baseline MB/s', 'ratio', 'peak RSS MB', 'baseline RSS MB'];
  const body = rows.map((r) => [
    r.direction,
    `${r.sizeMb} MB`,
    String(r.lines),
    fixed(r.mbPerSecond),
    fixed(r.linesPerSecond, 0),
    fixed(r.baselineMbPerSecond),
    fixed(r.ratioToBaseline, 2),
    fixed(r.peakRssMb, 0),
    fixed(r.baselinePeakRssMb, 0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const format = (cells: string[]) =>
    '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  console.log(format(header));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const row of body) console.log(format(row));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'finops-bench-'));
  const { DIRECTIONS } = await import('./conversions');
  const rows: ConversionRow[] = [];
  let overhead: GatewayOverhead | null = null;
  let phases: CompletionPhases | null = null;
  const uploads: UploadTiming[] = [];
  const cappedRuns: Array<{ direction: string; sizeMb: number; ok: boolean; peakRssMb: number | null; error?: string }> = [];
  const uploadErrors: Array<{ provider: string; error: string }> = [];
  let createLatency: CreateLatencyRow[] = [];
  let bundles: BundleRow[] = [];
  const started = Date.now();
  try {
    if (!process.env.BENCH_SKIP_BUNDLES) {
      process.stderr.write('function bundles…\n');
      bundles = await measureBundles();
    }
    for (const sizeMb of SIZES_MB) {
      for (const kind of INPUT_KINDS) {
        const directions = DIRECTIONS.filter((d) => d.input === kind && (ONLY.length === 0 || ONLY.some((part) => d.name.includes(part))));
        if (directions.length === 0) continue;
        process.stderr.write(`generating ${kind} ${sizeMb} MB…\n`);
        const input = await generate(dir, kind, sizeMb);
        const output = join(dir, 'output.jsonl');
        // Large files: one child each, so that each peak RSS is its own. Small ones: the baseline is
        // measured in the converter's own process, interleaved with it, so the ratio is like for like.
        const interleave = sizeMb < REPEAT_BELOW_MB;
        const sharedBaseline = interleave ? null : await convertInChild('baseline', input, output, sizeMb);
        for (const direction of directions) {
          process.stderr.write(`  ${direction.name} (${sizeMb} MB${interleave ? ', interleaved with the baseline' : ''})…\n`);
          const pair = interleave ? await convertInterleaved(direction.name, input, output) : null;
          const result = pair ? pair.direction : await convertInChild(direction.name, input, output, sizeMb);
          const baseline = pair ? pair.baseline : sharedBaseline!;
          const seconds = result.ms / 1000;
          const mbPerSecond = result.inputBytes / MB / seconds;
          const baselineMbPerSecond = baseline.inputBytes / MB / (baseline.ms / 1000);
          if (sizeMb === Math.max(...SIZES_MB)) {
            // Proof that memory is bounded rather than merely large enough: the same conversion with
            // V8's heap capped far below the file's size (it would die with "heap out of memory").
            try {
              const capped = await convertInChild(direction.name, input, output, sizeMb, [`--max-old-space-size=${CAPPED_HEAP_MB}`]);
              cappedRuns.push({ direction: direction.name, sizeMb, ok: capped.lines === result.lines, peakRssMb: capped.peakRssMb });
            } catch (err) {
              cappedRuns.push({
                direction: direction.name,
                sizeMb,
                ok: false,
                peakRssMb: null,
                error: String((err as Error).message).slice(0, 300),
              });
            }
          }
          rows.push({
            direction: direction.name,
            functions: direction.functions,
            sizeMb,
            lines: result.lines,
            mbPerSecond,
            linesPerSecond: result.lines / seconds,
            baselineMbPerSecond,
            ratioToBaseline: mbPerSecond / baselineMbPerSecond,
            peakRssMb: result.peakRssMb,
            baselinePeakRssMb: baseline.peakRssMb,
            outputMb: result.outputBytes / MB,
          });
        }
        rmSync(input, { force: true });
      }
    }

    if (!process.env.BENCH_SKIP_GATEWAY) {
      const { withLocalGateway, measureGatewayOverhead, measureUpload, measureCompletionPhases } = await import('./gateway');
      await withLocalGateway(async (gateway) => {
        process.stderr.write('gateway overhead (files.retrieve)…\n');
        overhead = await measureGatewayOverhead(gateway);
        const { PROVIDER_NAMES, adapterFor } = await import('#lambda/providers/registry');
        const registered = PROVIDER_NAMES.filter((name) => {
          try {
            return Boolean(adapterFor(name));
          } catch {
            return false;
          }
        });
        // The largest batch OpenAI takes is 200 MB *and* at most 50,000 requests: lines of about 4 KB.
        const largestMb = Math.max(...SIZES_MB);
        const largest = join(dir, `upload-${largestMb}MB.jsonl`);
        process.stderr.write(`generating a ${largestMb} MB upload…\n`);
        await writeBatchFile(largest, largestMb * MB, { model: INPUT_MODEL, userChars: LARGE_LINE_USER_CHARS });
        process.stderr.write('phases of a completion…\n');
        phases = await measureCompletionPhases(gateway, largest);
        const { measureCreateLatency } = await import('./create-latency');
        createLatency = await measureCreateLatency(gateway, dir, SIZES_MB, registered);
        for (const provider of registered) {
          process.stderr.write(`uploads API, ${largestMb} MB for ${provider}…\n`);
          try {
            uploads.push(await measureUpload(gateway, largest, provider));
          } catch (err) {
            uploadErrors.push({ provider, error: (err as Error).message });
          }
        }
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `\nStreamed conversions (file → readLines → convert → file); MB = 10^6 bytes of input. Files under ${REPEAT_BELOW_MB} MB: ${SMALL_FILE_RUNS} baseline and converter passes ` +
      `interleaved in one child per direction (medians; the RSS columns are then that one process's); larger files: one child process each.`,
  );
  console.log(
    `Targets: ratio ≥ ${RATIO_TARGET} of the baseline (JSON.parse + JSON.stringify of the same file), peak RSS < ${RSS_TARGET_MB} MB.\n`,
  );
  printTable(rows);
  if (cappedRuns.length) {
    console.log(
      `\nThe ${cappedRuns[0].sizeMb} MB conversions again with the V8 heap capped at ${CAPPED_HEAP_MB} MB (--max-old-space-size):`,
    );
    for (const c of cappedRuns)
      console.log(`  ${c.direction.padEnd(26)} ${c.ok ? `ok, peak RSS ${fixed(c.peakRssMb!, 0)} MB` : `FAILED ${c.error ?? ''}`}`);
  }
  if (bundles.length) printBundles(bundles);
  const gatewayResult = overhead as GatewayOverhead | null;
  if (gatewayResult) {
    console.log(`\nPer-request overhead, files.retrieve, ${gatewayResult.requests} requests each (ms):`);
    console.log(`  via local gateway: p50 ${fixed(gatewayResult.gateway.p50Ms, 2)}  p99 ${fixed(gatewayResult.gateway.p99Ms, 2)}`);
    console.log(`  simulator direct : p50 ${fixed(gatewayResult.direct.p50Ms, 2)}  p99 ${fixed(gatewayResult.direct.p99Ms, 2)}`);
    console.log(`  ratio            : p50 ×${fixed(gatewayResult.p50Ratio, 2)}  p99 ×${fixed(gatewayResult.p99Ratio, 2)}`);
  }
  for (const u of uploads) {
    console.log(
      `\nUploads API, ${fixed(u.bytes / MB)} MB for ${u.provider}: ${u.parts} parts in ${fixed(u.partsMs / 1000)} s; uploads.complete ${fixed(u.completeMs / 1000)} s` +
        (u.fitsApiGateway ? ' (within API Gateway’s 29 s)' : ' — LONGER than API Gateway’s 29 s'),
    );
  }

  if (createLatency.length) {
    console.log(
      `\nbatches.create latency (validate, reserve, record \`validating\`, start the tracker; conversion and submission follow in the tracker), ms:`,
    );
    console.log('| provider | size | p50 | max |');
    console.log('|---|--:|--:|--:|');
    for (const r of createLatency)
      console.log(
        r.error
          ? `| ${r.provider} | ${r.sizeMb} MB | not measured: ${r.error} | |`
          : `| ${r.provider} | ${r.sizeMb} MB | ${fixed(r.p50Ms, 0)} | ${fixed(r.maxMs, 0)} |`,
      );
  }

  const phaseResult = phases as CompletionPhases | null;
  if (phaseResult) {
    console.log(
      `\nPhases of completing ${fixed(phaseResult.bytes / MB)} MB (${phaseResult.parts} parts) against the local S3 stand-in: ` +
        `concatenating the parts into one object ${fixed(phaseResult.concatenateMs / 1000)} s, validating it (streamed from S3) ${fixed(phaseResult.validateMs / 1000)} s; ` +
        `the rest of uploads.complete is the provider's copy (onFileStored) and bookkeeping.`,
    );
  }
  for (const e of uploadErrors) console.log(`\nUploads API for ${e.provider} FAILED: ${e.error}`);

  const results = {
    generatedAt: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
    },
    units: { size: 'MB = 10^6 bytes', throughput: 'MB of input per second', rss: 'MiB (process maxRSS)' },
    targets: { ratioToBaseline: RATIO_TARGET, peakRssMb: RSS_TARGET_MB },
    conversions: rows,
    cappedHeapMb: CAPPED_HEAP_MB,
    cappedHeapRuns: cappedRuns,
    gatewayOverhead: gatewayResult,
    uploads,
    uploadErrors,
    completionPhases: phaseResult,
    createLatency,
    bundles,
    durationSeconds: Math.round((Date.now() - started) / 1000),
  };
  writeFileSync(join(__dirname, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nbench/results.json written (${results.durationSeconds} s).`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
