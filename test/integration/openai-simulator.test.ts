// The OpenAI simulator driven by the official `openai` SDK (the seed OpenAI workflow end to end),
// then the gateway's OpenAI adapter against the same simulator, with an in-memory BlobStore.
import OpenAI, { AuthenticationError, BadRequestError, ConflictError, NotFoundError, toFile } from 'openai';
import { startOpenAISimulator } from '#local/simulators/openai/index';
import type { RunningSimulator } from '#local/simulators/simulator';
import { createOpenAIAdapter, GATEWAY_BATCH_METADATA_KEY } from '#lambda/providers/openai/adapter';
import type { ProviderAdapter, ProviderBatchState, ProviderContext } from '#lambda/providers/provider';
import { ProviderLostBatchError, ProviderUnavailableError } from '#lambda/providers/errors';
import { GatewayError } from '#lambda/http/errors';
import type { BatchRecord, FileRecord } from '#contracts/records';
import type { BatchRequestOutput } from '#contracts/openai-types';
import { newBatchRecord } from '#lambda/batches/record';
import { MemoryBlobStore } from '#test/support/memory-blobs';
import { simulatorContext } from '#test/support/provider-context';
import { batchInput, batchInputFile } from '#test/support/records';
import { collectThroughSink } from '#test/support/collect';

const STEP_MS = 80;
const TERMINAL = ['completed', 'failed', 'expired', 'cancelled'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const request = (customId: string, content: string, model = 'gpt-4o-mini') =>
  JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content }], max_tokens: 100 },
  });

// The seed's OpenAI workflow input, plus one request that asks the simulator for an error.
const SEED_JSONL = [
  request('req-1', 'What is 2+2?'),
  request('req-2', 'What is the capital of France?'),
  request('req-3', 'Please fail [simulate-error]'),
].join('\n');

let sim: RunningSimulator;
let client: OpenAI;
// A second simulator whose clock the tests move by hand, for exact timing (cancel mid-run).
const CLOCK_STEP_MS = 10_000;
let clock = Date.now();
let clockSim: RunningSimulator;

beforeAll(async () => {
  sim = await startOpenAISimulator({ stepMs: STEP_MS });
  client = new OpenAI({ baseURL: sim.url, apiKey: sim.apiKey, maxRetries: 2 });
  clockSim = await startOpenAISimulator({ stepMs: CLOCK_STEP_MS, now: () => clock, apiKey: 'clocked-key' });
});

afterAll(async () => {
  await sim.close();
  await clockSim.close();
});

afterEach(() => sim.faults.clear());

async function pollUntilTerminal(id: string): Promise<{ batch: OpenAI.Batches.Batch; seen: string[] }> {
  const seen: string[] = [];
  for (let i = 0; i < 100; i++) {
    const batch = await client.batches.retrieve(id);
    if (seen[seen.length - 1] !== batch.status) seen.push(batch.status);
    if (TERMINAL.includes(batch.status)) return { batch, seen };
    await sleep(STEP_MS / 4);
  }
  throw new Error(`batch ${id} never finished`);
}

