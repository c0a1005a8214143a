// Mixed-model files (issue 15 item 4) through the official OpenAI SDK: on providers that run one model
// per job (Bedrock, Gemini, OpenAI) the gateway runs one provider job per model under the one OpenAI
// batch, with one output and one error file, combined request_counts and a per-model cost breakdown;
// cancel cancels every job. Anthropic Message Batches take mixed models, so it stays one job.
import OpenAI from 'openai';
import { adapterFor, registerAdapter } from '#lambda/providers/registry';
import { ProviderUnavailableError } from '#lambda/providers/errors';
import type { ProviderAdapter } from '#lambda/providers/provider';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';

let t: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  // A Bedrock job from 3 records (the simulator enforces the same minimum), so each model of a small file gets a real job.
  t = await startTestGateway({ simulatorStepMs: 150, env: { FINOPS_BEDROCK_MIN_RECORDS: '3' } });
  client = t.client();
});
afterAll(async () => t?.close());

const sim = (provider: string) => t.gateway.providers.find((p) => p.provider === provider)!;

async function bedrockJobs(): Promise<Array<{ modelId?: string; status?: string; jobName?: string }>> {
  const { BedrockClient, ListModelInvocationJobsCommand } = await import('@aws-sdk/client-bedrock');
  const bedrock = new BedrockClient({
    region: 'us-east-1',
    endpoint: sim('bedrock').url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  return (await bedrock.send(new ListModelInvocationJobsCommand({ maxResults: 1000 }))).invocationJobSummaries ?? [];
}

async function geminiBatches(): Promise<Array<{ metadata?: { model?: string; displayName?: string; state?: string } }>> {
  const s = sim('gemini');
  const res = (await (
    await fetch(`${s.url}/v1beta/batches?pageSize=100`, { headers: { 'x-goog-api-key': s.simulator!.apiKey } })
  ).json()) as { operations?: Array<{ metadata?: { model?: string; displayName?: string; state?: string } }> };
  return res.operations ?? [];
}

async function openaiBatches(): Promise<Array<{ metadata?: Record<string, string>; input_file_id: string; status: string }>> {
  const s = sim('openai');
  const res = (await (
    await fetch(`${s.url}/batches?limit=100`, { headers: { authorization: `Bearer ${s.simulator!.apiKey}` } })
  ).json()) as { data: Array<{ metadata?: Record<string, string>; input_file_id: string; status: string }> };
  return res.data;
}

/** Two models, lines interleaved; one line of the first model fails at the provider when `failOne`. */
function mixedFile(prefix: string, [a, b]: [string, string], counts: [number, number]): { content: string; ids: string[] } {
  const lines: string[] = [];
  for (let i = 0; i < Math.max(...counts); i++) {
    if (i < counts[0]) lines.push(chatLine(`${prefix}-a${i}`, a, `question ${i} for the first model`));
    if (i < counts[1]) lines.push(chatLine(`${prefix}-b${i}`, b, `question ${i} for the second model`));
  }
  return { content: jsonl(lines), ids: lines.map((l) => JSON.parse(l).custom_id as string) };
}

async function runToEnd(provider: string, models: [string, string], counts: [number, number]) {
  const { content, ids } = mixedFile(provider, models, counts);
  const file = await upload(client, content, { provider });
  // No model: each line runs on the model it names.
  const created = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    provider,
  } as never);
  expect(created.model).toBe(models.join(', '));
  const { batch } = await pollUntilDone(client, created.id, { provider }, 60_000);
  const output = await readJsonl(client, batch.output_file_id, { provider });
  const errors = await readJsonl(client, batch.error_file_id, { provider });
  return { batch, output, errors, ids };
}

function expectEveryLineOnce(lines: Array<{ custom_id: string }>, ids: string[]): void {
  const seen = lines.map((l) => l.custom_id);
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen.sort()).toEqual([...ids].sort());
}

type Finops = {
  cost_usd: number;
  savings_usd: number;
  by_model?: Record<string, { requests?: number; cost_usd: number; on_demand_cost_usd: number; savings_usd: number; input_tokens: number }>;
};

