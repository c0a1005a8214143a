// Durable batch lifecycle (issue 12), through the official OpenAI SDK against the local gateway:
// batches.create records `validating` and answers at once; the tracker prepares and submits; nothing a
// provider does for a while (429 storms, hangs, a lost answer, a full queue or quota) ends a batch or
// loses a line; deleting the input mid-batch is safe; an Idempotency-Key reused with another body is a
// 422. Provider rules are switched on per test through the simulators' FINOPS_SIM_* knobs.
import OpenAI from 'openai';
import type { FaultRule } from '#local/simulators/simulator';
import { adapterFor, registerAdapter } from '#lambda/providers/registry';
import type { ProviderAdapter } from '#lambda/providers/provider';
import type { ProviderName } from '#contracts/records';
import { getServices } from '#lambda/runtime';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';

const GPT = 'gpt-4o-mini';
const CLAUDE = 'claude-3-5-haiku-20241022';
const BEDROCK_MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const GEMINI = 'gemini-2.0-flash';
const REQUEST_TIMEOUT_MS = 1_500;

let t: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  t = await startTestGateway({
    env: {
      FINOPS_PROVIDER_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      FINOPS_OPENAI_TIMEOUT_MS: '1500',
      FINOPS_ANTHROPIC_TIMEOUT_MS: '1500',
      FINOPS_BEDROCK_MIN_RECORDS: '5',
    },
  });
  client = t.client();
});
afterAll(async () => {
  await t?.close();
});

const restores: Array<() => void> = [];
afterEach(() => {
  for (const p of t.gateway.providers) p.simulator?.faults.clear();
  for (const restore of restores.splice(0)) restore();
});

/** Sets environment variables (simulator rules, caps) for one test. */
function withEnv(vars: Record<string, string>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  restores.push(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

function simulator(provider: ProviderName) {
  const info = t.gateway.providers.find((p) => p.provider === provider);
  if (!info?.simulator) throw new Error(`no ${provider} simulator`);
  return info.simulator;
}
const fault = (provider: ProviderName, rule: FaultRule) => simulator(provider).faults.add(rule);

/** Outcomes ('ok' or the error's name) of the adapter's createBatch calls, per gateway batch. */
function spyCreates(provider: ProviderName): Map<string, string[]> {
  const real = adapterFor(provider);
  const outcomes = new Map<string, string[]>();
  const note = (id: string, outcome: string) => outcomes.set(id, [...(outcomes.get(id) ?? []), outcome]);
  const wrapped: ProviderAdapter = {
    ...real,
    createBatch: async (ctx, input) => {
      try {
        const created = await real.createBatch(ctx, input);
        note(input.batchId, 'ok');
        return created;
      } catch (err) {
        note(input.batchId, (err as Error).name);
        throw err;
      }
    },
  };
  registerAdapter(wrapped);
  restores.push(() => registerAdapter(real));
  return outcomes;
}

const lines = (prefix: string, model: string, n: number) =>
  Array.from({ length: n }, (_, i) => chatLine(`${prefix}-${i}`, model, `question ${i}`));
const customIdsOf = (input: string[]) => input.map((l) => JSON.parse(l).custom_id as string);

async function createBatch(provider: ProviderName, input: string[], extra: Record<string, unknown> = {}) {
  const file = await upload(client, jsonl(input), { provider });
  return client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    provider,
    ...extra,
  } as never);
}

async function expectEveryRequestOnce(batch: OpenAI.Batch, expected: string[]) {
  const output = await readJsonl(client, batch.output_file_id);
  const errors = await readJsonl(client, batch.error_file_id);
  const all = [...output, ...errors].map((l) => l.custom_id);
  expect(all.length).toBe(expected.length);
  expect([...all].sort()).toEqual([...expected].sort());
  expect(batch.request_counts).toEqual({ total: expected.length, completed: output.length, failed: errors.length });
  return { output, errors };
}

