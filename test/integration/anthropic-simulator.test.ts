// The Anthropic simulator speaks Anthropic's API well enough for the official SDK, and the gateway's
// Anthropic adapter runs end to end against it: inline and file-based batches, splits across several
// Message Batches, cancel, faults, and results into output and error lines.
import Anthropic, { AuthenticationError, BadRequestError, NotFoundError, RateLimitError } from '@anthropic-ai/sdk';
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import { startAnthropicSimulator } from '#local/simulators/anthropic/index';
import type { RunningSimulator } from '#local/simulators/simulator';
import { anthropicAdapter, type AnthropicBatchData } from '#lambda/providers/anthropic/adapter';
import type { CreateBatchInput, CreatedBatch } from '#lambda/providers/provider';
import type { BatchRecord, FileRecord } from '#contracts/records';
import type { BatchRequestOutput, BatchStatus } from '#contracts/openai-types';
import { loadConfig } from '#lambda/config';
import { newBatchRecord } from '#lambda/batches/record';
import { GatewayError } from '#lambda/http/errors';
import { ProviderLostBatchError, ProviderUnavailableError } from '#lambda/providers/errors';
import { isTerminal } from '#contracts/openai-types';
import { MemoryBlobStore } from '#test/support/memory-blobs';
import { simulatorContext, type SimulatorContext } from '#test/support/provider-context';
import { batchInput, batchInputFile } from '#test/support/records';
import { collectThroughSink } from '#test/support/collect';

const STEP_MS = 100;

let sim: RunningSimulator;
let sdk: Anthropic;
let blobs: MemoryBlobStore;
let registered: FileRecord[];
let ctx: SimulatorContext;

beforeAll(async () => {
  sim = await startAnthropicSimulator({ stepMs: STEP_MS, maxRequestsPerBatch: 1000 });
  sdk = new Anthropic({ baseURL: sim.url, apiKey: sim.apiKey, maxRetries: 0 });
});
afterAll(() => sim.close());

