// The pre-submission estimate, pure: token counting methods, the stated range, alternatives.
import { countTokens } from 'gpt-tokenizer/cjs/encoding/o200k_base';
import {
  alternativeCandidates,
  buildAlternatives,
  buildEstimate,
  EstimateAccumulator,
  UnpricedModelError,
} from '#lambda/finops/batch-estimate';
import { buildPriceTable } from '#lambda/finops/prices';
import { APPROXIMATION_RANGE, countInputTokens, tokenCountMethod } from '#lambda/finops/tokens';
import { thrownBy } from '#test/support/errors';

const line = (model: string, content: string, extra: Record<string, unknown> = {}) => ({
  custom_id: 'x',
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model, messages: [{ role: 'user', content }], ...extra },
});

// USD per 1M tokens; half off in batch.
const table = buildPriceTable({
  version: 'test-1',
  providers: {
    openai: {
      batch_discount: 0.5,
      models: {
        'gpt-4o': { input: 2, output: 8 },
        'gpt-4': { input: 30, output: 60 },
        'text-embedding-3-small': { input: 0.02, output: 0 },
      },
    },
    anthropic: { batch_discount: 0.5, models: { 'claude-x': { input: 1, output: 5 } } },
    gemini: { batch_discount: 0.5, models: { 'gemini-x': { input: 0.5, output: 1 } } },
    bedrock: {
      batch_discount: 0.5,
      models: { 'amazon.nova-lite-v1:0': { input: 0.06, output: 0.24 }, 'cohere.command-r-v1:0': { input: 0.5, output: 1.5 } },
    },
  },
});

describe('token count method', () => {
  test.each([
    ['openai', 'gpt-4o-mini', 'tokenizer:o200k_base'],
    ['openai', 'gpt-4.1', 'tokenizer:o200k_base'],
    ['openai', 'gpt-5', 'tokenizer:o200k_base'],
    ['openai', 'o3-mini', 'tokenizer:o200k_base'],
    ['openai', 'gpt-4', 'tokenizer:cl100k_base'],
    ['openai', 'gpt-4-turbo', 'tokenizer:cl100k_base'],
    ['openai', 'gpt-3.5-turbo', 'tokenizer:cl100k_base'],
    ['anthropic', 'claude-x', 'approximation:utf8_bytes_div_4'],
    ['gemini', 'gemini-x', 'approximation:utf8_bytes_div_4'],
    ['bedrock', 'amazon.nova-lite-v1:0', 'approximation:utf8_bytes_div_4'],
  ] as const)('%s %s → %s', (provider, model, method) => {
    expect(tokenCountMethod(provider, model)).toBe(method);
  });

  test('a chat is counted with OpenAI framing: 3 per message plus role and content, 3 for the reply', () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    expect(countInputTokens(line('gpt-4o', text), 'tokenizer:o200k_base')).toBe(3 + 3 + countTokens('user') + countTokens(text));
  });

  test("the approximation is UTF-8 bytes / 4 (the budget guard's)", () => {
    // "user" (4 bytes) + 12 bytes of Japanese = 16 bytes → 4 tokens
    expect(countInputTokens(line('claude-x', '今日は晴れ'.slice(0, 4)), 'approximation:utf8_bytes_div_4')).toBe(4);
  });
});

