// The Gemini simulator speaks the real wire protocol (the official @google/genai client works against
// it unchanged), and the gateway's Gemini adapter runs end to end against it: upload, batch, status,
// results, cancel, and the faults the tracker must survive.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, GoogleGenAI } from '@google/genai';
import { startGeminiSimulator, type GeminiSimulator } from '#local/simulators/gemini/index';
import { createGeminiAdapter, geminiAdapter } from '#lambda/providers/gemini/adapter';
import { toGeminiBatchLine } from '#lambda/providers/gemini/request';
import { ProviderLostBatchError, ProviderUnavailableError } from '#lambda/providers/errors';
import { GatewayError } from '#lambda/http/errors';
import { validateBatchFile } from '#lambda/batch-files/validate';
import { newBatchRecord } from '#lambda/batches/record';
import type { BatchRecord, FileRecord } from '#contracts/records';
import type { ProviderAdapter, ProviderContext } from '#lambda/providers/provider';
import type { BatchRequestInput, BatchRequestOutput, ChatCompletion, ChatCompletionRequest } from '#contracts/openai-types';
import { MemoryBlobStore } from '#test/support/memory-blobs';
import { simulatorContext } from '#test/support/provider-context';
import { batchInput, batchInputFile } from '#test/support/records';
import { collectThroughSink } from '#test/support/collect';

// Each simulated state lasts this long: long enough that a poll every STEP_MS / 3 sees RUNNING even when a
// status check is slow on a loaded machine (150 ms was missed once with other suites running).
const STEP_MS = 400;
const MODEL = 'gemini-2.5-flash';

type OutputLine = Omit<BatchRequestOutput, 'id'>;

let sim: GeminiSimulator;
let blobs: MemoryBlobStore;
let fileCounter = 0;

const contextFor = (endpoint: { url: string; apiKey: string }): ProviderContext =>
  simulatorContext({ blobs, endpoint, registersFiles: false });
let ctx: ProviderContext;

beforeAll(async () => {
  sim = await startGeminiSimulator({ stepMs: STEP_MS });
  // get() hands out 16 KiB pieces and getBuffer() refuses, so a test passes only if the adapter
  // streams instead of loading whole files.
  blobs = new MemoryBlobStore({ chunkBytes: 16 * 1024, streamOnly: true });
  ctx = contextFor(sim);
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => sim.faults.clear());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function line(customId: string, body: Partial<ChatCompletionRequest>): BatchRequestInput {
  return {
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: MODEL, messages: [{ role: 'user', content: 'Hello!' }], ...body },
  };
}

/** What files.create leaves behind: the validated OpenAI JSONL in the gateway's bucket and its record. */
async function storedInput(lines: BatchRequestInput[], filename = 'batch_input.jsonl'): Promise<FileRecord> {
  const id = `file-test${++fileCounter}`;
  const blob = { bucket: 'finops-files', key: `tenant-1/${id}` };
  const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  const { bytes } = await blobs.put(blob, text);
  const summary = await validateBatchFile(blobs.readLines(blob));
  return batchInputFile({
    id,
    tenantId: 'tenant-1',
    provider: 'gemini',
    filename,
    bytes,
    blob,
    lineCount: summary.lineCount,
    model: summary.model,
  });
}

async function uploaded(lines: BatchRequestInput[], adapter: ProviderAdapter = geminiAdapter): Promise<FileRecord> {
  const file = await storedInput(lines);
  return { ...file, ...(await adapter.onFileStored!(ctx, file, {})) };
}

/** What batches.create hands the adapter for a file-based batch. */
const fileBatchInput = (batchId: string, file: FileRecord, model: string | null) =>
  batchInput({ batchId, tenantId: 'tenant-1', inputFile: file, model, extras: { provider: 'gemini', model } });

const OWNER = { tenantId: 'tenant-1', provider: 'gemini' } as const;

let batchCounter = 0;
/** Creates the batch at Gemini and returns the BatchRecord the gateway would store. */
async function createdBatch(
  file: FileRecord,
  model: string | null = MODEL,
  adapter: ProviderAdapter = geminiAdapter,
): Promise<BatchRecord> {
  const input = fileBatchInput(`batch_test${++batchCounter}`, file, model);
  return newBatchRecord(input, await adapter.createBatch(ctx, input), OWNER);
}