async function simulatorBatches(
  provider: 'openai' | 'anthropic',
): Promise<Array<{ id: string; status?: string; metadata?: Record<string, string> }>> {
  const sim = simulator(provider);
  const res =
    provider === 'openai'
      ? await fetch(`${sim.url}/batches?limit=100`, { headers: { authorization: `Bearer ${sim.apiKey}` } })
      : await fetch(`${sim.url}/v1/messages/batches?limit=100`, {
          headers: { 'x-api-key': sim.apiKey, 'anthropic-version': '2023-06-01' },
        });
  return ((await res.json()) as { data: Array<{ id: string }> }).data;
}

describe('batches.create records first and answers at once', () => {
  test('it answers `validating` with no provider batch yet; the workflow submits it and it completes', async () => {
    const input = lines('rec', GPT, 3);
    const before = (await simulatorBatches('openai')).length;
    const batch = await createBatch('openai', input);
    expect(batch.status).toBe('validating');
    expect(batch.request_counts).toEqual({ total: 3, completed: 0, failed: 0 });
    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('completed');
    expect((await simulatorBatches('openai')).length).toBe(before + 1);
    await expectEveryRequestOnce(done, customIdsOf(input));
    // The execution ran the new states, in order.
    expect((await t.gateway.stepFunctions.waitFor(batch.id))?.status).toBe('SUCCEEDED');
  });

  test('Idempotency-Key: the same body returns the same batch; another body is a 422 idempotency_key_reused and changes nothing', async () => {
    const a = await upload(client, jsonl(lines('idem-a', GPT, 2)), { provider: 'openai' });
    const b = await upload(client, jsonl(lines('idem-b', GPT, 2)), { provider: 'openai' });
    const key = `idem-${Date.now()}`;
    const params = {
      input_file_id: a.id,
      endpoint: '/v1/chat/completions' as const,
      completion_window: '24h' as const,
      metadata: { run: '1' },
    };
    const first = await client.batches.create(params, { headers: { 'Idempotency-Key': key } });
    const again = await client.batches.create({ ...params, metadata: { run: '1' } }, { headers: { 'Idempotency-Key': key } });
    expect(again.id).toBe(first.id);

    const listed = async () => (await client.batches.list({ limit: 100 })).data.length;
    const count = await listed();
    for (const other of [
      { ...params, input_file_id: b.id },
      { ...params, metadata: { run: '2' } },
    ]) {
      const err = await client.batches.create(other, { headers: { 'Idempotency-Key': key } }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err.status).toBe(422);
      expect(err.error).toEqual({
        message: expect.stringMatching(/Idempotency-Key was already used .* different parameters/),
        type: 'invalid_request_error',
        param: 'Idempotency-Key',
        code: 'idempotency_key_reused',
      });
    }
    expect(await listed()).toBe(count);
    expect((await pollUntilDone(client, first.id)).batch.input_file_id).toBe(a.id);
  });
});