describe('estimate', () => {
  test('tokenizer-counted input is exact; output runs from 0 to the caps', () => {
    const acc = new EstimateAccumulator('openai', null, []);
    acc.add(line('gpt-4o', 'hello', { max_tokens: 1000 }));
    acc.add(line('gpt-4o', 'hello again', { max_tokens: 500, n: 2 }));
    const est = buildEstimate(acc, table, null);
    expect(est.max_output_tokens).toBe(2000);
    expect(est.input_tokens_range).toEqual({ low: est.input_tokens, high: est.input_tokens });
    // low: input only, at $2/M halved; high: plus 2000 output at $8/M halved.
    expect(est.cost_usd.low).toBeCloseTo((est.input_tokens * 2) / 2 / 1e6, 6);
    expect(est.cost_usd.high).toBeCloseTo((est.input_tokens * 2 + 2000 * 8) / 2 / 1e6, 6);
    expect(est.on_demand_cost_usd.high).toBeCloseTo(est.cost_usd.high * 2, 6);
    expect(est.savings_usd.high).toBeCloseTo(est.cost_usd.high, 6);
    expect(est).toMatchObject({
      object: 'finops.estimate',
      requests: 2,
      model: 'gpt-4o',
      token_count_method: 'tokenizer:o200k_base',
      price_version: 'test-1',
      budget_remaining_usd: null,
    });
  });

  test('approximated input gets the stated range', () => {
    const acc = new EstimateAccumulator('anthropic', 'claude-x', []);
    acc.add(line('ignored', 'x'.repeat(396), { max_tokens: 10 })); // 400 bytes with "user" → 100 tokens
    const est = buildEstimate(acc, table, 2_500_000);
    expect(est.input_tokens).toBe(100);
    expect(est.input_tokens_range).toEqual({
      low: 100 * APPROXIMATION_RANGE.low,
      high: 100 * APPROXIMATION_RANGE.high + APPROXIMATION_RANGE.framingPerRequest,
    });
    expect(est.budget_remaining_usd).toBe(2.5);
    expect(est.model).toBe('claude-x'); // extra_body.model wins over the line's
  });

  test('an unpriced model is an error, never a partial sum', () => {
    const acc = new EstimateAccumulator('openai', null, []);
    acc.add(line('gpt-4o', 'a'));
    acc.add(line('gpt-nope', 'b'));
    expect(thrownBy(() => buildEstimate(acc, table, null), UnpricedModelError).models).toEqual(['gpt-nope']);
  });

  test('Bedrock below its job minimum is priced on demand', () => {
    const acc = new EstimateAccumulator('bedrock', 'amazon.nova-lite-v1:0', []);
    acc.add(line('m', 'hi'));
    const est = buildEstimate(acc, table, null, { FINOPS_BEDROCK_MIN_RECORDS: '100' });
    expect(est.run_mode).toBe('on_demand');
    expect(est.savings_usd).toEqual({ low: 0, high: 0 });
  });
});

describe('alternatives', () => {
  const candidates = alternativeCandidates(table, false);

  test('priced chat models the gateway can convert for: no embeddings, no Bedrock family without a translator', () => {
    expect(candidates.map((c) => `${c.provider}/${c.model}`).sort()).toEqual([
      'anthropic/claude-x',
      'bedrock/amazon.nova-lite-v1:0',
      'gemini/gemini-x',
      'openai/gpt-4',
      'openai/gpt-4o',
    ]);
  });

  test('sorted by worst-case cost; a provider whose converter refuses a line is left out', () => {
    const acc = new EstimateAccumulator('openai', null, candidates);
    acc.add(line('gpt-4o', 'hello', { max_tokens: 100 }));
    const one = buildAlternatives(acc, candidates, table, { FINOPS_BEDROCK_MIN_RECORDS: '1' });
    expect(one.map((a) => a.model)).toEqual(['amazon.nova-lite-v1:0', 'gemini-x', 'claude-x', 'gpt-4o', 'gpt-4']);
    acc.add(line('gpt-4o', 'two please', { max_tokens: 100, n: 2 })); // Claude and Nova take no n > 1
    const two = buildAlternatives(acc, candidates, table, { FINOPS_BEDROCK_MIN_RECORDS: '1' });
    expect(two.map((a) => a.model)).toEqual(['gemini-x', 'gpt-4o', 'gpt-4']);
    expect(acc.refused.get('anthropic')).toMatch(/\bn\b/);
    expect(acc.refused.has('bedrock:nova')).toBe(true);
  });

  test('a Responses line is checked as its translated chat body, refusals in Responses terms', () => {
    const responses = (body: Record<string, unknown>) => ({
      custom_id: 'r',
      method: 'POST',
      url: '/v1/responses',
      body: { model: 'gpt-4o', input: 'hello', max_output_tokens: 100, ...body },
    });
    const acc = new EstimateAccumulator('openai', null, candidates);
    acc.add(responses({}));
    expect([...acc.refused.keys()]).toEqual([]);
    acc.add(responses({ text: { format: { type: 'json_object' } } })); // Anthropic and Nova have no JSON mode
    expect(acc.refused.get('anthropic')).toMatch(/text\.format/);
    expect(acc.refused.has('bedrock:nova')).toBe(true);
    expect(acc.refused.has('gemini')).toBe(false);
  });
});