/** Polls like the tracker until the provider is done; returns every status seen. */
async function pollUntilDone(batch: BatchRecord, adapter: ProviderAdapter = geminiAdapter) {
  const seen: string[] = [];
  for (let i = 0; i < 100; i++) {
    const state = await adapter.checkBatch(ctx, batch);
    if (seen[seen.length - 1] !== state.status) seen.push(state.status);
    if (['completed', 'failed', 'expired', 'cancelled'].includes(state.status)) return { state, seen };
    await sleep(STEP_MS / 3);
  }
  throw new Error('batch never finished');
}

async function collect(batch: BatchRecord, adapter: ProviderAdapter = geminiAdapter): Promise<OutputLine[]> {
  return collectThroughSink(adapter, ctx, batch);
}

const byId = (lines: OutputLine[]) => new Map(lines.map((l) => [l.custom_id, l]));
const completionOf = (l: OutputLine | undefined) => l?.response?.body as ChatCompletion;
const errorOf = (l: OutputLine | undefined) =>
  (l?.response?.body as { error: { message: string; code: string | null; type: string } }).error;

// -----------------------------------------------------------------------------------------------------

describe('the official @google/genai client against the simulator', () => {
  // `fetch` is handed over explicitly only because of Jest: its sandbox realm cannot see the undici
  // dispatcher Node registers on the main realm, which the SDK's default Node path looks up. The SDK
  // still builds and sends every request itself.
  const httpOptions = (baseUrl: string) => ({ baseUrl, fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init) });
  const sdk = () => new GoogleGenAI({ apiKey: sim.apiKey, httpOptions: httpOptions(sim.url) });
  const jsonl = (keys: string[]) =>
    keys.map((key) => JSON.stringify({ key, request: { contents: [{ role: 'user', parts: [{ text: `Say ${key}` }] }] } })).join('\n') +
    '\n';

  test('uploads a JSONL Blob, runs a batch from it, and downloads the responses file', async () => {
    const ai = sdk();
    const text =
      jsonl(['request-1', 'request-2']) +
      JSON.stringify({ key: 'request-3', request: { contents: [{ role: 'user', parts: [{ text: '[simulate-error]' }] }] } }) +
      '\n';
    const file = await ai.files.upload({
      file: new Blob([text], { type: 'application/jsonl' }),
      config: { mimeType: 'application/jsonl', displayName: 'sdk-input' },
    });
    expect(file.name).toMatch(/^files\/[a-z0-9]+$/);
    expect(file).toMatchObject({
      displayName: 'sdk-input',
      mimeType: 'application/jsonl',
      sizeBytes: String(Buffer.byteLength(text)),
      state: 'ACTIVE',
      source: 'UPLOADED',
    });
    expect(sim.storedFile(file.name!)?.bytes.toString()).toBe(text);

    let batch = await ai.batches.create({ model: MODEL, src: file.name!, config: { displayName: 'sdk-batch' } });
    expect(batch.name).toMatch(/^batches\//);
    expect(batch.state).toBe('JOB_STATE_PENDING');
    const states = new Set<string>();
    while (batch.state !== 'JOB_STATE_SUCCEEDED') {
      expect(['JOB_STATE_PENDING', 'JOB_STATE_RUNNING']).toContain(batch.state);
      states.add(batch.state!);
      await sleep(STEP_MS / 3);
      batch = await ai.batches.get({ name: batch.name! });
    }
    expect(states).toEqual(new Set(['JOB_STATE_PENDING', 'JOB_STATE_RUNNING']));
    expect(batch.model).toBe(`models/${MODEL}`);
    expect(batch.endTime).toBeDefined();
    const responsesFile = batch.dest?.fileName;
    expect(responsesFile).toMatch(/^files\/batch-/);

    const dir = await mkdtemp(join(tmpdir(), 'gemini-sim-'));
    try {
      const downloadPath = join(dir, 'responses.jsonl');
      await ai.files.download({ file: responsesFile!, downloadPath });
      const results = (await readFile(downloadPath, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(results.map((r) => r.key)).toEqual(['request-1', 'request-2', 'request-3']);
      expect(results[0].response.candidates[0]).toMatchObject({
        content: { role: 'model', parts: [{ text: 'Simulated Gemini reply to: Say request-1' }] },
        finishReason: 'STOP',
      });
      expect(results[0].response.usageMetadata.totalTokenCount).toBeGreaterThan(0);
      expect(results[2].error).toMatchObject({ code: 500, status: 'INTERNAL' });

      // Uploaded files cannot be downloaded, as on the real API.
      await expect(ai.files.download({ file: file.name!, downloadPath: join(dir, 'input.jsonl') })).rejects.toThrow(/only files generated/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('uploads from a file path', async () => {
    const ai = sdk();
    const dir = await mkdtemp(join(tmpdir(), 'gemini-sim-'));
    try {
      const path = join(dir, 'requests.jsonl');
      await writeFile(path, jsonl(['only']));
      const file = await ai.files.upload({ file: path, config: { mimeType: 'application/jsonl' } });
      expect(file.state).toBe('ACTIVE');
      expect((await ai.files.get({ name: file.name! })).sizeBytes).toBe(file.sizeBytes);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('pages through files and batches, cancels and deletes', async () => {
    const ai = sdk();
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      const f = await ai.files.upload({ file: new Blob([jsonl([`p${i}`])]), config: { mimeType: 'application/jsonl' } });
      names.push(f.name!);
    }
    const listed: string[] = [];
    const pager = await ai.files.list({ config: { pageSize: 2 } });
    expect(pager.page.length).toBe(2);
    for await (const f of pager) listed.push(f.name!);
    expect(listed).toEqual(expect.arrayContaining(names));
    expect(new Set(listed).size).toBe(listed.length);

    const batch = await ai.batches.create({ model: MODEL, src: names[0], config: { displayName: 'to-cancel' } });
    await ai.batches.cancel({ name: batch.name! });
    let state = (await ai.batches.get({ name: batch.name! })).state;
    for (let i = 0; i < 20 && state !== 'JOB_STATE_CANCELLED'; i++) {
      await sleep(STEP_MS / 3);
      state = (await ai.batches.get({ name: batch.name! })).state;
    }
    expect(state).toBe('JOB_STATE_CANCELLED');

    const batchNames: string[] = [];
    for await (const b of await ai.batches.list({ config: { pageSize: 1 } })) batchNames.push(b.name!);
    expect(batchNames).toContain(batch.name);

    await ai.batches.delete({ name: batch.name! });
    await expect(ai.batches.get({ name: batch.name! })).rejects.toMatchObject({ status: 404 });
    await ai.files.delete({ name: names[1] });
    await expect(ai.files.get({ name: names[1] })).rejects.toThrow(/may not exist/);
  });

  test('answers a wrong API key and a missing one the way Google does', async () => {
    const wrong = new GoogleGenAI({ apiKey: 'not-the-key', httpOptions: httpOptions(sim.url) });
    const err = await wrong.files.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).message).toMatch(/API key not valid/);

    const anonymous = await fetch(`${sim.url}/v1beta/files`);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
    const byQuery = await fetch(`${sim.url}/v1beta/files?key=${sim.apiKey}`);
    expect(byQuery.status).toBe(200);
  });

  test('checks upload offsets and the declared length', async () => {
    const start = await fetch(`${sim.url}/upload/v1beta/files`, {
      method: 'POST',
      headers: {
        'x-goog-api-key': sim.apiKey,
        'x-goog-upload-protocol': 'resumable',
        'x-goog-upload-command': 'start',
        'x-goog-upload-header-content-length': '10',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ file: { displayName: 'raw' } }),
    });
    const uploadUrl = start.headers.get('x-goog-upload-url')!;
    const wrongOffset = await fetch(uploadUrl, {
      method: 'POST',
      headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '5' },
      body: '0123456789',
    });
    expect(wrongOffset.status).toBe(400);
    expect((await wrongOffset.json()).error.message).toMatch(/Offset/);
    const short = await fetch(uploadUrl, {
      method: 'POST',
      headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' },
      body: '01234',
    });
    expect(short.status).toBe(400);
    expect((await short.json()).error.message).toMatch(/declared 10/);
  });
});

// -----------------------------------------------------------------------------------------------------

describe('geminiAdapter end to end against the simulator', () => {
  const workflow: BatchRequestInput[] = [
    line('req-1', { messages: [{ role: 'user', content: 'What is 2+2?' }], max_tokens: 100 }),
    line('req-2', {
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'What is the capital of France?' },
        { role: 'assistant', content: 'Paris.' },
        { role: 'user', content: 'And of Italy?' },
      ],
      temperature: 0.2,
    }),
    line('req-error', { messages: [{ role: 'user', content: 'Please fail [simulate-error]' }] }),
    line('req-blocked', { messages: [{ role: 'user', content: 'Something dangerous [simulate-blocked]' }] }),
    line('req-prompt-blocked', { messages: [{ role: 'user', content: 'Worse [simulate-prompt-blocked]' }] }),
    line('req-json', { messages: [{ role: 'user', content: 'Reply in JSON' }], response_format: { type: 'json_object' } }),
    line('req-tool', {
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
      ],
      tool_choice: 'required',
    }),
    line('req-short', { messages: [{ role: 'user', content: 'Tell me a long story about the sea' }], max_tokens: 2 }),
  ];

  test('runs the user workflow: upload, create, poll, collect — every request exactly once', async () => {
    const file = await uploaded(workflow);
    expect(file.providerFileId).toMatch(/^files\//);
    // What Gemini holds is exactly the converted lines.
    const stored = sim.storedFile(file.providerFileId!)!;
    expect(stored.source).toBe('UPLOADED');
    expect(
      stored.bytes
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(workflow.map((w) => toGeminiBatchLine(w)));
    expect((file.providerData as { geminiFile: { sizeBytes: number } }).geminiFile.sizeBytes).toBe(stored.bytes.length);

    const batch = await createdBatch(file);
    expect(batch.providerBatchId).toMatch(/^batches\/[a-z0-9]+$/);
    expect(batch.status).toBe('validating');
    expect(batch.model).toBe(MODEL);
    expect(batch.requestCounts).toEqual({ total: workflow.length, completed: 0, failed: 0 });

    const { state, seen } = await pollUntilDone(batch);
    expect(seen).toEqual(['validating', 'in_progress', 'completed']);
    // Blocked answers are still successful requests for Gemini; only the error line failed.
    expect(state.requestCounts).toEqual({ total: 8, completed: 7, failed: 1 });

    const lines = await collect(batch);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(workflow.map((w) => w.custom_id).sort());
    const results = byId(lines);

    const first = completionOf(results.get('req-1'));
    expect(results.get('req-1')?.response?.status_code).toBe(200);
    expect(first.object).toBe('chat.completion');
    expect(first.choices[0]).toMatchObject({
      message: { role: 'assistant', content: 'Simulated Gemini reply to: What is 2+2?' },
      finish_reason: 'stop',
    });
    expect(first.model).toBe(MODEL);
    expect(first.usage.prompt_tokens).toBeGreaterThan(0);
    expect(first.usage.completion_tokens_details?.reasoning_tokens).toBe(16);
    expect(first.usage.completion_tokens).toBe(Math.ceil('Simulated Gemini reply to: What is 2+2?'.length / 4) + 16);

    expect(completionOf(results.get('req-2')).choices[0].message.content).toBe('Simulated Gemini reply to: And of Italy?');
    expect(JSON.parse(completionOf(results.get('req-json')).choices[0].message.content!)).toEqual({
      reply: 'Simulated Gemini reply to: Reply in JSON',
    });
    const tool = completionOf(results.get('req-tool')).choices[0];
    expect(tool.finish_reason).toBe('tool_calls');
    expect(tool.message.tool_calls?.[0].function).toEqual({ name: 'get_weather', arguments: '{}' });
    expect(completionOf(results.get('req-short')).choices[0].finish_reason).toBe('length');

    expect(results.get('req-error')?.response?.status_code).toBe(500);
    expect(errorOf(results.get('req-error'))).toMatchObject({ type: 'server_error', code: 'internal' });
    for (const id of ['req-blocked', 'req-prompt-blocked']) {
      expect(results.get(id)?.response?.status_code).toBe(400);
      expect(errorOf(results.get(id)).code).toBe('content_filter');
    }
    expect(errorOf(results.get('req-prompt-blocked')).message).toMatch(/blocked the prompt/);
    expect(errorOf(results.get('req-blocked')).message).toMatch(
      /blocked the response \(finishReason SAFETY; categories: HARM_CATEGORY_DANGEROUS_CONTENT\)/,
    );

    // Collecting twice gives the same lines (the tracker may retry).
    expect(await collect(batch)).toEqual(lines);
  });

  test('streams a large input to Gemini in 256 KiB chunks, holding one chunk at a time', async () => {
    const chunked = createGeminiAdapter({ uploadChunkBytes: 256 * 1024 });
    const padding = 'x'.repeat(1500);
    const many = Array.from({ length: 450 }, (_, i) => line(`big-${i}`, { messages: [{ role: 'user', content: `${i} ${padding}` }] }));
    const file = await uploaded(many, chunked);
    const stored = sim.storedFile(file.providerFileId!)!;
    expect(stored.bytes.length).toBeGreaterThan(2 * 256 * 1024);
    expect(stored.chunks).toBe(Math.ceil(stored.bytes.length / (256 * 1024)));
    expect(stored.bytes.toString()).toBe(many.map((w) => JSON.stringify(toGeminiBatchLine(w)) + '\n').join(''));
  });

  test('retries an upload chunk that hit a transient error', async () => {
    const chunked = createGeminiAdapter({ uploadChunkBytes: 256 * 1024, chunkRetryDelayMs: 10 });
    const many = Array.from({ length: 300 }, (_, i) =>
      line(`retry-${i}`, { messages: [{ role: 'user', content: `${i} ${'y'.repeat(1500)}` }] }),
    );
    sim.faults.add({ kind: 'server_error', match: 'upload_id=', times: 1 });
    sim.faults.add({ kind: 'rate_limit', match: 'upload_id=', times: 1, retryAfterSeconds: 0 });
    const file = await uploaded(many, chunked);
    expect(sim.storedFile(file.providerFileId!)!.bytes.toString()).toBe(
      many.map((w) => JSON.stringify(toGeminiBatchLine(w)) + '\n').join(''),
    );
  });

  test('a line Gemini cannot express fails the upload with a 400 naming the line, before anything is sent', async () => {
    const before =
      (await (await fetch(`${sim.url}/v1beta/files?pageSize=100`, { headers: { 'x-goog-api-key': sim.apiKey } })).json()).files?.length ??
      0;
    const file = await storedInput([line('ok', {}), line('bad', { logit_bias: { '1': 5 } })]);
    const err = await geminiAdapter.onFileStored!(ctx, file, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(400);
    expect((err as GatewayError).message).toMatch(/^Line 2: body\.logit_bias is not supported/);
    const after =
      (await (await fetch(`${sim.url}/v1beta/files?pageSize=100`, { headers: { 'x-goog-api-key': sim.apiKey } })).json()).files?.length ??
      0;
    expect(after).toBe(before);
  });

  test('createBatch refuses what Gemini cannot run, before calling it', async () => {
    const file = await uploaded([line('a', {})]);
    const attempt = (input: Partial<FileRecord> | null, model: string | null) =>
      geminiAdapter
        .createBatch(ctx, {
          batchId: 'batch_x',
          tenantId: 'tenant-1',
          endpoint: '/v1/chat/completions',
          completionWindow: '24h',
          inputFile: input === null ? null : { ...file, ...input },
          model,
          extras: {},
          metadata: null,
          createdAt: 0,
          expiresAt: 0,
        })
        .catch((e: unknown) => e as GatewayError);
    expect(await attempt(null, MODEL)).toMatchObject({ status: 400, code: 'missing_input_file' });
    expect(await attempt({ model: null }, MODEL)).toMatchObject({ status: 400, code: 'mixed_models' });
    expect(await attempt({}, 'gemini-2.0-flash')).toMatchObject({ status: 400, code: 'model_mismatch' });
    expect(await attempt({ model: undefined }, null)).toMatchObject({ status: 400, code: 'missing_model' });
    expect(await attempt({ model: undefined }, '../files/x')).toMatchObject({ status: 400, code: 'invalid_model' });
    // The model may come from the lines alone, with or without the models/ prefix in extra_body.
    const fromLines = await createdBatch(file, null);
    expect(fromLines.model).toBe(MODEL);
    expect((await createdBatch(file, `models/${MODEL}`)).model).toBe(MODEL);
  });

  test('a model Gemini does not know → 400 with Google’s message', async () => {
    const file = await uploaded([line('a', { model: 'palm-2' })]);
    const err = await createdBatch(file, 'palm-2').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 400, code: 'not_found' });
    expect((err as Error).message).toMatch(/models\/palm-2 is not found/);
  });

  test('uploads the input again when Gemini’s copy is gone (files live 48 h there)', async () => {
    const file = await uploaded([line('again', { messages: [{ role: 'user', content: 'Still here?' }] })]);
    const gone = await fetch(`${sim.url}/v1beta/${file.providerFileId}`, { method: 'DELETE', headers: { 'x-goog-api-key': sim.apiKey } });
    expect(gone.status).toBe(200);
    const batch = await createdBatch(file);
    const used = (batch.providerData as { geminiFile: string }).geminiFile;
    expect(used).not.toBe(file.providerFileId);
    expect(sim.storedFile(used)).toBeDefined();
    await pollUntilDone(batch);
    const [result] = await collect(batch);
    expect(completionOf(result).choices[0].message.content).toBe('Simulated Gemini reply to: Still here?');
  });

  test('cancel: Gemini gets to CANCELLED, every request comes out as batch_cancelled; repeated cancels are fine', async () => {
    const lines = [line('c-1', {}), line('c-2', {}), line('c-3', {})];
    const batch = { ...(await createdBatch(await uploaded(lines))), cancelRequested: true };
    await geminiAdapter.cancelBatch(ctx, batch);
    // Until the cancel lands Gemini still reports the batch as pending or running (the tracker repeats the cancel).
    await expect(geminiAdapter.cancelBatch(ctx, batch)).resolves.toBeUndefined();
    const { state, seen } = await pollUntilDone(batch);
    expect(state.status).toBe('cancelled');
    // Only states on the way to a cancel (on a busy machine the first check may already see it
    // cancelled: the simulator's step can pass before the first poll).
    expect(seen.filter((s) => !['validating', 'in_progress', 'cancelling', 'cancelled'].includes(s))).toEqual([]);
    expect(seen).not.toContain('completed');
    const results = await collect(batch);
    expect(results.map((r) => r.custom_id).sort()).toEqual(['c-1', 'c-2', 'c-3']);
    for (const r of results) expect(r).toMatchObject({ response: null, error: { code: 'batch_cancelled' } });
    await expect(geminiAdapter.cancelBatch(ctx, batch)).resolves.toBeUndefined();
  });

  test('cancelling a batch that already succeeded is not an error', async () => {
    const batch = await createdBatch(await uploaded([line('done', {})]));
    await pollUntilDone(batch);
    await expect(geminiAdapter.cancelBatch(ctx, batch)).resolves.toBeUndefined();
  });

  test('an expired batch and a failed batch account for every request', async () => {
    const expired = await createdBatch(
      await uploaded([line('e-1', {}), line('e-2', { messages: [{ role: 'user', content: 'too late [simulate-expire]' }] })]),
    );
    expect((await pollUntilDone(expired)).state.status).toBe('expired');
    const expiredLines = await collect(expired);
    expect(expiredLines.map((l) => [l.custom_id, l.error?.code])).toEqual([
      ['e-1', 'batch_expired'],
      ['e-2', 'batch_expired'],
    ]);

    const failed = await createdBatch(await uploaded([line('f-1', { messages: [{ role: 'user', content: '[simulate-batch-failure]' }] })]));
    const { state } = await pollUntilDone(failed);
    expect(state.status).toBe('failed');
    expect(state.errors?.[0].message).toMatch(/Internal error encountered while running the batch/);
    const [failedLine] = await collect(failed);
    expect(failedLine).toMatchObject({ custom_id: 'f-1', response: null, error: { code: 'batch_failed' } });
  });

  test('429 with retry-after → ProviderUnavailableError carrying it; a timeout and a closed port too', async () => {
    const batch = await createdBatch(await uploaded([line('r-1', {})]));
    sim.faults.add({ kind: 'rate_limit', match: 'GET /v1beta/batches/', retryAfterSeconds: 7 });
    const limited = await geminiAdapter.checkBatch(ctx, batch).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(ProviderUnavailableError);
    expect(limited).toMatchObject({ retryAfterSeconds: 7, status: 429 });
    // The fault was used up: the next poll works.
    expect((await geminiAdapter.checkBatch(ctx, batch)).status).toMatch(/validating|in_progress|completed/);

    sim.faults.add({ kind: 'timeout', match: 'GET /v1beta/batches/' });
    const impatient = createGeminiAdapter({ timeoutMs: 200 });
    await expect(impatient.checkBatch(ctx, batch)).rejects.toThrow(/timed out after 200 ms/);

    const closed = await startGeminiSimulator();
    await closed.close();
    await expect(geminiAdapter.checkBatch(contextFor(closed), batch)).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  test('a batch Gemini lost → ProviderLostBatchError', async () => {
    const batch = await createdBatch(await uploaded([line('l-1', {})]));
    sim.faults.add({ kind: 'lose_batch', match: batch.providerBatchId! });
    await expect(geminiAdapter.checkBatch(ctx, batch)).rejects.toBeInstanceOf(ProviderLostBatchError);
  });

  test('a download cut mid-body → ProviderUnavailableError; the retry then collects everything once', async () => {
    const lines = Array.from({ length: 6 }, (_, i) => line(`d-${i}`, {}));
    const batch = await createdBatch(await uploaded(lines));
    await pollUntilDone(batch);
    sim.faults.add({ kind: 'reset', match: ':download' });
    const partial: OutputLine[] = [];
    const err = await geminiAdapter.collectResults(ctx, batch, { write: async (l) => void partial.push(l) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect(partial.length).toBeLessThan(lines.length);
    const all = await collect(batch);
    expect(all.map((l) => l.custom_id).sort()).toEqual(lines.map((l) => l.custom_id).sort());
  });

  test('falls back to /v1beta/…:download when the documented /download path answers 404', async () => {
    const legacy = await startGeminiSimulator({ stepMs: STEP_MS, documentedDownloadPath: false });
    const previous = ctx;
    ctx = contextFor(legacy);
    try {
      const batch = await createdBatch(await uploaded([line('x-1', {}), line('x-2', {})]));
      await pollUntilDone(batch);
      expect((await collect(batch)).map((l) => l.response?.status_code)).toEqual([200, 200]);
    } finally {
      ctx = previous;
      await legacy.close();
    }
  });

  test('collectResults refuses a batch that is still running rather than report its requests as lost', async () => {
    const batch = await createdBatch(await uploaded([line('early', {})]));
    await expect(collect(batch)).rejects.toThrow(/has not finished \(state PENDING\)/);
  });

  test('reads inlined responses too, and reports a request Gemini returned nothing for', async () => {
    const inputs = [
      line('i-1', { messages: [{ role: 'user', content: 'One' }] }),
      line('i-2', { messages: [{ role: 'user', content: '[simulate-error]' }] }),
      line('i-3', {}),
    ];
    const file = await storedInput(inputs);
    // Only the first two requests reach Gemini, inline: the third must still come out, as not run.
    const requests = inputs.slice(0, 2).map((w) => ({ request: toGeminiBatchLine(w).request, metadata: { key: w.custom_id } }));
    const answer = await fetch(`${sim.url}/v1beta/models/${MODEL}:batchGenerateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': sim.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ batch: { displayName: 'inline', inputConfig: { requests: { requests } } } }),
    });
    const operation = (await answer.json()) as { name: string };
    const created = {
      providerBatchId: operation.name,
      model: MODEL,
      status: 'validating' as const,
      requestCounts: { total: 0, completed: 0, failed: 0 },
      providerData: { inputBlob: file.blob },
    };
    const batch = newBatchRecord(fileBatchInput('batch_inline', file, MODEL), created, OWNER);
    await pollUntilDone(batch);
    const results = byId(await collect(batch));
    expect([...results.keys()].sort()).toEqual(['i-1', 'i-2', 'i-3']);
    expect(completionOf(results.get('i-1')).choices[0].message.content).toBe('Simulated Gemini reply to: One');
    expect(results.get('i-2')?.response?.status_code).toBe(500);
    expect(results.get('i-3')).toMatchObject({
      response: null,
      error: { code: 'batch_failed', message: expect.stringMatching(/no result/) },
    });
  });

  test('onFileDeleted removes Gemini’s copy and tolerates it being gone already', async () => {
    const file = await uploaded([line('gone', {})]);
    await geminiAdapter.onFileDeleted!(ctx, file);
    expect(sim.storedFile(file.providerFileId!)).toBeUndefined();
    await expect(geminiAdapter.onFileDeleted!(ctx, file)).resolves.toBeUndefined();
  });

  test('a wrong API key → 502 provider_auth_error that never echoes the key', async () => {
    const wrongKey = 'AIzaSy-wrong-key-123';
    const wrongCtx = contextFor({ url: sim.url, apiKey: wrongKey });
    const file = await storedInput([line('k', {})]);
    const err = await geminiAdapter.onFileStored!(wrongCtx, file, {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: 'provider_auth_error' });
    expect((err as Error).message).toMatch(/API key not valid/);
    expect((err as Error).message).not.toContain(wrongKey);
  });
});
