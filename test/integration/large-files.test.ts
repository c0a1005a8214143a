// Large batches end to end: an OpenAI batch file uploaded with the SDK's Uploads API in parts of a few
// MB, batched on every provider adapter this build registers (against its simulator), polled to
// completion, and its results downloaded through the presigned-redirect path. Every custom_id must come
// back exactly once, across the output and error files, and the counts must match.
// Sizes: 30 MB (~12,000 requests) on the first provider, 12 MB on the others. Everything here (gateway,
// stand-ins, simulators) shares one thread, and 30 MB on all four took 80-110 s on a 2-CPU machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { startLocalGateway, type LocalGateway } from '#local/gateway';
import { adapterFor, PROVIDER_NAMES } from '#lambda/providers/registry';
import type { ProviderName } from '#contracts/records';
import type { BatchRequestOutput } from '#contracts/openai-types';
import { generateBatchFile } from '#bench/workload';

const LARGE_FILE_BYTES = 30 * 1024 * 1024;
const OTHER_FILE_BYTES = 12 * 1024 * 1024;
const PART_BYTES = 4 * 1024 * 1024;
const FAIL_EVERY = 97; // every 97th request carries "[simulate-error]": the error file is exercised too
/** Lowered from the 4 MB default so that every provider's output, even the 12 MB runs', takes the redirect. */
const MAX_INLINE_DOWNLOAD_BYTES = 1_000_000;
/**
 * Each simulated provider status lasts this long. The OpenAI simulator starts a batch's clock before it
 * prepares the answers of all ~12,000 requests (about 2 s here), so with 3 steps shorter than that it
 * answers batches.create with "completed" already; 1 s steps keep the lifecycle realistic.
 */
const SIMULATOR_STEP_MS = 1000;

/** A model each provider's adapter and simulator accept. */
const MODELS: Record<ProviderName, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-3-5-haiku-20241022',
  bedrock: 'anthropic.claude-3-haiku-20240307-v1:0',
  gemini: 'gemini-2.5-flash',
  groq: 'llama-3.1-8b-instant',
  together: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  azure: 'gpt-4o-mini',
  vertex: 'gemini-2.5-flash',
};

function isRegistered(provider: ProviderName): boolean {
  try {
    adapterFor(provider);
    return true;
  } catch {
    return false;
  }
}
const REGISTERED = PROVIDER_NAMES.filter(isRegistered);

