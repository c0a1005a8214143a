// One measured conversion, in its own process so that its peak RSS is its own:
//   node --require tsx/cjs bench/convert-worker.ts <direction name | baseline> <input file> <output file> [runs]
//   node --require tsx/cjs bench/convert-worker.ts --interleaved <direction name> <input file> <output file> [runs]
// Streams the input through readLines (lambda/batch-files/lines.ts), converts each line, writes the
// result to a file with backpressure, and prints one JSON object with the measurements. Small files
// are converted several times and the median reported: one 50 ms pass mostly measures the JIT warming up.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { readLines } from '#lambda/batch-files/lines';
import { BASELINE, DIRECTIONS, type LineConverter } from './conversions';

export interface WorkerResult {
  direction: string;
  inputBytes: number;
  outputBytes: number;
  lines: number;
  /** Median over the runs. */
  ms: number;
  runs: number;
  peakRssMb: number;
}

/** Lines are gathered into writes of about this size: one syscall per line would measure the kernel, not the converter. */
const WRITE_BATCH_BYTES = 256 * 1024;

async function convertOnce(name: string, input: string, output: string): Promise<Omit<WorkerResult, 'runs' | 'peakRssMb'>> {
  const convert: LineConverter = name === 'baseline' ? BASELINE : findDirection(name).create();
  const started = process.hrtime.bigint();
  const source = createReadStream(input, { highWaterMark: 1024 * 1024 });
  const sink = createWriteStream(output);
  let inputBytes = 0;
  source.on('data', (chunk) => (inputBytes += chunk.length));
  let pending: string[] = [];
  let pendingChars = 0;
  let outputBytes = 0;
  let lines = 0;
  const flush = async () => {
    const text = pending.join('');
    pending = [];
    pendingChars = 0;
    outputBytes += Buffer.byteLength(text);
    if (!sink.write(text)) await once(sink, 'drain');
  };
  for await (const line of readLines(source)) {
    if (line.text === '') continue;
    const converted = convert(line.text, line.number) + '\n';
    pending.push(converted);
    pendingChars += converted.length;
    lines += 1;
    if (pendingChars >= WRITE_BATCH_BYTES) await flush();
  }
  await flush();
  sink.end();
  await once(sink, 'finish');
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { direction: name, inputBytes, outputBytes, lines, ms };
}

async function run(name: string, input: string, output: string, runs: number): Promise<WorkerResult> {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await convertOnce(name, input, output));
  const sorted = [...results].sort((a, b) => a.ms - b.ms);
  const median = sorted[Math.floor(sorted.length / 2)];
  return { ...median, runs, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

export interface InterleavedResult {
  direction: WorkerResult;
  baseline: WorkerResult;
}

/**
 * Baseline and converter passes alternated in one process (baseline, converter, baseline, …), each
 * reported as its median: both see the same JIT state, heap and machine load, so their ratio does not
 * swing with what another process happened to meet.
 */
async function runInterleaved(name: string, input: string, output: string, runs: number): Promise<InterleavedResult> {
  const passes: Record<'baseline' | 'direction', Array<Omit<WorkerResult, 'runs' | 'peakRssMb'>>> = { baseline: [], direction: [] };
  for (let i = 0; i < runs; i++) {
    passes.baseline.push(await convertOnce('baseline', input, output));
    passes.direction.push(await convertOnce(name, input, output));
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const median = (results: Array<Omit<WorkerResult, 'runs' | 'peakRssMb'>>) =>
    [...results].sort((a, b) => a.ms - b.ms)[Math.floor(results.length / 2)];
  return { direction: { ...median(passes.direction), runs, peakRssMb }, baseline: { ...median(passes.baseline), runs, peakRssMb } };
}

function findDirection(name: string) {
  const direction = DIRECTIONS.find((d) => d.name === name);
  if (!direction) throw new Error(`unknown direction ${JSON.stringify(name)}; known: ${DIRECTIONS.map((d) => d.name).join(', ')}`);
  return direction;
}

if (require.main === module) {
  const interleaved = process.argv[2] === '--interleaved';
  const [name, input, output, runs] = process.argv.slice(interleaved ? 3 : 2);
  const count = Math.max(1, Number(runs ?? 1) || 1);
  (interleaved ? runInterleaved(name, input, output, count) : run(name, input, output, count))
    .then((result) => process.stdout.write(JSON.stringify(result) + '\n'))
    .catch((err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    });
}
