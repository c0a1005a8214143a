// The bill before you pay, end to end with the official OpenAI SDK: POST /finops/estimate (and
// batches.create with dry_run) on every provider, checked against what the same batch then costs.
import OpenAI from 'openai';
import { hashKey } from '#lambda/auth/keys';
import { getServices } from '#lambda/runtime';
import type { ProviderName } from '#contracts/records';
import type { FinOpsEstimate } from '#lambda/finops/batch-estimate';
import { rejectionOf } from '#test/support/errors';
import { chatLine, jsonl, pollUntilDone, startTestGateway, TEST_KEYS, upload, type TestGateway } from './helpers';

const MODEL: Record<ProviderName, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-5',
  bedrock: 'us.amazon.nova-lite-v1:0',
  gemini: 'gemini-2.5-flash',
  groq: 'llama-3.1-8b-instant',
  together: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  azure: 'gpt-4o-mini',
  vertex: 'gemini-2.5-flash',
};
const PROVIDERS = Object.keys(MODEL) as ProviderName[];

/** Lines of different lengths and languages, so that tokens are not simply bytes / 4. */
const LINES = (model: string) => [
  chatLine('short', model, 'Hi!'),
  chatLine('prose', model, 'Summarise the causes of the French Revolution in three sentences, for a ten-year-old reader.', {
    max_tokens: 300,
  }),
  JSON.stringify({
    custom_id: 'multi',
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model,
      max_tokens: 50,
      messages: [
        { role: 'system', content: 'You translate into Japanese.' },
        { role: 'user', content: 'Good morning, dear friend — 今日はいい天気ですね。' },
      ],
    },
  }),
];

let t: TestGateway;
let client: OpenAI;
const estimate = (body: Record<string, unknown>, sdk = client) => sdk.post<FinOpsEstimate>('/finops/estimate', { body });
const openaiSimulatorBatchCount = async () => {
  const sim = t.gateway.providers.find((p) => p.provider === 'openai')!;
  const res = await fetch(`${sim.url}/batches?limit=100`, { headers: { authorization: `Bearer ${sim.simulator!.apiKey}` } });
  return ((await res.json()) as { data: unknown[] }).data.length;
};
const finopsOf = (batch: OpenAI.Batch) =>
  (batch as unknown as { finops: { cost_usd: number; on_demand_cost_usd: number; savings_usd: number; price_version: string } }).finops;

beforeAll(async () => {
  // 2 lets a 3-line Bedrock batch run as a job (batch prices); the simulator reads the same variable.
  t = await startTestGateway({ env: { FINOPS_BEDROCK_MIN_RECORDS: '2' } });
  client = t.client();
});
afterAll(() => t?.close());

describe.each(PROVIDERS)('estimate on %s', (provider) => {
  test('the real cost of the same batch lies within the stated range', async () => {
    const file = await upload(client, jsonl(LINES(MODEL[provider])), { provider });
    const est = await estimate({ input_file_id: file.id, provider });
    expect(est).toMatchObject({
      object: 'finops.estimate',
      provider,
      model: MODEL[provider],
      requests: 3,
      max_output_tokens: 100 + 300 + 50,
      run_mode: 'batch',
      budget_remaining_usd: null,
    });
    expect(est.token_count_method).toBe(provider === 'openai' ? 'tokenizer:o200k_base' : 'approximation:utf8_bytes_div_4');
    expect(est.cost_usd.low).toBeGreaterThan(0);
    expect(est.cost_usd.high).toBeGreaterThan(est.cost_usd.low);
    // Batch prices are half the on-demand ones for every provider in the table.
    expect(est.savings_usd.high).toBeCloseTo(est.on_demand_cost_usd.high - est.cost_usd.high, 9);
    expect(est.savings_usd.high).toBeGreaterThan(0);

    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider,
    } as never);
    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('completed');
    const real = finopsOf(done);
    expect(real.price_version).toBe(est.price_version);
    expect(real.cost_usd).toBeGreaterThanOrEqual(est.cost_usd.low);
    expect(real.cost_usd).toBeLessThanOrEqual(est.cost_usd.high);
    expect(real.on_demand_cost_usd).toBeGreaterThanOrEqual(est.on_demand_cost_usd.low);
    expect(real.on_demand_cost_usd).toBeLessThanOrEqual(est.on_demand_cost_usd.high);
    expect(done.usage!.output_tokens).toBeLessThanOrEqual(est.max_output_tokens);
    expect(done.usage!.input_tokens).toBeGreaterThanOrEqual(est.input_tokens_range.low);
    expect(done.usage!.input_tokens).toBeLessThanOrEqual(est.input_tokens_range.high);
    // OpenAI's own encoding counts exactly what OpenAI bills.
    if (provider === 'openai') expect(done.usage!.input_tokens).toBe(est.input_tokens);
    // For the report: how far the point estimate was from the bill.
    process.stdout.write(
      `estimate accuracy ${provider}: input ${est.input_tokens} est vs ${done.usage!.input_tokens} billed; cost $${real.cost_usd} in [$${est.cost_usd.low}, $${est.cost_usd.high}]\n`,
    );
  });
});