describe('transient is never terminal', () => {
  // The storm: every status check answered 429 (Retry-After: 1) for 45 s.
  const STORM_SECONDS = 45;
  test(`a ${STORM_SECONDS} s throttling storm during polling: an OpenAI and an Anthropic batch both complete, every line once`, async () => {
    const openaiInput = lines('storm-o', GPT, 5);
    const anthropicInput = lines('storm-a', CLAUDE, 5);
    // Every status check is throttled from before the batches exist: with 60 ms simulator steps a batch
    // can finish at the provider within a poll or two, so a storm started after submission may miss it.
    // The creates (POST) are not throttled, so both are submitted; then every poll meets the storm.
    const startedAt = Date.now();
    fault('openai', { kind: 'rate_limit', match: 'GET /v1/batches/', forSeconds: STORM_SECONDS, retryAfterSeconds: 1 });
    fault('anthropic', { kind: 'rate_limit', match: 'GET /v1/messages/batches/', forSeconds: STORM_SECONDS, retryAfterSeconds: 1 });
    const [o, a] = await Promise.all([createBatch('openai', openaiInput), createBatch('anthropic', anthropicInput)]);
    // Submitted means the provider batch id is recorded; the status moves on only at the first
    // status check that gets through, after the storm.
    for (const id of [o.id, a.id])
      await until(async () => typeof (await getServices().metadata.getBatchById(id))?.providerBatchId === 'string');

    await new Promise((r) => setTimeout(r, 3_000));
    for (const id of [o.id, a.id])
      expect(['validating', 'in_progress', 'finalizing']).toContain((await client.batches.retrieve(id)).status);

    const [doneO, doneA] = await Promise.all([pollUntilDone(client, o.id, {}, 120_000), pollUntilDone(client, a.id, {}, 120_000)]);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(STORM_SECONDS * 1000 - 1_000); // nobody saw "done" through the storm
    expect(doneO.batch.status).toBe('completed');
    expect(doneA.batch.status).toBe('completed');
    await expectEveryRequestOnce(doneO.batch, customIdsOf(openaiInput));
    await expectEveryRequestOnce(doneA.batch, customIdsOf(anthropicInput));
  }, 180_000);

  test('accept-then-hang on the provider create (openai): the answer is lost, the retried submit finds that batch, no second one', async () => {
    const creates = spyCreates('openai');
    fault('openai', { kind: 'accept_then_hang', match: 'POST /v1/batches', times: 1 });
    const input = lines('ath', GPT, 3);
    const batch = await createBatch('openai', input);
    const { batch: done } = await pollUntilDone(client, batch.id, {}, 60_000);
    expect(done.status).toBe('completed');
    expect(creates.get(batch.id)).toEqual(['ProviderUnavailable', 'ok']);
    const mine = (await simulatorBatches('openai')).filter((b) => b.metadata?.finops_batch_id === batch.id);
    expect(mine).toHaveLength(1);
    await expectEveryRequestOnce(done, customIdsOf(input));
  }, 90_000);

  test(`a hanging provider on files.create (openai): a retryable 503 with Retry-After after ~${REQUEST_TIMEOUT_MS} ms, well before 29 s`, async () => {
    fault('openai', { kind: 'hang', match: 'POST /v1/files', hangSeconds: 20, times: 1 });
    const started = Date.now();
    const err = await upload(client, jsonl(lines('hang', GPT, 2)), { provider: 'openai' }).catch((e) => e);
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(503);
    expect(Number(err.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(err.error).toMatchObject({ type: 'server_error', code: 'provider_unavailable', message: expect.stringMatching(/retry/i) });
    expect(took).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(took).toBeLessThan(15_000);
    // The retry goes through.
    expect((await upload(client, jsonl(lines('hang', GPT, 2)), { provider: 'openai' })).status).toBe('processed');
  }, 60_000);
});

describe('a full provider is a queue', () => {
  test('OpenAI fails a batch for its enqueued-token limit (token_limit_exceeded): the gateway submits it again when room frees, and it completes', async () => {
    const one = lines('tok-1', GPT, 20);
    const two = lines('tok-2', GPT, 20);
    // About 480 tokens each (4 characters a token): room for one of the two at a time.
    withEnv({ FINOPS_SIM_OPENAI_ENQUEUED_TOKEN_LIMIT: '700' });
    const [x, y] = await Promise.all([createBatch('openai', one), createBatch('openai', two)]);
    const [dx, dy] = await Promise.all([pollUntilDone(client, x.id, {}, 60_000), pollUntilDone(client, y.id, {}, 60_000)]);
    expect([dx.batch.status, dy.batch.status]).toEqual(['completed', 'completed']);
    await expectEveryRequestOnce(dx.batch, customIdsOf(one));
    await expectEveryRequestOnce(dy.batch, customIdsOf(two));
    const attempts = (await simulatorBatches('openai'))
      .filter((b) => [x.id, y.id].includes(b.metadata?.finops_batch_id ?? ''))
      .map((b) => b.status);
    expect(attempts.filter((s) => s === 'failed').length).toBeGreaterThanOrEqual(1); // sent back for the full queue…
    expect(attempts.filter((s) => s === 'completed')).toHaveLength(2); // …then both ran, once each
    expect([dx.batch.errors, dy.batch.errors]).toEqual([null, null]);
  }, 90_000);

  test('Anthropic answers 429 while its batch queue is full: the second batch waits in validating, then completes', async () => {
    // Each Message Batch holds its 4 requests in the queue for 2 s; the queue takes 4.
    withEnv({ FINOPS_SIM_ANTHROPIC_MAX_QUEUED_REQUESTS: '4', FINOPS_SIM_ANTHROPIC_BATCH_MS: '2000' });
    const creates = spyCreates('anthropic');
    const a = lines('aq-1', CLAUDE, 4);
    const b = lines('aq-2', CLAUDE, 4);
    const x = await createBatch('anthropic', a);
    await until(async () => (await client.batches.retrieve(x.id)).status !== 'validating');
    const y = await createBatch('anthropic', b);
    await until(async () => (creates.get(y.id) ?? []).includes('ProviderUnavailable'));
    expect((await client.batches.retrieve(y.id)).status).toBe('validating');
    const [dx, dy] = await Promise.all([pollUntilDone(client, x.id, {}, 60_000), pollUntilDone(client, y.id, {}, 60_000)]);
    expect([dx.batch.status, dy.batch.status]).toEqual(['completed', 'completed']);
    expect(creates.get(y.id)?.at(-1)).toBe('ok');
    await expectEveryRequestOnce(dx.batch, customIdsOf(a));
    await expectEveryRequestOnce(dy.batch, customIdsOf(b));
  }, 90_000);

  test('Bedrock refuses a job over its per-model quota (ServiceQuotaExceededException): the batch is queued, then completes', async () => {
    withEnv({ FINOPS_SIM_BEDROCK_MAX_JOBS_PER_MODEL: '1' });
    const creates = spyCreates('bedrock');
    const a = lines('bq-1', BEDROCK_MODEL, 6);
    const b = lines('bq-2', BEDROCK_MODEL, 6);
    const [x, y] = await Promise.all([
      createBatch('bedrock', a, { model: BEDROCK_MODEL }),
      createBatch('bedrock', b, { model: BEDROCK_MODEL }),
    ]);
    const [dx, dy] = await Promise.all([pollUntilDone(client, x.id, {}, 60_000), pollUntilDone(client, y.id, {}, 60_000)]);
    expect([dx.batch.status, dy.batch.status]).toEqual(['completed', 'completed']);
    expect(dx.batch.metadata).toMatchObject({ run_mode: 'batch_job' });
    expect([...(creates.get(x.id) ?? []), ...(creates.get(y.id) ?? [])]).toContain('ProviderUnavailable');
    await expectEveryRequestOnce(dx.batch, customIdsOf(a));
    await expectEveryRequestOnce(dy.batch, customIdsOf(b));
  }, 90_000);

  test('the stack in-flight cap (per Bedrock model) holds the second batch back before Bedrock has to refuse it', async () => {
    withEnv({ FINOPS_SIM_BEDROCK_MAX_JOBS_PER_MODEL: '1', FINOPS_MAX_IN_FLIGHT_PER_MODEL_BEDROCK: '1' });
    const creates = spyCreates('bedrock');
    const a = lines('cap-1', BEDROCK_MODEL, 6);
    const b = lines('cap-2', BEDROCK_MODEL, 6);
    const [x, y] = await Promise.all([
      createBatch('bedrock', a, { model: BEDROCK_MODEL }),
      createBatch('bedrock', b, { model: BEDROCK_MODEL }),
    ]);
    const [dx, dy] = await Promise.all([pollUntilDone(client, x.id, {}, 60_000), pollUntilDone(client, y.id, {}, 60_000)]);
    expect([dx.batch.status, dy.batch.status]).toEqual(['completed', 'completed']);
    // Each submitted once, never refused: the cap, not Bedrock, kept the second waiting.
    expect([creates.get(x.id), creates.get(y.id)]).toEqual([['ok'], ['ok']]);
    await expectEveryRequestOnce(dy.batch, customIdsOf(b));
  }, 90_000);

  test('a Bedrock job reaching Expired: the batch is expired, keeping what finished, every record once', async () => {
    withEnv({ FINOPS_SIM_BEDROCK_JOB_EXPIRES_MS: '250' });
    const input = lines('bexp', BEDROCK_MODEL, 9);
    const batch = await createBatch('bedrock', input, { model: BEDROCK_MODEL });
    const { batch: done } = await pollUntilDone(client, batch.id, {}, 60_000);
    expect(done.status).toBe('expired');
    const { output, errors } = await expectEveryRequestOnce(done, customIdsOf(input));
    expect(output.length).toBeGreaterThan(0);
    expect(errors.length).toBeGreaterThan(0);
    for (const line of errors) expect(line.error?.code).toBe('batch_expired');
  }, 90_000);

  test('Gemini: a file still PROCESSING and a RESOURCE_EXHAUSTED quota both just delay the submit', async () => {
    withEnv({ FINOPS_SIM_GEMINI_FILE_PROCESSING_MS: '1500', FINOPS_SIM_GEMINI_MAX_ACTIVE_BATCHES: '1' });
    const creates = spyCreates('gemini');
    const a = lines('gq-1', GEMINI, 3);
    const b = lines('gq-2', GEMINI, 3);
    const [x, y] = await Promise.all([createBatch('gemini', a, { model: GEMINI }), createBatch('gemini', b, { model: GEMINI })]);
    const [dx, dy] = await Promise.all([pollUntilDone(client, x.id, {}, 60_000), pollUntilDone(client, y.id, {}, 60_000)]);
    expect([dx.batch.status, dy.batch.status]).toEqual(['completed', 'completed']);
    expect(creates.get(x.id)?.[0]).toBe('ProviderUnavailable'); // the file was still PROCESSING
    expect(creates.get(x.id)?.at(-1)).toBe('ok');
    await expectEveryRequestOnce(dx.batch, customIdsOf(a));
    await expectEveryRequestOnce(dy.batch, customIdsOf(b));
  }, 90_000);
});

describe('a batch keeps what it needs', () => {
  test('deleting the input file mid-batch: hidden at once, every line still answered once, the provider copy removed when the batch ends', async () => {
    const sim = simulator('openai');
    const simFiles = async () => {
      const res = await fetch(`${sim.url}/files?limit=10000`, { headers: { authorization: `Bearer ${sim.apiKey}` } });
      return ((await res.json()) as { data: Array<{ id: string }> }).data.map((f) => f.id);
    };
    const input = lines('del', GPT, 6);
    const before = new Set(await simFiles());
    const file = await upload(client, jsonl(input), { provider: 'openai' });
    const providerCopy = (await simFiles()).filter((id) => !before.has(id));
    expect(providerCopy).toHaveLength(1);
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect(await client.files.delete(file.id)).toMatchObject({ id: file.id, deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    expect((await client.files.list({ limit: 100 })).data.map((f) => f.id)).not.toContain(file.id);
    // The provider may still be reading its copy while the batch runs.
    expect(await simFiles()).toContain(providerCopy[0]);

    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('completed');
    expect(done.output_file_id).not.toBeNull();
    await expectEveryRequestOnce(done, customIdsOf(input));
    // Gone everywhere once nothing uses it: the provider's copy too.
    await until(async () => !(await simFiles()).includes(providerCopy[0]));
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
  });
});

async function until(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