beforeEach(() => {
  sim.faults.clear();
  blobs = new MemoryBlobStore();
  ctx = simulatorContext({ blobs, endpoint: sim, config: loadConfig({ FINOPS_FILES_BUCKET: 'files-bucket' }) });
  registered = ctx.registered;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function untilEnded(id: string): Promise<MessageBatch> {
  for (let i = 0; i < 100; i++) {
    const batch = await sdk.messages.batches.retrieve(id);
    if (batch.processing_status === 'ended') return batch;
    await sleep(STEP_MS / 2);
  }
  throw new Error(`Message Batch ${id} did not end`);
}

const seedRequest = (custom_id: string, content: string, extra: Record<string, unknown> = {}) => ({
  custom_id,
  params: { model: 'claude-3-sonnet-20240229', max_tokens: 100, messages: [{ role: 'user' as const, content }], ...extra },
});

describe('the official @anthropic-ai/sdk against the simulator', () => {
  it('creates a batch that stays in_progress, then ends with real Messages and errored requests', async () => {
    const created = await sdk.messages.batches.create({
      requests: [
        seedRequest('math-question', 'What is 15 * 7?'),
        seedRequest('geography-question', 'What is the largest ocean?', { stop_sequences: ['largest'] }),
        seedRequest('will-fail', 'Please [simulate-error]'),
        { custom_id: 'no-max-tokens', params: { model: 'claude-3-sonnet-20240229', messages: [{ role: 'user', content: 'Hi' }] } as never },
      ],
    });
    expect(created).toMatchObject({
      type: 'message_batch',
      processing_status: 'in_progress',
      results_url: null,
      ended_at: null,
      request_counts: { processing: 4, succeeded: 0 },
    });
    expect(created.id).toMatch(/^msgbatch_/);
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(24 * 3600 * 1000);

    const ended = await untilEnded(created.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 2, canceled: 0, expired: 0 });
    expect(ended.results_url).toBe(`${sim.url}/v1/messages/batches/${created.id}/results`);

    const results = [];
    for await (const result of await sdk.messages.batches.results(created.id)) results.push(result);
    expect(results.map((r) => r.custom_id).sort()).toEqual(['geography-question', 'math-question', 'no-max-tokens', 'will-fail']);
    const byId = Object.fromEntries(results.map((r) => [r.custom_id, r.result]));
    expect(byId['math-question']).toMatchObject({
      type: 'succeeded',
      message: {
        type: 'message',
        role: 'assistant',
        model: 'claude-3-sonnet-20240229',
        stop_reason: 'end_turn',
        content: [{ type: 'text', text: 'Simulated reply to: What is 15 * 7?' }],
      },
    });
    expect(byId['geography-question']).toMatchObject({
      type: 'succeeded',
      message: { stop_reason: 'stop_sequence', stop_sequence: 'largest' },
    });
    expect(byId['will-fail']).toMatchObject({ type: 'errored', error: { type: 'error', error: { type: 'overloaded_error' } } });
    expect(byId['no-max-tokens']).toMatchObject({
      type: 'errored',
      error: { error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } },
    });
  });

  it("requires x-api-key and anthropic-version, answering in Anthropic's error shape", async () => {
    const wrongKey = new Anthropic({ baseURL: sim.url, apiKey: 'nope', maxRetries: 0 });
    const err = await wrongKey.messages.batches.list().catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.type).toBe('authentication_error');

    const res = await fetch(`${sim.url}/v1/messages/batches`, { headers: { 'x-api-key': sim.apiKey } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/anthropic-version/) },
    });
  });

  it('refuses invalid or duplicate custom_ids on create', async () => {
    const bad = await sdk.messages.batches.create({ requests: [seedRequest('has.dot', 'x')] }).catch((e) => e);
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(bad.apiMessage).toMatch(/requests\.0\.custom_id/);
    const duplicate = await sdk.messages.batches.create({ requests: [seedRequest('a', 'x'), seedRequest('a', 'y')] }).catch((e) => e);
    expect(duplicate).toBeInstanceOf(BadRequestError);
    expect(duplicate.apiMessage).toMatch(/Duplicate custom_id/);
  });

  it('lists newest first in pages, forwards with after_id and backwards with before_id', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await sdk.messages.batches.create({ requests: [seedRequest(`p${i}`, 'x')] })).id);
    const newestFirst = [...ids].reverse();

    const first = await sdk.messages.batches.list({ limit: 2 });
    expect(first.data.map((b) => b.id)).toEqual(newestFirst.slice(0, 2));
    expect(first).toMatchObject({ has_more: true, first_id: newestFirst[0], last_id: newestFirst[1] });

    const seen: string[] = [];
    for await (const batch of sdk.messages.batches.list({ limit: 2 })) seen.push(batch.id);
    expect(seen.slice(0, 5)).toEqual(newestFirst); // auto-pagination walks every page (older batches follow)

    const back = await sdk.messages.batches.list({ before_id: newestFirst[3], limit: 2 });
    expect(back.data.map((b) => b.id)).toEqual(newestFirst.slice(1, 3));
    expect(back.has_more).toBe(true);
  });

  it('cancels through canceling to ended with canceled results; deletes only ended batches', async () => {
    const created = await sdk.messages.batches.create({ requests: [seedRequest('c1', 'a'), seedRequest('c2', 'b')] });
    const cancelling = await sdk.messages.batches.cancel(created.id);
    expect(cancelling.processing_status).toBe('canceling');
    expect(cancelling.cancel_initiated_at).not.toBeNull();
    const early = await sdk.messages.batches.delete(created.id).catch((e) => e);
    expect(early).toBeInstanceOf(BadRequestError);

    const ended = await untilEnded(created.id);
    expect(ended.request_counts.canceled).toBe(2);
    const results = [];
    for await (const r of await sdk.messages.batches.results(created.id)) results.push(r.result.type);
    expect(results).toEqual(['canceled', 'canceled']);

    expect(await sdk.messages.batches.delete(created.id)).toEqual({ id: created.id, type: 'message_batch_deleted' });
    expect(await sdk.messages.batches.retrieve(created.id).catch((e) => e)).toBeInstanceOf(NotFoundError);
  });

  it('injects rate limits and lost batches', async () => {
    const created = await sdk.messages.batches.create({ requests: [seedRequest('f1', 'a')] });
    sim.faults.add({ kind: 'rate_limit', match: `GET /v1/messages/batches/${created.id}`, retryAfterSeconds: 7 });
    const limited = await sdk.messages.batches.retrieve(created.id).catch((e) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.type).toBe('rate_limit_error');

    sim.faults.add({ kind: 'lose_batch', match: created.id });
    expect(await sdk.messages.batches.retrieve(created.id).catch((e) => e)).toBeInstanceOf(NotFoundError);
    expect((await sdk.messages.batches.retrieve(created.id)).id).toBe(created.id);
  });
});