/** The per-model shares add up to the batch's cost; each model has its own requests, tokens and cost. */
function expectShares(batch: OpenAI.Batch, counts: Record<string, number>): void {
  const finops = (batch as unknown as { finops: Finops }).finops;
  expect(finops).not.toBeNull();
  expect(Object.keys(finops.by_model ?? {}).sort()).toEqual(Object.keys(counts).sort());
  let sum = 0;
  for (const [model, requests] of Object.entries(counts)) {
    const share = finops.by_model![model];
    expect(share.requests).toBe(requests);
    expect(share.input_tokens).toBeGreaterThan(0);
    expect(share.cost_usd).toBeGreaterThan(0);
    expect(share.savings_usd).toBeCloseTo(share.on_demand_cost_usd - share.cost_usd, 6);
    sum += share.cost_usd;
  }
  expect(sum).toBeCloseTo(finops.cost_usd, 6);
}

describe('mixed-model files', () => {
  test('Bedrock: two models → two Bedrock jobs (one modelId each), one OpenAI batch, every line once, combined counts, per-model finops', async () => {
    const models: [string, string] = ['amazon.nova-lite-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0'];
    const { batch, output, errors, ids } = await runToEnd('bedrock', models, [4, 3]);
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 7, completed: 7, failed: 0 });
    expect(errors).toEqual([]);
    expectEveryLineOnce(output, ids);
    // Each answer came from the model its line named.
    for (const line of output)
      expect((line.response!.body as OpenAI.ChatCompletion).model).toBe(line.custom_id.includes('-a') ? models[0] : models[1]);
    // The job names derive from the batch id and the job's place: a retried submit gets the same job.
    const made = (await bedrockJobs()).filter((j) => j.jobName?.startsWith(`gw-${batch.id.replace(/_/g, '-')}-m`));
    expect(made.map((j) => j.modelId).sort()).toEqual([...models].sort());
    expectShares(batch, { [models[0]]: 4, [models[1]]: 3 });
  }, 90_000);

  test('Gemini: two models → two Gemini batches, one OpenAI batch, every line once, per-model finops', async () => {
    const models: [string, string] = ['gemini-2.5-flash', 'gemini-2.5-flash-lite'];
    const { batch, output, errors, ids } = await runToEnd('gemini', models, [3, 2]);
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 5, completed: 5, failed: 0 });
    expect(errors).toEqual([]);
    expectEveryLineOnce(output, ids);
    // Each Gemini batch is named after the OpenAI batch and its job, so a retried submit finds it instead of making another.
    const made = (await geminiBatches()).filter((b) => b.metadata?.displayName?.startsWith(`${batch.id}-m`));
    expect(made.map((b) => b.metadata?.displayName).sort()).toEqual([`${batch.id}-m1`, `${batch.id}-m2`]);
    expect(made.map((b) => b.metadata?.model).sort()).toEqual(models.map((m) => `models/${m}`).sort());
    expectShares(batch, { [models[0]]: 3, [models[1]]: 2 });
  }, 90_000);

  test('OpenAI (one model per input file): two OpenAI batches with a file each, one gateway batch', async () => {
    const models: [string, string] = ['gpt-4o-mini', 'gpt-4o'];
    const { batch, output, errors, ids } = await runToEnd('openai', models, [2, 3]);
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 5, completed: 5, failed: 0 });
    expect(errors).toEqual([]);
    expectEveryLineOnce(output, ids);
    const made = (await openaiBatches()).filter((b) => b.metadata?.finops_batch_id?.startsWith(`${batch.id}-m`));
    expect(made).toHaveLength(2);
    expect(new Set(made.map((b) => b.input_file_id)).size).toBe(2);
    expect(made.map((b) => b.metadata?.finops_batch_id).sort()).toEqual([`${batch.id}-m1`, `${batch.id}-m2`]);
    expectShares(batch, { [models[0]]: 2, [models[1]]: 3 });
  }, 90_000);

  test('Anthropic takes mixed models in one Message Batch', async () => {
    const models: [string, string] = ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001'];
    const { batch, output, ids } = await runToEnd('anthropic', models, [2, 2]);
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 4, completed: 4, failed: 0 });
    expectEveryLineOnce(output, ids);
    const s = sim('anthropic');
    const list = (await (
      await fetch(`${s.url}/v1/messages/batches?limit=100`, {
        headers: { 'x-api-key': s.simulator!.apiKey, 'anthropic-version': '2023-06-01' },
      })
    ).json()) as { data: Array<{ request_counts: { succeeded: number } }> };
    expect(list.data.filter((b) => b.request_counts.succeeded === 4)).toHaveLength(1);
  }, 60_000);

  test('a model whose lines cannot run is refused alone: the other job runs, the refused lines come back once with the refusal and the input line', async () => {
    const models: [string, string] = ['amazon.nova-lite-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0'];
    // Line 6 of the file (the third Claude line) asks for n = 2, which Claude cannot do.
    const lines = [
      chatLine('p-a0', models[0], 'q'),
      chatLine('p-b0', models[1], 'q'),
      chatLine('p-a1', models[0], 'q'),
      chatLine('p-b1', models[1], 'q'),
      chatLine('p-a2', models[0], 'q'),
      chatLine('p-b2', models[1], 'q', { n: 2 }),
    ];
    const file = await upload(client, jsonl(lines), { provider: 'bedrock' });
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'bedrock',
    } as never);
    const { batch } = await pollUntilDone(client, created.id, { provider: 'bedrock' }, 60_000);
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 6, completed: 3, failed: 3 });
    expect(batch.errors?.data).toEqual([
      expect.objectContaining({ line: 6, message: expect.stringMatching(new RegExp(`^${models[1].replace(/[.:]/g, '\\$&')}: Line 6\\b`)) }),
    ]);
    const output = await readJsonl(client, batch.output_file_id);
    const errors = await readJsonl(client, batch.error_file_id);
    expect(output.map((l) => l.custom_id).sort()).toEqual(['p-a0', 'p-a1', 'p-a2']);
    expect(errors.map((l) => l.custom_id).sort()).toEqual(['p-b0', 'p-b1', 'p-b2']);
    for (const e of errors) expect(e.error).toEqual({ code: 'batch_failed', message: batch.errors!.data![0].message });
  }, 90_000);

  test('a submit cut off after the provider made a job, or throttled, never makes a second job for the same model', async () => {
    const real = adapterFor('bedrock');
    const creates: string[] = [];
    let lostAnswer = false;
    let throttled = false;
    const flaky: ProviderAdapter = {
      ...real,
      async createBatch(ctx, input) {
        creates.push(input.batchId);
        // The first job: Bedrock is throttled once (the step waits, then comes back to this job).
        if (input.batchId.endsWith('-m1') && !throttled) {
          throttled = true;
          throw new ProviderUnavailableError('ThrottlingException: Too many requests', 1);
        }
        const created = await real.createBatch(ctx, input);
        // The second job: Bedrock made it, but the function times out before recording it (the state machine retries the step).
        if (input.batchId.endsWith('-m2') && !lostAnswer) {
          lostAnswer = true;
          throw Object.assign(new Error('Task timed out after CreateModelInvocationJob answered'), { name: 'States.Timeout' });
        }
        return created;
      },
    };
    registerAdapter(flaky);
    try {
      const models: [string, string] = ['amazon.nova-lite-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0'];
      const { batch, output, ids } = await runToEnd('bedrock', models, [3, 4]);
      expect(batch.status).toBe('completed');
      expectEveryLineOnce(output, ids);
      // m1: throttled, then made; m2: made, answer lost, asked again with the same token; once recorded, never asked again.
      expect(creates.filter((k) => k.endsWith('-m1'))).toHaveLength(2);
      expect(creates.filter((k) => k.endsWith('-m2'))).toHaveLength(2);
      const made = (await bedrockJobs()).filter((j) => j.jobName?.startsWith(`gw-${batch.id.replace(/_/g, '-')}-m`));
      expect(made.map((j) => j.modelId).sort()).toEqual([...models].sort());
    } finally {
      registerAdapter(real);
    }
  }, 90_000);

  test('batches.create on a mixed file refuses a model (each line names its own) and more models than a batch may mix', async () => {
    const { content } = mixedFile('refuse', ['amazon.nova-lite-v1:0', 'amazon.nova-micro-v1:0'], [1, 1]);
    const file = await upload(client, content, { provider: 'bedrock' });
    const err = await client.batches
      .create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        provider: 'bedrock',
        model: 'amazon.nova-lite-v1:0',
      } as never)
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.code).toBe('model_mismatch');
    expect(err.param).toBe('model');
    expect(err.message).toMatch(/Leave out model/);

    const many = jsonl(Array.from({ length: 11 }, (_, i) => chatLine(`m${i}`, `gemini-2.${i}-flash`, 'x')));
    const manyFile = await upload(client, many, { provider: 'gemini' });
    const tooMany = await client.batches
      .create({ input_file_id: manyFile.id, endpoint: '/v1/chat/completions', completion_window: '24h', provider: 'gemini' } as never)
      .catch((e) => e);
    expect(tooMany).toBeInstanceOf(OpenAI.BadRequestError);
    expect(tooMany.code).toBe('too_many_models');
  }, 30_000);
});