describe('dry_run on batches.create', () => {
  test('answers the estimate and submits nothing', async () => {
    const file = await upload(client, jsonl(LINES(MODEL.openai)), { provider: 'openai' });
    const before = await client.batches.list({ limit: 100 });
    const simulatorBatches = await openaiSimulatorBatchCount();
    const dry = (await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'openai',
      dry_run: true,
    } as never)) as unknown as FinOpsEstimate;
    expect(dry).toEqual(await estimate({ input_file_id: file.id }));
    expect(dry.object).toBe('finops.estimate');
    const after = await client.batches.list({ limit: 100 });
    expect(after.data.map((b) => b.id)).toEqual(before.data.map((b) => b.id));
    expect(await openaiSimulatorBatchCount()).toBe(simulatorBatches);
  });

  test('runs the same input checks as a real create', async () => {
    const file = await upload(client, jsonl(LINES(MODEL.openai)), { provider: 'openai' });
    const err = await rejectionOf(
      client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        provider: 'gemini',
        dry_run: true,
      } as never),
      OpenAI.BadRequestError,
    );
    expect(err.code).toBe('provider_mismatch');
  });
});

test('a file over FINOPS_ESTIMATE_TOKENIZER_MAX_BYTES is approximated, and says so', async () => {
  const file = await upload(client, jsonl(LINES(MODEL.openai)), { provider: 'openai' });
  const exact = await estimate({ input_file_id: file.id });
  process.env.FINOPS_ESTIMATE_TOKENIZER_MAX_BYTES = '100';
  try {
    const approx = await estimate({ input_file_id: file.id });
    expect(approx.token_count_method).toBe('approximation:utf8_bytes_div_4');
    expect(approx.input_tokens_range.low).toBeLessThanOrEqual(exact.input_tokens);
    expect(approx.input_tokens_range.high).toBeGreaterThanOrEqual(exact.input_tokens);
  } finally {
    delete process.env.FINOPS_ESTIMATE_TOKENIZER_MAX_BYTES;
  }
});

describe('compare', () => {
  test('lists every provider and model that can run the file, cheapest worst case first', async () => {
    const file = await upload(client, jsonl(LINES(MODEL.openai)), { provider: 'openai' });
    const est = await estimate({ input_file_id: file.id, compare: true });
    const alternatives = est.alternatives!;
    expect(new Set(alternatives.map((a) => a.provider))).toEqual(new Set(PROVIDERS));
    const highs = alternatives.map((a) => a.cost_usd.high);
    expect(highs).toEqual([...highs].sort((a, b) => a - b));
    expect(alternatives.some((a) => /embed/.test(a.model))).toBe(false);
    // The batch's own choice is among them, at the same price.
    expect(alternatives.find((a) => a.provider === 'openai' && a.model === MODEL.openai)?.cost_usd).toEqual(est.cost_usd);
    for (const a of alternatives) expect(a.cost_usd.low).toBeLessThanOrEqual(a.cost_usd.high);
  });

  test('leaves out what a provider cannot run (n > 1 on Claude)', async () => {
    const file = await upload(client, jsonl([chatLine('two', MODEL.openai, 'Give me two answers.', { n: 2 })]), { provider: 'openai' });
    const est = await estimate({ input_file_id: file.id, compare: true });
    const providers = new Set(est.alternatives!.map((a) => a.provider));
    expect(providers.has('openai')).toBe(true);
    expect(providers.has('anthropic')).toBe(false);
    expect(est.alternatives!.some((a) => a.provider === 'bedrock' && a.model.includes('claude'))).toBe(false);
    // n = 2 doubles the output bound.
    expect(est.max_output_tokens).toBe(200);
  });

  test('inline Anthropic requests compare Anthropic models only', async () => {
    const requests = [
      {
        custom_id: 'a',
        params: { model: 'claude-haiku-4-5-20251001', max_tokens: 64, messages: [{ role: 'user', content: 'Hello there' }] },
      },
    ];
    const est = await estimate({ requests, compare: true });
    expect(est).toMatchObject({ provider: 'anthropic', requests: 1, max_output_tokens: 64 });
    expect(est.alternatives!.length).toBeGreaterThan(1);
    expect(est.alternatives!.every((a) => a.provider === 'anthropic')).toBe(true);
  });
});

describe('budget and errors', () => {
  test("budget_remaining_usd is what is left of the key's monthly budget", async () => {
    await getServices().metadata.updateKey(hashKey(TEST_KEYS[1]), { monthlyBudgetUsd: 12.5 });
    const bob = t.client(1);
    const file = await upload(bob, jsonl(LINES(MODEL.openai)), { provider: 'openai' });
    expect((await estimate({ input_file_id: file.id }, bob)).budget_remaining_usd).toBe(12.5);
  });

  test.each([
    ['both inputs', { input_file_id: 'file-abc', requests: [] }, 'missing_required_parameter'],
    ['no input', { provider: 'openai' }, 'missing_required_parameter'],
    ['an unknown parameter', { requests: [], colour: 'red' }, 'unknown_parameter'],
    ['a bad compare', { requests: [{ custom_id: 'a', params: {} }], compare: 'yes' }, 'invalid_type'],
    ['an unknown provider', { requests: [{ custom_id: 'a', params: {} }], provider: 'watsonx' }, 'invalid_provider'],
    ['a malformed file id', { input_file_id: '../etc' }, 'invalid_id'],
  ])('%s is a 400', async (_what, body, code) => {
    const err = await rejectionOf(estimate(body), OpenAI.BadRequestError);
    expect(err.code).toBe(code);
  });

  test('a model without a price is a 400 naming it, not a guess', async () => {
    const file = await upload(client, jsonl([chatLine('x', 'gpt-unknown-9', 'Hi')]), { provider: 'openai' });
    const err = await rejectionOf(estimate({ input_file_id: file.id }), OpenAI.BadRequestError);
    expect(err.code).toBe('unpriced_model');
    expect(err.message).toContain('gpt-unknown-9');
  });

  test("another tenant's file is a 404", async () => {
    const file = await upload(client, jsonl(LINES(MODEL.openai)), { provider: 'openai' });
    await rejectionOf(estimate({ input_file_id: file.id }, t.client(1)), OpenAI.NotFoundError);
  });
});