// ---- the adapter, end to end ---------------------------------------------------------------------

let batchCounter = 0;

function createInput(overrides: Partial<CreateBatchInput>): CreateBatchInput {
  batchCounter += 1;
  return batchInput({ batchId: `batch_test${batchCounter}`, tenantId: 'tenant-1', createdAt: 1, expiresAt: 2, ...overrides });
}

const recordOf = (input: CreateBatchInput, created: CreatedBatch): BatchRecord =>
  newBatchRecord(input, created, { tenantId: input.tenantId, provider: 'anthropic' });

/** Uploads OpenAI batch input lines the way files.create leaves them: a blob and a FileRecord. */
async function inputFile(lines: unknown[]): Promise<FileRecord> {
  const blob = { bucket: 'files-bucket', key: `files/upload-${++batchCounter}` };
  const { bytes } = await blobs.put(blob, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return batchInputFile({
    id: `file-upload${batchCounter}`,
    tenantId: 'tenant-1',
    provider: 'anthropic',
    filename: 'in.jsonl',
    bytes,
    createdAt: 1,
    blob,
    lineCount: lines.length,
  });
}

const chatLine = (custom_id: string, content: string, body: Record<string, unknown> = {}) => ({
  custom_id,
  method: 'POST',
  url: '/v1/chat/completions',
  body: {
    model: 'claude-sonnet-4-5',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content },
    ],
    ...body,
  },
});

async function untilDone(record: BatchRecord): Promise<BatchStatus[]> {
  const seen: BatchStatus[] = [];
  for (let i = 0; i < 100; i++) {
    const state = await anthropicAdapter.checkBatch(ctx, record);
    seen.push(state.status);
    if (state.requestCounts) record.requestCounts = state.requestCounts;
    record.status = state.status;
    if (isTerminal(state.status)) return seen;
    await sleep(STEP_MS / 2);
  }
  throw new Error('batch never finished');
}

async function collect(record: BatchRecord): Promise<Array<Omit<BatchRequestOutput, 'id'>>> {
  return collectThroughSink(anthropicAdapter, ctx, record);
}

const customIds = (lines: Array<{ custom_id: string }>) => lines.map((l) => l.custom_id).sort();
const messageBatchCount = async () => {
  let n = 0;
  for await (const _ of sdk.messages.batches.list({ limit: 100 })) n += 1;
  return n;
};

