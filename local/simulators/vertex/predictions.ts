// What a Vertex batch prediction job does when it runs: imports its JSONL input from Cloud Storage
// (every line `{"request": {...}}`, at most FINOPS_SIM_VERTEX_MAX_REQUESTS), answers each request as
// the Gemini simulator does (../gemini/outcomes.ts) and writes `<outputUriPrefix>/prediction-model-
// <create time>/predictions.jsonl` in REVERSE input order (Vertex keeps no order). Triggers in user
// text: "[simulate-expire]", "[simulate-batch-failure]" (no output), "[simulate-row-lost]" (that row
// is missing, the job PARTIALLY_SUCCEEDED).
import { simulateOutcome, userTexts } from '#local/simulators/gemini/outcomes';
import type { SimJob } from './account';
import type { SimObject, SimStorage } from './storage';
import { iso } from './wire';

const DEFAULT_MAX_REQUESTS = 200_000;
const IMPORT_FAILED = "Failed to import data. Please check 'Prepare input' section of the batch predictions documentation.";

interface InputLine {
  request: Record<string, unknown>;
  siblings: Record<string, unknown>;
}

/** Imports the input, runs every request, writes the predictions file; sets the job's end state. */
export function runJob(job: SimJob, storage: SimStorage) {
  const fail = (code: number, message: string) => {
    job.state = 'FAILED';
    job.error = { code, message };
  };
  const at = parseGs(job.inputUri);
  const input = at ? storage.get(at.bucket, at.object) : undefined;
  if (!input) return fail(3, `${IMPORT_FAILED} No such object: ${job.inputUri}`);
  const lines = importLines(input);
  if (typeof lines === 'string') return fail(3, `${IMPORT_FAILED} ${lines}`);
  const texts = lines.flatMap((l) => userTexts(l.request));
  if (texts.some((t) => t.includes('[simulate-expire]'))) return void (job.state = 'EXPIRED');
  if (texts.some((t) => t.includes('[simulate-batch-failure]')))
    return fail(13, 'System error. Please try this operation again. If the error persists, contact Vertex AI support.');
  const out = parseGs(job.outputPrefix);
  if (!out || !storage.buckets.has(out.bucket))
    return fail(
      9,
      `Failed to get GCS bucket location for ${out?.bucket ?? job.outputPrefix}. Please check that the bucket exists and permissions are set correctly.`,
    );
  const { rows, lost } = predictionRows(job, lines);
  job.outputDirectory = `gs://${out.bucket}/${out.object.replace(/\/+$/, '')}/prediction-model-${iso(job.createdAt)}`;
  const body = Buffer.from(
    rows
      .reverse()
      .map((r) => r + '\n')
      .join(''),
  );
  storage.put(out.bucket, `${job.outputDirectory.slice(`gs://${out.bucket}/`.length)}/predictions.jsonl`, body, 'application/jsonl');
  job.state = lost > 0 ? 'PARTIALLY_SUCCEEDED' : 'SUCCEEDED';
}

/** One row per request in input order, `{status, processed_time, request, response}` plus the line's siblings; counts into job.stats. */
function predictionRows(job: SimJob, lines: InputLine[]): { rows: string[]; lost: number } {
  const rows: string[] = [];
  let lost = 0;
  const stats = (job.stats = { successful: 0, failed: 0, incomplete: 0 });
  lines.forEach((line, i) => {
    if (userTexts(line.request).some((t) => t.includes('[simulate-row-lost]'))) return void (lost += 1);
    const outcome = simulateOutcome(job.id, String(i), line.request, job.model);
    const row = { ...line.siblings, processed_time: iso(job.endedAt ?? Date.now()), request: line.request };
    if ('response' in outcome) {
      stats.successful += 1;
      rows.push(JSON.stringify({ status: '', ...row, response: outcome.response }));
    } else {
      stats.failed += 1;
      rows.push(JSON.stringify({ status: `${reasonPhrase(outcome.error.code)}: ${JSON.stringify({ error: outcome.error })}`, ...row }));
    }
  });
  stats.incomplete = lost;
  return { rows, lost };
}

/** Vertex's import of a JSONL input: every line an object with a `request` object; numeric-looking strings become numbers. */
function importLines(input: SimObject): InputLine[] | string {
  const max = Number(process.env.FINOPS_SIM_VERTEX_MAX_REQUESTS) || DEFAULT_MAX_REQUESTS;
  const text = input.bytes
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (text.length > max) return `The input has ${text.length} requests; a batch prediction job takes at most ${max}.`;
  const lines = [];
  for (const [i, raw] of text.entries()) {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return `Line ${i + 1} is not valid JSON.`;
    }
    if (typeof value?.request !== 'object' || value.request === null || Array.isArray(value.request))
      return `Line ${i + 1} has no "request" object.`;
    const { request, ...rest } = value;
    const siblings = Object.fromEntries(
      Object.entries(rest).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v]),
    );
    lines.push({ request: request as Record<string, unknown>, siblings });
  }
  return lines;
}

function reasonPhrase(code: number): string {
  return (
    (
      {
        400: 'Bad Request',
        403: 'Forbidden',
        404: 'Not Found',
        429: 'Too Many Requests',
        500: 'Internal Server Error',
        503: 'Service Unavailable',
      } as Record<number, string>
    )[code] ?? 'Error'
  );
}

export function parseGs(uri: string): { bucket: string; object: string } | null {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return m ? { bucket: m[1], object: m[2] } : null;
}