let gateway: LocalGateway;
let dataDir: string;
let client: OpenAI;
const KEY = 'sk-finops-large-files';

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'finops-large-'));
  gateway = await startLocalGateway({
    port: 0,
    dataDir,
    apiKeys: [KEY],
    simulatorStepMs: SIMULATOR_STEP_MS,
    trackerWaitMs: 100,
    trackerRetryMs: 50,
    env: { FINOPS_MAX_INLINE_DOWNLOAD_BYTES: String(MAX_INLINE_DOWNLOAD_BYTES) },
  });
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: KEY, maxRetries: 2, timeout: 120_000 });
}, 60_000);
afterAll(async () => {
  await gateway?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('at least one provider adapter is registered', () => {
  expect(REGISTERED.length).toBeGreaterThan(0);
});

async function uploadInParts(content: Buffer, provider: ProviderName) {
  const upload = await client.uploads.create({
    filename: `large_${provider}.jsonl`,
    purpose: 'batch',
    bytes: content.length,
    mime_type: 'application/jsonl',
    provider,
  } as never);
  const partIds: string[] = [];
  for (let offset = 0; offset < content.length; offset += PART_BYTES) {
    const part = await client.uploads.parts.create(upload.id, {
      data: await toFile(content.subarray(offset, offset + PART_BYTES), 'part'),
    });
    partIds.push(part.id);
  }
  const completeStarted = Date.now();
  const completed = await client.uploads.complete(upload.id, { part_ids: partIds });
  return { completed, parts: partIds.length, completeMs: Date.now() - completeStarted };
}

async function pollUntilDone(batchId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await client.batches.retrieve(batchId);
    if (['completed', 'failed', 'expired', 'cancelled'].includes(batch.status)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${batch.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Downloads a result file; returns its lines and whether the gateway answered with a redirect. */
async function download(fileId: string | null | undefined): Promise<{ lines: BatchRequestOutput[]; redirected: boolean; bytes: number }> {
  if (!fileId) return { lines: [], redirected: false, bytes: 0 };
  const raw = await fetch(`${gateway.baseURL}/files/${fileId}/content`, {
    headers: { authorization: `Bearer ${KEY}` },
    redirect: 'manual',
  });
  await raw.arrayBuffer();
  const text = await (await client.files.content(fileId)).text();
  const lines = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as BatchRequestOutput);
  return { lines, redirected: raw.status === 302, bytes: Buffer.byteLength(text) };
}

interface ProviderRun {
  total: number;
  content: Buffer;
  upload: OpenAI.Uploads.Upload;
  batch: OpenAI.Batch;
  output: Awaited<ReturnType<typeof download>>;
  errors: Awaited<ReturnType<typeof download>>;
  summary: string;
}

/** Everything one provider goes through; the assertions are in its test. */
async function runOnProvider(provider: ProviderName, fileBytes: number): Promise<ProviderRun> {
  const model = MODELS[provider];
  if (!model) throw new Error(`add a model for provider ${provider} to MODELS`);
  const { bytes: content, lines: total } = generateBatchFile(fileBytes, {
    model,
    failEvery: FAIL_EVERY,
    seed: PROVIDER_NAMES.indexOf(provider) + 1,
  });

  const started = Date.now();
  const { completed: upload, parts, completeMs } = await uploadInParts(content, provider);
  if (!upload.file) throw new Error(`uploads.complete for ${provider} returned no file`);
  const uploadedMs = Date.now() - started;

  const created = await client.batches.create({
    input_file_id: upload.file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    provider,
  } as never);
  if (['completed', 'failed', 'expired', 'cancelled'].includes(created.status)) {
    // A provider never finishes a batch while creating it; the tracker would have nothing to collect.
    throw new Error(
      `batches.create answered with the terminal status ${created.status}: the simulator's clock ran out during creation (raise SIMULATOR_STEP_MS)`,
    );
  }
  const batch = await pollUntilDone(created.id, 180_000);
  const output = await download(batch.output_file_id);
  const errors = await download(batch.error_file_id);
  const summary = `${provider}: ${(content.length / 1048576).toFixed(1)} MB, ${total} requests, ${parts} parts; upload ${uploadedMs} ms (complete ${completeMs} ms); upload to results downloaded ${Date.now() - started} ms`;
  return { total, content, upload, batch, output, errors, summary };
}

describe.each(REGISTERED.map((provider, i) => [provider, i === 0 ? LARGE_FILE_BYTES : OTHER_FILE_BYTES] as const))(
  'a batch on %s (%d bytes)',
  (provider, fileBytes) => {
    test('uploaded in parts, batched, results downloaded: every request exactly once', async () => {
      // One provider at a time: the gateway, the stand-ins and the simulators share this process's one
      // thread, so running them side by side saves next to nothing and blurs which provider was slow.
      const { total, content, upload, batch, output, errors, summary } = await runOnProvider(provider, fileBytes);
      expect(upload.status).toBe('completed');
      expect(upload.file).toMatchObject({ bytes: content.length, status: 'processed', purpose: 'batch' });
      expect(batch.status).toBe('completed');

      // Large output comes through the presigned redirect, and the SDK follows it.
      expect(output.bytes).toBeGreaterThan(MAX_INLINE_DOWNLOAD_BYTES);
      expect(output.redirected).toBe(true);

      const seen = new Map<string, number>();
      for (const line of [...output.lines, ...errors.lines]) seen.set(line.custom_id, (seen.get(line.custom_id) ?? 0) + 1);
      const expectedIds = Array.from({ length: total }, (_, i) => `request-${String(i).padStart(6, '0')}`);
      expect([...seen.keys()].sort()).toEqual(expectedIds);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);

      for (const line of output.lines) expect(line.response?.status_code).toBe(200);
      expect(errors.lines.length).toBe(Math.floor(total / FAIL_EVERY));
      expect(errors.lines.every((l) => Number(l.custom_id.slice(-6)) % FAIL_EVERY === FAIL_EVERY - 1)).toBe(true);
      expect(batch.request_counts).toEqual({ total, completed: output.lines.length, failed: errors.lines.length });

      console.log(summary);
    }, 300_000);
  },
);