async function downloadLines(fileId: string): Promise<Array<Record<string, any>>> {
  const text = await (await client.files.content(fileId)).text();
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

describe('OpenAI simulator with the official SDK', () => {
  test('the seed workflow: upload, batch, poll, download results', async () => {
    const uploaded = await client.files.create({
      file: await toFile(Buffer.from(SEED_JSONL), 'batch_e2e.jsonl', { type: 'application/jsonl' }),
      purpose: 'batch',
    });
    expect(uploaded).toMatchObject({
      object: 'file',
      bytes: Buffer.byteLength(SEED_JSONL),
      filename: 'batch_e2e.jsonl',
      purpose: 'batch',
      status: 'processed',
    });
    expect(uploaded.id).toMatch(/^file-/);
    expect(Math.abs(uploaded.created_at - Date.now() / 1000)).toBeLessThan(5); // seconds, not ms
    expect(uploaded.expires_at).toBe(uploaded.created_at + 30 * 24 * 3600);

    expect(await client.files.retrieve(uploaded.id)).toEqual(uploaded);
    expect(await (await client.files.content(uploaded.id)).text()).toBe(SEED_JSONL);

    const created = await client.batches.create({
      input_file_id: uploaded.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { workflow: 'seed' },
    });
    expect(created).toMatchObject({
      object: 'batch',
      status: 'validating',
      input_file_id: uploaded.id,
      metadata: { workflow: 'seed' },
      output_file_id: null,
      model: 'gpt-4o-mini',
    });
    expect(created.expires_at).toBe(created.created_at + 24 * 3600);

    const { batch, seen } = await pollUntilTerminal(created.id);
    // Statuses only move forward along the documented lifecycle.
    const order = ['validating', 'in_progress', 'finalizing', 'completed'];
    expect(seen.map((s) => order.indexOf(s))).toEqual([...seen.map((s) => order.indexOf(s))].sort((a, b) => a - b));
    expect(seen[seen.length - 1]).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    expect(batch.in_progress_at).not.toBeNull();
    expect(batch.completed_at).not.toBeNull();
    expect(batch.usage?.total_tokens).toBeGreaterThan(0);

    const output = await downloadLines(batch.output_file_id!);
    const errors = await downloadLines(batch.error_file_id!);
    const all = [...output, ...errors].map((l) => l.custom_id).sort();
    expect(all).toEqual(['req-1', 'req-2', 'req-3']); // each custom_id exactly once
    for (const line of output) {
      expect(line).toMatchObject({
        response: { status_code: 200, body: { object: 'chat.completion', model: 'gpt-4o-mini' } },
        error: null,
      });
      expect(line.id).toMatch(/^batch_req_/);
      expect(line.response.body.choices[0].finish_reason).toBe('stop');
      expect(line.response.body.usage.total_tokens).toBe(
        line.response.body.usage.prompt_tokens + line.response.body.usage.completion_tokens,
      );
    }
    const answer = output.find((l) => l.custom_id === 'req-2')!;
    expect(answer.response.body.choices[0].message.content).toContain('What is the capital of France?');
    expect(errors).toEqual([
      expect.objectContaining({
        custom_id: 'req-3',
        response: expect.objectContaining({
          status_code: 400,
          body: { error: expect.objectContaining({ type: 'invalid_request_error', code: 'simulated_error' }) },
        }),
        error: null,
      }),
    ]);

    // A finished batch cannot be cancelled; the 409 tells the SDK not to retry.
    const refused = await client.batches.cancel(batch.id).catch((e) => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused.error.message).toBe("Cannot cancel a batch with status 'completed'.");

    const outputFile = await client.files.retrieve(batch.output_file_id!);
    expect(outputFile).toMatchObject({ purpose: 'batch_output', filename: `${batch.id}_output.jsonl` });
    const outputs: string[] = [];
    for await (const f of client.files.list({ purpose: 'batch_output' })) outputs.push(f.id);
    expect(outputs).toEqual(expect.arrayContaining([batch.output_file_id, batch.error_file_id]));
  });

  test('files.list pages with limit/after and the SDK auto-pages every file exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const f = await client.files.create({ file: await toFile(Buffer.from(request(`p${i}`, 'hi')), `page-${i}.jsonl`), purpose: 'batch' });
      ids.push(f.id);
    }
    const first = await client.files.list({ limit: 2, purpose: 'batch' });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    expect(first.data[0].id).toBe(ids[4]); // newest first
    const listed: string[] = [];
    for await (const f of client.files.list({ limit: 2, purpose: 'batch' })) listed.push(f.id);
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed).toEqual(expect.arrayContaining(ids));
    const ascending: string[] = [];
    for await (const f of client.files.list({ limit: 3, order: 'asc', purpose: 'batch' })) ascending.push(f.id);
    expect(ascending).toEqual([...listed].reverse());

    const deleted = await client.files.delete(ids[0]);
    expect(deleted).toEqual({ id: ids[0], object: 'file', deleted: true });
    await expect(client.files.retrieve(ids[0])).rejects.toBeInstanceOf(NotFoundError);
  });

  test("uploads that are not batch JSONL are refused with OpenAI's error shape", async () => {
    const err = await client.files
      .create({ file: await toFile(Buffer.from('just some text'), 'notes.txt'), purpose: 'batch' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.error).toEqual({
      message: expect.stringContaining('Invalid file format for Batch API. Must be .jsonl'),
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
    const missingField = await client.files
      .create({
        file: await toFile(Buffer.from(JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions' })), 'x.jsonl'),
        purpose: 'batch',
      })
      .catch((e) => e);
    expect(missingField.status).toBe(400);
    expect(missingField.error.message).toMatch(/missing the required field 'body'/);
    const badPurpose = await client.files
      .create({ file: await toFile(Buffer.from('x'), 'x.txt'), purpose: 'nonsense' as never })
      .catch((e) => e);
    expect(badPurpose.status).toBe(400);
    expect(badPurpose.error.param).toBe('purpose');
  });

  test('batch create validates its parameters', async () => {
    const f = await client.files.create({ file: await toFile(Buffer.from(request('a', 'hi')), 'a.jsonl'), purpose: 'batch' });
    const badWindow = await client.batches
      .create({ input_file_id: f.id, endpoint: '/v1/chat/completions', completion_window: '48h' as never })
      .catch((e) => e);
    expect(badWindow.status).toBe(400);
    expect(badWindow.error.param).toBe('completion_window');
    const unknownFile = await client.batches
      .create({ input_file_id: 'file-missing', endpoint: '/v1/chat/completions', completion_window: '24h' })
      .catch((e) => e);
    expect(unknownFile).toBeInstanceOf(NotFoundError);
    expect(unknownFile.error).toEqual({
      message: 'No such File object: file-missing',
      type: 'invalid_request_error',
      param: 'input_file_id',
      code: null,
    });
  });

  test('a file that fails whole-file validation makes the batch fail with errors.data', async () => {
    const dup = [request('same', 'one'), request('same', 'two')].join('\n');
    const f = await client.files.create({ file: await toFile(Buffer.from(dup), 'dup.jsonl'), purpose: 'batch' });
    const created = await client.batches.create({ input_file_id: f.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const { batch } = await pollUntilTerminal(created.id);
    expect(batch.status).toBe('failed');
    expect(batch.failed_at).not.toBeNull();
    expect(batch.output_file_id).toBeNull();
    expect(batch.errors?.data).toEqual([expect.objectContaining({ code: 'duplicate_custom_id', line: 2, param: 'custom_id' })]);
  });

  test('cancel: cancelling, then cancelled; what ran is kept, the rest is batch_cancelled', async () => {
    // On the simulator with a hand-driven clock, so "how much had run" is exact.
    const timed = new OpenAI({ baseURL: clockSim.url, apiKey: clockSim.apiKey, maxRetries: 0 });
    const lines = Array.from({ length: 6 }, (_, i) => request(`c${i}`, i === 1 ? 'fail [simulate-error]' : `question ${i}`)).join('\n');
    const f = await timed.files.create({ file: await toFile(Buffer.from(lines), 'cancel.jsonl'), purpose: 'batch' });
    const created = await timed.batches.create({ input_file_id: f.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    clock += CLOCK_STEP_MS * 1.5; // halfway through in_progress: c0..c2 have run
    expect((await timed.batches.retrieve(created.id)).request_counts).toEqual({ total: 6, completed: 2, failed: 1 });
    const cancelling = await timed.batches.cancel(created.id);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).toBe(Math.floor(clock / 1000));
    clock += 10;
    expect((await timed.batches.cancel(created.id)).status).toBe('cancelling'); // idempotent
    clock += CLOCK_STEP_MS;
    const batch = await timed.batches.retrieve(created.id);
    expect(batch.status).toBe('cancelled');
    expect(batch).toMatchObject({ finalizing_at: null, completed_at: null, request_counts: { total: 6, completed: 2, failed: 4 } });
    const download = async (id: string) =>
      (await (await timed.files.content(id)).text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    const output = await download(batch.output_file_id!);
    const errors = await download(batch.error_file_id!);
    expect(output.map((l) => l.custom_id).sort()).toEqual(['c0', 'c2']);
    expect(errors.map((l) => [l.custom_id, l.error?.code ?? l.response.status_code]).sort()).toEqual([
      ['c1', 400],
      ['c3', 'batch_cancelled'],
      ['c4', 'batch_cancelled'],
      ['c5', 'batch_cancelled'],
    ]);
    expect(errors.filter((l) => l.error).every((l) => l.response === null)).toBe(true);
    expect((await timed.batches.cancel(batch.id)).status).toBe('cancelled'); // still idempotent once cancelled
  });

  test('batches.list auto-pages newest first', async () => {
    const f = await client.files.create({ file: await toFile(Buffer.from(request('l', 'hi')), 'l.jsonl'), purpose: 'batch' });
    const mine: string[] = [];
    for (let i = 0; i < 3; i++)
      mine.push((await client.batches.create({ input_file_id: f.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    const first = await client.batches.list({ limit: 2 });
    expect(first.data.map((b) => b.id)).toEqual([mine[2], mine[1]]);
    expect(first.has_more).toBe(true);
    const all: string[] = [];
    for await (const b of client.batches.list({ limit: 1 })) all.push(b.id);
    expect(new Set(all).size).toBe(all.length);
    expect(all.slice(0, 3)).toEqual([mine[2], mine[1], mine[0]]);
  });

  test('a wrong key gets 401 without the key echoed', async () => {
    const wrong = new OpenAI({ baseURL: sim.url, apiKey: 'sk-wrong-secret-key', maxRetries: 0 });
    const err = await wrong.files.list().catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.error).toEqual({ message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key' });
    expect(err.error.message).not.toContain('sk-wrong-secret-key');
    const raw = await fetch(`${sim.url}/files`);
    expect(raw.status).toBe(401);
    expect(((await raw.json()) as { error: { message: string } }).error.message).toMatch(/didn't provide an API key/);
  });

  test("unknown ids and routes get 404 in OpenAI's shape", async () => {
    const file = await client.files.retrieve('file-nope').catch((e) => e);
    expect(file).toBeInstanceOf(NotFoundError);
    expect(file.error).toEqual({ message: 'No such File object: file-nope', type: 'invalid_request_error', param: 'id', code: null });
    const batch = await client.batches.retrieve('batch_nope').catch((e) => e);
    expect(batch.error).toEqual({ message: 'No such Batch object: batch_nope', type: 'invalid_request_error', param: 'id', code: null });
    const route = await fetch(`${sim.url}/nothing`, { headers: { authorization: `Bearer ${sim.apiKey}` } });
    expect(route.status).toBe(404);
    expect(await route.json()).toEqual({
      error: { message: 'Invalid URL (GET /v1/nothing)', type: 'invalid_request_error', param: null, code: null },
    });
  });

  test('a 429 is retried by the SDK and then succeeds', async () => {
    const statuses: number[] = [];
    const counting = new OpenAI({
      baseURL: sim.url,
      apiKey: sim.apiKey,
      maxRetries: 2,
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        statuses.push(res.status);
        return res;
      },
    });
    sim.faults.add({ kind: 'rate_limit', match: 'GET /v1/files', retryAfterSeconds: 0 });
    const page = await counting.files.list({ limit: 1 });
    expect(page.data).toHaveLength(1);
    expect(statuses).toEqual([429, 200]);
  });

  test('faults over HTTP: lose_batch answers 404 for a known batch, reset cuts a download mid-body', async () => {
    const f = await client.files.create({ file: await toFile(Buffer.from(SEED_JSONL), 'f.jsonl'), purpose: 'batch' });
    const b = await client.batches.create({ input_file_id: f.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const control = (rule: object) => fetch(`${sim.url}/__control/faults`, { method: 'POST', body: JSON.stringify(rule) });
    expect((await control({ kind: 'lose_batch', match: b.id })).status).toBe(204);
    // An unrelated request does not use up the rule.
    await client.files.retrieve(f.id);
    const lost = await client.batches.retrieve(b.id).catch((e) => e);
    expect(lost).toBeInstanceOf(NotFoundError);
    expect((await client.batches.retrieve(b.id)).id).toBe(b.id); // used up after one request

    await control({ kind: 'reset', match: `/files/${f.id}/content` });
    const response = await client.files.content(f.id);
    await expect(response.text()).rejects.toThrow();
    expect(await (await client.files.content(f.id)).text()).toBe(SEED_JSONL);
  });
});

// ---------------------------------------------------------------------------------------------
// The adapter against the simulator.

describe('openai adapter against the simulator', () => {
  // Streams come out in 1 KB pieces, so line splitting across pieces is exercised.
  const blobs = new MemoryBlobStore({ chunkBytes: 1024 });
  const makeContext = (apiKey = sim.apiKey, url = sim.url): ProviderContext =>
    simulatorContext({ blobs, endpoint: { url, apiKey }, registersFiles: false });
  const adapter: ProviderAdapter = createOpenAIAdapter('openai', { maxRetries: 0, timeoutMs: 2000 });
  let ctx: ProviderContext;
  beforeAll(() => {
    ctx = makeContext();
  });

  let fileCounter = 0;
  async function storedFile(jsonl: string, model: string | null = 'gpt-4o-mini', context = ctx): Promise<FileRecord> {
    fileCounter += 1;
    const id = `file-gw${fileCounter}`;
    const blob = { bucket: 'finops-files', key: `tenant/${id}` };
    const { bytes } = await blobs.put(blob, jsonl);
    const file = batchInputFile({
      id,
      tenantId: 'tenant',
      provider: 'openai',
      filename: `${id}.jsonl`,
      bytes,
      blob,
      lineCount: jsonl.split('\n').filter(Boolean).length,
      model,
    });
    return { ...file, ...(await adapter.onFileStored!(context, file, {})) };
  }

  async function submit(file: FileRecord, metadata: Record<string, string> | null = null, context = ctx): Promise<BatchRecord> {
    const input = batchInput({ batchId: `batch_gw${++fileCounter}`, tenantId: 'tenant', inputFile: file, metadata });
    return newBatchRecord(input, await adapter.createBatch(context, input), { tenantId: 'tenant', provider: 'openai' });
  }

  /** What the tracker does: poll until the adapter reports a terminal status. */
  async function track(batch: BatchRecord): Promise<{ state: ProviderBatchState; seen: string[] }> {
    const seen: string[] = [];
    for (let i = 0; i < 100; i++) {
      const state = await adapter.checkBatch(ctx, batch);
      batch.providerData = state.providerData;
      if (seen[seen.length - 1] !== state.status) seen.push(state.status);
      if (TERMINAL.includes(state.status)) return { state, seen };
      await sleep(STEP_MS / 4);
    }
    throw new Error('never finished');
  }

  async function collect(batch: BatchRecord, context = ctx): Promise<Array<Omit<BatchRequestOutput, 'id'>>> {
    return collectThroughSink(adapter, context, batch);
  }

  test('forwards a stored file to OpenAI by streaming it', async () => {
    // About 300 KB, served by the blob store in 1 KB chunks.
    const big = Array.from({ length: 2000 }, (_, i) => request(`big-${i}`, `question number ${i} `.repeat(5))).join('\n');
    const file = await storedFile(big);
    expect(file.providerFileId).toMatch(/^file-/);
    const upstream = await client.files.retrieve(file.providerFileId!);
    expect(upstream).toMatchObject({ purpose: 'batch', bytes: Buffer.byteLength(big), filename: file.filename });
    expect(await (await client.files.content(file.providerFileId!)).text()).toBe(big);
  });

  test('runs a batch: in_progress (never finalizing) until completed, then every result once', async () => {
    const file = await storedFile(SEED_JSONL);
    const batch = await submit(file, { team: 'search' });
    expect(batch.providerBatchId).toMatch(/^batch_/);
    expect(batch.status).toBe('validating');
    expect(batch.model).toBe('gpt-4o-mini');
    const upstream = await client.batches.retrieve(batch.providerBatchId!);
    expect(upstream.metadata).toEqual({ team: 'search', [GATEWAY_BATCH_METADATA_KEY]: batch.id });
    expect(upstream.input_file_id).toBe(file.providerFileId);

    const { state, seen } = await track(batch);
    expect(seen).not.toContain('finalizing');
    expect(seen[seen.length - 1]).toBe('completed');
    expect(state.requestCounts).toEqual({ total: 3, completed: 2, failed: 1 });
    expect(state.providerData).toMatchObject({
      outputFileId: expect.stringMatching(/^file-/),
      errorFileId: expect.stringMatching(/^file-/),
      providerStatus: 'completed',
    });
    expect(state.inProgressAt).toEqual(expect.any(Number));

    const lines = await collect(batch);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(['req-1', 'req-2', 'req-3']);
    expect(lines.every((l) => !('id' in l))).toBe(true);
    const failed = lines.find((l) => l.custom_id === 'req-3')!;
    expect(failed.response?.status_code).toBe(400);
    expect(lines.filter((l) => l.response?.status_code === 200)).toHaveLength(2);
    // Collecting twice gives the same lines (the tracker may retry).
    expect((await collect(batch)).map((l) => l.custom_id).sort()).toEqual(['req-1', 'req-2', 'req-3']);
    // Cancelling after the fact is not an error (OpenAI answers 409 for a completed batch).
    await expect(adapter.cancelBatch(ctx, batch)).resolves.toBeUndefined();
  });

  test('cancel: cancelling, cancelled, and unrun requests come back as batch_cancelled', async () => {
    const timedCtx = makeContext(clockSim.apiKey, clockSim.url);
    const file = await storedFile(Array.from({ length: 4 }, (_, i) => request(`k${i}`, 'hello')).join('\n'), 'gpt-4o-mini', timedCtx);
    const batch = await submit(file, null, timedCtx);
    clock += CLOCK_STEP_MS * 1.5; // k0 and k1 have run
    await adapter.cancelBatch(timedCtx, batch);
    await adapter.cancelBatch(timedCtx, batch); // idempotent
    expect(await adapter.checkBatch(timedCtx, batch)).toMatchObject({
      status: 'cancelling',
      requestCounts: { total: 4, completed: 2, failed: 0 },
    });
    clock += CLOCK_STEP_MS;
    const state = await adapter.checkBatch(timedCtx, batch);
    expect(state.status).toBe('cancelled');
    batch.providerData = state.providerData;
    const lines = await collect(batch, timedCtx);
    expect(lines.map((l) => [l.custom_id, l.response?.status_code ?? l.error?.code]).sort()).toEqual([
      ['k0', 200],
      ['k1', 200],
      ['k2', 'batch_cancelled'],
      ['k3', 'batch_cancelled'],
    ]);
  });

  test('a failed batch: errors mapped, every request comes out as batch_failed', async () => {
    const file = await storedFile([request('d', 'one'), request('d2', 'two'), request('d', 'three')].join('\n'));
    const batch = await submit(file);
    const { state } = await track(batch);
    expect(state.status).toBe('failed');
    expect(state.errors).toEqual([
      { code: 'duplicate_custom_id', message: expect.stringContaining('duplicate'), param: 'custom_id', line: 3 },
    ]);
    const lines = await collect(batch);
    expect(lines.map((l) => [l.custom_id, l.error?.code]).sort()).toEqual([
      ['d', 'batch_failed'],
      ['d2', 'batch_failed'],
    ]);
  });

  test('createBatch needs an input file the provider holds', async () => {
    const base = {
      batchId: 'batch_x',
      tenantId: 't',
      endpoint: '/v1/chat/completions',
      completionWindow: '24h',
      model: null,
      extras: {},
      metadata: null,
      createdAt: 0,
      expiresAt: 0,
    };
    const inline = await adapter.createBatch(ctx, { ...base, inputFile: null }).catch((e) => e);
    expect(inline).toBeInstanceOf(GatewayError);
    expect(inline.status).toBe(400);
    expect(inline.param).toBe('input_file_id');
    const file = await storedFile(SEED_JSONL);
    const notForwarded = await adapter
      .createBatch(ctx, { ...base, inputFile: { ...file, providerFileId: undefined, provider: 'gemini' } })
      .catch((e) => e);
    expect(notForwarded.status).toBe(400);
    expect(notForwarded.message).toMatch(/not uploaded to OpenAI/);
    const otherModel = await adapter.createBatch(ctx, { ...base, inputFile: file, model: 'gpt-4o' }).catch((e) => e);
    expect(otherModel.status).toBe(400);
    expect(otherModel.param).toBe('model');
  });

  test("OpenAI's 4xx on create becomes a 400 with its message", async () => {
    const file = await storedFile(SEED_JSONL);
    const err = await adapter
      .createBatch(ctx, {
        batchId: 'batch_y',
        tenantId: 't',
        endpoint: '/v1/not-an-endpoint',
        completionWindow: '24h',
        inputFile: file,
        model: null,
        extras: {},
        metadata: null,
        createdAt: 0,
        expiresAt: 0,
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/OpenAI rejected the batch creation: Invalid value for 'endpoint'/);
    expect(err.param).toBe('endpoint');
  });

  test('a 404 on a known batch is a lost batch', async () => {
    const batch = await submit(await storedFile(SEED_JSONL));
    sim.faults.add({ kind: 'lose_batch', match: batch.providerBatchId! });
    await expect(adapter.checkBatch(ctx, batch)).rejects.toBeInstanceOf(ProviderLostBatchError);
  });

  test('429 and 5xx are ProviderUnavailable with Retry-After', async () => {
    const batch = await submit(await storedFile(SEED_JSONL));
    sim.faults.add({ kind: 'rate_limit', match: 'GET /v1/batches/', retryAfterSeconds: 3 });
    const limited = await adapter.checkBatch(ctx, batch).catch((e) => e);
    expect(limited).toBeInstanceOf(ProviderUnavailableError);
    expect(limited.retryAfterSeconds).toBe(3);
    expect(limited.status).toBe(429);
    sim.faults.add({ kind: 'server_error', match: 'POST /v1/batches' });
    const broken = await submit(await storedFile(SEED_JSONL)).catch((e) => e);
    expect(broken).toBeInstanceOf(ProviderUnavailableError);
    expect(broken.status).toBe(500);
  });

  test('an SDK with retries rides over a single 429', async () => {
    const retrying = createOpenAIAdapter('openai', { maxRetries: 2 });
    const batch = await submit(await storedFile(SEED_JSONL));
    sim.faults.add({ kind: 'rate_limit', match: 'GET /v1/batches/', retryAfterSeconds: 0 });
    await expect(retrying.checkBatch(ctx, batch)).resolves.toMatchObject({ status: expect.any(String) });
  });

  test('a timeout is ProviderUnavailable', async () => {
    const impatient = createOpenAIAdapter('openai', { maxRetries: 0, timeoutMs: 200 });
    const batch = await submit(await storedFile(SEED_JSONL));
    sim.faults.add({ kind: 'timeout', match: 'GET /v1/batches/' });
    await expect(impatient.checkBatch(ctx, batch)).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  test('a download cut mid-body is ProviderUnavailable; collecting again succeeds', async () => {
    const batch = await submit(await storedFile(SEED_JSONL));
    await track(batch);
    sim.faults.add({ kind: 'reset', match: '/content' });
    await expect(collect(batch)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect((await collect(batch)).map((l) => l.custom_id).sort()).toEqual(['req-1', 'req-2', 'req-3']);
  });

  test('a wrong gateway key is a 502 that does not reveal the key', async () => {
    const batch = await submit(await storedFile(SEED_JSONL));
    const err = await adapter.checkBatch(makeContext('sk-gateway-secret-123456'), batch).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(502);
    expect(err.message).not.toContain('sk-gateway-secret-123456');
  });

  test('onFileDeleted removes the provider copy and tolerates it being gone', async () => {
    const file = await storedFile(SEED_JSONL);
    await adapter.onFileDeleted!(ctx, file);
    await expect(client.files.retrieve(file.providerFileId!)).rejects.toBeInstanceOf(NotFoundError);
    await expect(adapter.onFileDeleted!(ctx, file)).resolves.toBeUndefined();
    await expect(adapter.onFileDeleted!(ctx, { ...file, providerFileId: undefined })).resolves.toBeUndefined();
  });
});