describe('anthropicAdapter against the simulator', () => {
  it('runs the inline workflow exactly as the seed writes it', async () => {
    const requests = [seedRequest('math-question', 'What is 15 * 7?'), seedRequest('geography-question', 'What is the largest ocean?')];
    const input = createInput({ extras: { provider: 'anthropic', requests } });
    const created = await anthropicAdapter.createBatch(ctx, input);

    expect(created).toMatchObject({
      status: 'in_progress',
      model: 'claude-3-sonnet-20240229',
      requestCounts: { total: 2, completed: 0, failed: 0 },
    });
    expect(created.providerBatchId).toMatch(/^msgbatch_/);
    // The inline requests became the batch's input file, one Anthropic request per line.
    expect(registered).toHaveLength(1);
    expect(created.inputFileId).toBe(registered[0].id);
    expect(registered[0]).toMatchObject({ provider: 'anthropic', purpose: 'batch', lineCount: 2, tenantId: 'tenant-1' });
    const stored = (await blobs.getBuffer(registered[0].blob))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(stored).toEqual(requests);
    expect(registered[0].bytes).toBe((await blobs.getBuffer(registered[0].blob)).length);

    const record = recordOf(input, created);
    const statuses = await untilDone(record);
    expect(statuses[0]).toBe('in_progress');
    expect(statuses[statuses.length - 1]).toBe('completed');
    expect(record.requestCounts).toEqual({ total: 2, completed: 2, failed: 0 });

    const lines = await collect(record);
    expect(customIds(lines)).toEqual(['geography-question', 'math-question']);
    const math = lines.find((l) => l.custom_id === 'math-question')!;
    expect(math.response).toMatchObject({
      status_code: 200,
      request_id: expect.stringMatching(/^msg_/),
      body: {
        object: 'chat.completion',
        model: 'claude-3-sonnet-20240229',
        choices: [{ message: { role: 'assistant', content: 'Simulated reply to: What is 15 * 7?' }, finish_reason: 'stop' }],
      },
    });
    expect((math.response!.body as { usage: { total_tokens: number } }).usage.total_tokens).toBeGreaterThan(0);
  });

  it('answers bad inline requests with a 400 naming the request, before submitting anything', async () => {
    const before = await messageBatchCount();
    const input = createInput({
      extras: {
        requests: [seedRequest('ok', 'x'), { custom_id: 'no-tokens', params: { model: 'm', messages: [{ role: 'user', content: 'x' }] } }],
      },
    });
    const err = await anthropicAdapter.createBatch(ctx, input).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/requests\[1\] \(custom_id "no-tokens"\) needs params\.max_tokens/);
    expect(await messageBatchCount()).toBe(before);
    expect(registered).toHaveLength(0);
  });

  it('runs a file-based batch: converts OpenAI lines, maps unsafe custom_ids, writes output and error lines', async () => {
    const long = 'x'.repeat(80);
    const file = await inputFile([
      chatLine('plain-1', 'Hello!', { max_tokens: 100 }),
      chatLine('with.dot', 'How are you?'),
      chatLine('has space', 'This one [simulate-error]'),
      chatLine(long, 'Tools please', {
        tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
        tool_choice: 'required',
      }),
      chatLine('r1', 'A client id that looks generated'),
    ]);
    const input = createInput({ inputFile: file });
    const created = await anthropicAdapter.createBatch(ctx, input);
    expect(created.requestCounts.total).toBe(5);
    expect(created.inputFileId).toBeUndefined();
    expect(registered).toHaveLength(0);

    const data = created.providerData as unknown as AnthropicBatchData;
    expect(data.messageBatchIds).toEqual([created.providerBatchId]);
    expect(data.customIds).toEqual([['plain-1', ['r1', 'with.dot'], ['r2', 'has space'], ['r3', long], ['r4', 'r1']]]);

    const record = recordOf(input, created);
    expect((await untilDone(record)).pop()).toBe('completed');
    expect(record.requestCounts).toEqual({ total: 5, completed: 4, failed: 1 });

    const lines = await collect(record);
    expect(customIds(lines)).toEqual([long, 'has space', 'plain-1', 'r1', 'with.dot'].sort());
    const byId = Object.fromEntries(lines.map((l) => [l.custom_id, l]));
    expect(byId['has space'].response).toMatchObject({
      status_code: 503,
      body: { error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    expect(byId['with.dot'].response).toMatchObject({
      status_code: 200,
      body: { choices: [{ message: { content: 'Simulated reply to: How are you?' } }] },
    });
    expect(byId[long].response).toMatchObject({
      status_code: 200,
      body: {
        choices: [
          {
            message: { content: null, tool_calls: [{ type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
            finish_reason: 'tool_calls',
          },
        ],
      },
    });

    // What Anthropic received: system lifted out, max_tokens defaulted, safe ids.
    const sent = [];
    for await (const r of await sdk.messages.batches.results(created.providerBatchId!)) sent.push(r.custom_id);
    expect(sent.sort()).toEqual(['plain-1', 'r1', 'r2', 'r3', 'r4']);
  });

  it('rejects a file line Anthropic cannot take with a 400 naming the line, submitting nothing', async () => {
    const before = await messageBatchCount();
    const file = await inputFile([chatLine('a', 'x'), chatLine('b', 'y', { n: 3 })]);
    const err = await anthropicAdapter.createBatch(ctx, createInput({ inputFile: file })).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^Line 2: body\.n: n is not supported for Anthropic/);
    expect(await messageBatchCount()).toBe(before);
  });

  describe('with lowered limits', () => {
    const saved = { ...process.env };
    afterEach(() => {
      delete process.env.FINOPS_ANTHROPIC_MAX_REQUESTS_PER_BATCH;
      delete process.env.FINOPS_ANTHROPIC_MAX_BYTES_PER_BATCH;
      Object.assign(process.env, saved);
    });

    it('splits a file across several Message Batches while the client sees one batch', async () => {
      process.env.FINOPS_ANTHROPIC_MAX_REQUESTS_PER_BATCH = '3';
      const lines = Array.from({ length: 8 }, (_, i) => chatLine(`req:${i}`, i === 6 ? 'broken [simulate-error]' : `Question ${i}`));
      const input = createInput({ inputFile: await inputFile(lines) });
      const created = await anthropicAdapter.createBatch(ctx, input);

      const data = created.providerData as unknown as AnthropicBatchData;
      expect(data.messageBatchIds).toHaveLength(3);
      expect(data.requestsPerMessageBatch).toEqual([3, 3, 2]);
      expect(created.providerBatchId).toBe(data.messageBatchIds[0]);
      for (const [i, id] of data.messageBatchIds.entries()) {
        expect((await sdk.messages.batches.retrieve(id)).request_counts.processing).toBe(data.requestsPerMessageBatch[i]);
      }

      const record = recordOf(input, created);
      expect((await untilDone(record)).pop()).toBe('completed');
      expect(record.requestCounts).toEqual({ total: 8, completed: 7, failed: 1 });

      const results = await collect(record);
      expect(customIds(results)).toEqual(lines.map((l) => l.custom_id).sort());
      expect(results.filter((l) => l.response?.status_code !== 200).map((l) => l.custom_id)).toEqual(['req:6']);
    });

    it('splits by bytes too', async () => {
      const lines = Array.from({ length: 4 }, (_, i) => chatLine(`b${i}`, `Question ${i} ${'padding '.repeat(20)}`));
      // Room for two of these requests per create body, not three.
      const one = JSON.stringify({
        custom_id: 'b0',
        params: {
          model: 'claude-sonnet-4-5',
          max_tokens: 4096,
          messages: [{ role: 'user', content: lines[0].body.messages[1].content }],
          system: 'Be brief.',
        },
      }).length;
      process.env.FINOPS_ANTHROPIC_MAX_BYTES_PER_BATCH = String(Math.floor(2.5 * one) + 20);
      const input = createInput({ inputFile: await inputFile(lines) });
      const created = await anthropicAdapter.createBatch(ctx, input);
      expect((created.providerData as unknown as AnthropicBatchData).requestsPerMessageBatch).toEqual([2, 2]);
      const record = recordOf(input, created);
      await untilDone(record);
      expect(customIds(await collect(record))).toEqual(['b0', 'b1', 'b2', 'b3']);
    });

    it('keeps a large custom_id manifest in the files bucket instead of the record', async () => {
      process.env.FINOPS_ANTHROPIC_MAX_REQUESTS_PER_BATCH = '150';
      const requests = Array.from({ length: 400 }, (_, i) =>
        seedRequest(`inline request #${i} ${'with a long and unsafe id '.repeat(3)}`, `Q${i}`),
      );
      const input = createInput({ extras: { requests } });
      const created = await anthropicAdapter.createBatch(ctx, input);
      const data = created.providerData as unknown as AnthropicBatchData;
      expect(data.customIds).toBeUndefined();
      expect(data.customIdsBlob).toEqual({ bucket: 'files-bucket', key: `batches/${input.batchId}/anthropic-ids.json` });
      expect(JSON.stringify(created.providerData).length).toBeLessThan(2_000);
      expect(data.requestsPerMessageBatch).toEqual([150, 150, 100]);

      const record = recordOf(input, created);
      await untilDone(record);
      const lines = await collect(record);
      expect(lines).toHaveLength(400);
      expect(customIds(lines)).toEqual(requests.map((r) => r.custom_id).sort());
      expect(lines.every((l) => l.response?.status_code === 200)).toBe(true);
    });
  });

  it('cancels every Message Batch; the batch ends cancelled with each request reported once', async () => {
    const requests = Array.from({ length: 6 }, (_, i) => seedRequest(`c${i}`, `Q${i}`));
    const input = createInput({ extras: { requests } });
    const record = recordOf(input, await anthropicAdapter.createBatch(ctx, input));
    await anthropicAdapter.cancelBatch(ctx, record);
    // canceling lasts one step; a slow machine may already see the end of it.
    expect(['cancelling', 'cancelled']).toContain((await anthropicAdapter.checkBatch(ctx, record)).status);
    expect((await untilDone(record)).pop()).toBe('cancelled');
    await anthropicAdapter.cancelBatch(ctx, record); // idempotent once ended

    const lines = await collect(record);
    expect(customIds(lines)).toEqual(requests.map((r) => r.custom_id).sort());
    expect(lines.every((l) => l.error?.code === 'batch_cancelled' || l.response?.status_code === 200)).toBe(true);
    expect(lines.some((l) => l.error?.code === 'batch_cancelled')).toBe(true);
  });

  it('reports a batch whose requests all expired as expired, with batch_expired lines', async () => {
    const input = createInput({ extras: { requests: [seedRequest('e1', 'slow [simulate-expire]'), seedRequest('e2', 'x')] } });
    const record = recordOf(input, await anthropicAdapter.createBatch(ctx, input));
    expect((await untilDone(record)).pop()).toBe('expired');
    const lines = await collect(record);
    expect(lines.map((l) => [l.custom_id, l.error?.code]).sort()).toEqual([
      ['e1', 'batch_expired'],
      ['e2', 'batch_expired'],
    ]);
  });

  it('resumes a results download cut mid-body without repeating or losing lines', async () => {
    const requests = Array.from({ length: 10 }, (_, i) => seedRequest(`d${i}`, `Q${i}`));
    const input = createInput({ extras: { requests } });
    const record = recordOf(input, await anthropicAdapter.createBatch(ctx, input));
    await untilDone(record);
    sim.faults.add({ kind: 'reset', match: '/results' });
    const warn = jest.spyOn(ctx.logger, 'warn');
    const lines = await collect(record);
    // The cut really happened (and was resumed), and no line came out twice.
    expect(warn).toHaveBeenCalledWith('Anthropic results download interrupted; resuming', expect.objectContaining({ attempt: 1 }));
    expect(lines).toHaveLength(10);
    expect(customIds(lines)).toEqual(requests.map((r) => r.custom_id).sort());
  });

  it('reports requests of a Message Batch still running at collection time as expired, and a lost one as lost', async () => {
    const requests = [seedRequest('late-1', 'x'), seedRequest('late:2', 'y')];
    const input = createInput({ extras: { requests } });
    const record = recordOf(input, await anthropicAdapter.createBatch(ctx, input));
    // The tracker gave up on the batch before Anthropic finished it.
    const lines = await collect(record);
    expect(lines.map((l) => [l.custom_id, l.error?.code]).sort()).toEqual([
      ['late-1', 'batch_expired'],
      ['late:2', 'batch_expired'],
    ]);

    sim.faults.add({ kind: 'lose_batch', match: record.providerBatchId! });
    expect(await collect(record).catch((e) => e)).toBeInstanceOf(ProviderLostBatchError);
  });

  it('maps provider faults: rate limit → retry later, 5xx → unavailable, 404 → lost', async () => {
    const input = createInput({ extras: { requests: [seedRequest('f1', 'x')] } });
    const record = recordOf(input, await anthropicAdapter.createBatch(ctx, input));

    sim.faults.add({ kind: 'rate_limit', match: record.providerBatchId!, retryAfterSeconds: 9 });
    expect(await anthropicAdapter.checkBatch(ctx, record)).toEqual({ status: 'in_progress', retryAfterSeconds: 9 });

    sim.faults.add({ kind: 'server_error', match: record.providerBatchId! });
    expect(await anthropicAdapter.checkBatch(ctx, record).catch((e) => e)).toBeInstanceOf(ProviderUnavailableError);

    sim.faults.add({ kind: 'lose_batch', match: record.providerBatchId! });
    expect(await anthropicAdapter.checkBatch(ctx, record).catch((e) => e)).toBeInstanceOf(ProviderLostBatchError);

    sim.faults.add({ kind: 'server_error', match: 'POST /v1/messages/batches' });
    const failed = await anthropicAdapter.createBatch(ctx, createInput({ extras: { requests: [seedRequest('g1', 'x')] } })).catch((e) => e);
    expect(failed).toBeInstanceOf(ProviderUnavailableError);
    expect(failed.status).toBe(500);
  });

  it('treats a provider that never answers as unavailable', async () => {
    process.env.FINOPS_ANTHROPIC_TIMEOUT_MS = '200';
    try {
      sim.faults.add({ kind: 'timeout', match: 'POST /v1/messages/batches' });
      const err = await anthropicAdapter.createBatch(ctx, createInput({ extras: { requests: [seedRequest('t1', 'x')] } })).catch((e) => e);
      expect(err).toBeInstanceOf(ProviderUnavailableError);
    } finally {
      delete process.env.FINOPS_ANTHROPIC_TIMEOUT_MS;
    }
  });

  it('cancels the Message Batches already created when a later part of a split is refused', async () => {
    // A provider that takes small create bodies only: the first (small) part is accepted, the second refused.
    const strict = await startAnthropicSimulator({ stepMs: 10_000, maxBytesPerBatch: 2_000 });
    process.env.FINOPS_ANTHROPIC_MAX_REQUESTS_PER_BATCH = '1';
    try {
      ctx.credentials = async () => ({ baseUrl: strict.url, apiKey: strict.apiKey });
      const input = createInput({ extras: { requests: [seedRequest('small', 'x'), seedRequest('big', 'y'.repeat(3_000))] } });
      const err = await anthropicAdapter.createBatch(ctx, input).catch((e) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect(err.status).toBe(413);
      expect(err.message).toMatch(/^Anthropic rejected the batch: Request exceeds/);

      const strictSdk = new Anthropic({ baseURL: strict.url, apiKey: strict.apiKey, maxRetries: 0 });
      const page = await strictSdk.messages.batches.list();
      expect(page.data).toHaveLength(1);
      expect(page.data[0]).toMatchObject({ processing_status: 'canceling', request_counts: { processing: 1 } });
    } finally {
      delete process.env.FINOPS_ANTHROPIC_MAX_REQUESTS_PER_BATCH;
      await strict.close();
    }
  });
});
