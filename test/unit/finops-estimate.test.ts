import { BatchEstimate, estimateRequest, expectedRunMode, priceEstimate, IMAGE_TOKENS } from '#lambda/finops/estimate';
import { budgetExceeded } from '#lambda/finops/budget';
import { buildPriceTable } from '#lambda/finops/prices';

const chatLine = (content: string, extra: Record<string, unknown> = {}) => ({
  custom_id: 'r1',
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra },
});

describe('estimateRequest', () => {
  it.each([
    // "user" (4 bytes) + 16 bytes of content = 20 bytes → 5 tokens; max_tokens 100.
    [
      'chat line with max_tokens',
      chatLine('0123456789abcdef', { max_tokens: 100 }),
      { model: 'gpt-4o-mini', inputTokens: 5, outputTokens: 100 },
    ],
    // 4 + 17 = 21 bytes → 6 tokens (rounded up).
    ['rounds input up', chatLine('0123456789abcdefg', { max_tokens: 1 }), { model: 'gpt-4o-mini', inputTokens: 6, outputTokens: 1 }],
    // max_completion_tokens wins over max_tokens; n multiplies the output cap.
    [
      'max_completion_tokens and n',
      chatLine('abcd', { max_completion_tokens: 50, max_tokens: 999, n: 3 }),
      { model: 'gpt-4o-mini', inputTokens: 2, outputTokens: 150 },
    ],
    // No cap: the default upper bound (here 777).
    ['default output cap', chatLine('abcd'), { model: 'gpt-4o-mini', inputTokens: 2, outputTokens: 777 }],
    // UTF-8 bytes, not characters: "user" + "ééé" (6 bytes) = 10 bytes → 3 tokens.
    ['counts UTF-8 bytes', chatLine('ééé', { max_tokens: 1 }), { model: 'gpt-4o-mini', inputTokens: 3, outputTokens: 1 }],
    // An inline image counts as IMAGE_TOKENS, not as its base64 length.
    [
      'inline image',
      chatLine('', {
        max_tokens: 1,
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(100_000)}` } }] }],
      }),
      // "user" + "image_url" = 13 bytes → 4 tokens, plus the image.
      { model: 'gpt-4o-mini', inputTokens: 4 + IMAGE_TOKENS, outputTokens: 1 },
    ],
    // Embeddings: token-id arrays count one token per id, no output.
    [
      'embeddings with token ids',
      { custom_id: 'e', method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: [1, 2, 3, 4, 5] } },
      { model: 'text-embedding-3-small', inputTokens: 5, outputTokens: 0 },
    ],
    [
      'embeddings with text',
      { custom_id: 'e', method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: ['abcdefgh', 'ijkl'] } },
      { model: 'text-embedding-3-small', inputTokens: 3, outputTokens: 0 },
    ],
    // Anthropic inline request: {custom_id, params}; system prompt and tools count too.
    [
      'inline Messages request',
      {
        custom_id: 'a',
        params: { model: 'claude-sonnet-4-5', max_tokens: 64, system: 'be brief', messages: [{ role: 'user', content: 'hi' }] },
      },
      // "be brief" 8 + "user" 4 + "hi" 2 = 14 bytes → 4 tokens.
      { model: 'claude-sonnet-4-5', inputTokens: 4, outputTokens: 64 },
    ],
  ])('%s', (_name, request, expected) => {
    expect(estimateRequest(request, 777)).toEqual(expected);
  });

  it.each([[null], ['text'], [{ custom_id: 'x' }], [{ body: 'not an object' }]])('ignores what is not a request: %p', (request) => {
    expect(estimateRequest(request)).toBeNull();
  });
});

describe('BatchEstimate', () => {
  it('sums per model; the batch model (extra_body) wins over the lines', () => {
    const estimate = new BatchEstimate(null, 10);
    estimate.add(chatLine('abcd', { max_tokens: 5 }));
    estimate.add({ ...chatLine('abcd', { max_tokens: 5 }), body: { model: 'gpt-4o', messages: [], max_tokens: 7 } });
    estimate.add('garbage');
    expect(estimate.requests).toBe(2);
    expect(estimate.byModel.get('gpt-4o-mini')).toEqual({ requests: 1, inputTokens: 2, outputTokens: 5 });
    expect(estimate.byModel.get('gpt-4o')).toEqual({ requests: 1, inputTokens: 0, outputTokens: 7 });
    expect(estimate.inputTokens).toBe(2);
    expect(estimate.outputTokens).toBe(12);

    const forced = new BatchEstimate('gpt-4o', 10);
    forced.add(chatLine('abcd', { max_tokens: 5 }));
    expect([...forced.byModel.keys()]).toEqual(['gpt-4o']);
  });
});

describe('priceEstimate', () => {
  const table = buildPriceTable({
    version: 't',
    providers: {
      openai: { batch_discount: 0.5, models: { 'gpt-4o-mini': { input: 0.15, cached_input: 0.075, output: 0.6 } } },
      bedrock: { batch_discount: 0.5, models: { 'amazon.nova-lite-v1:0': { input: 0.06, output: 0.24 } } },
    },
  });

  it('prices input uncached and the output cap at batch prices', () => {
    const estimate = new BatchEstimate(null);
    for (let i = 0; i < 100; i++) estimate.add(chatLine('x'.repeat(396), { max_tokens: 1000 }));
    // Per request: (4 + 396) / 4 = 100 input tokens, 1000 output. 100 requests: 10,000 in, 100,000 out.
    // On demand: 10,000 × 0.15 + 100,000 × 0.6 = 61,500 µ$; batch: 30,750 µ$.
    expect(priceEstimate(table, 'openai', estimate, 'batch')).toEqual({ costMicros: 30_750, unpriced: [] });
    expect(priceEstimate(table, 'openai', estimate, 'on_demand')).toEqual({ costMicros: 61_500, unpriced: [] });
  });

  it('names models it cannot price', () => {
    const estimate = new BatchEstimate(null);
    estimate.add({ ...chatLine('x'), body: { model: 'gpt-9', messages: [] } });
    estimate.add({ ...chatLine('x'), body: { messages: [] } });
    expect(priceEstimate(table, 'openai', estimate, 'batch').unpriced).toEqual(['gpt-9', '(none)']);
  });

  it('uses the Bedrock profile resolution of the price table', () => {
    const estimate = new BatchEstimate('us.amazon.nova-lite-v1:0');
    estimate.add(chatLine('abcd', { max_tokens: 1000 }));
    // 2 input tokens + 1000 output at nova-lite: 0.12 + 240 = 240.12 µ$ on demand → 120.06 → 120 batch.
    expect(priceEstimate(table, 'bedrock', estimate, 'batch')).toEqual({ costMicros: 120, unpriced: [] });
  });
});

describe('expectedRunMode', () => {
  it.each([
    ['openai', 5, {}, 'batch'],
    ['bedrock', 99, {}, 'on_demand'],
    ['bedrock', 100, {}, 'batch'],
    ['bedrock', 3, { FINOPS_BEDROCK_MIN_RECORDS: '2' }, 'batch'],
    ['bedrock', 1, { FINOPS_BEDROCK_MIN_RECORDS: '2' }, 'on_demand'],
    ['bedrock', 50, { FINOPS_BEDROCK_MIN_RECORDS: 'nonsense' }, 'on_demand'],
  ] as const)('%s with %d requests %j → %s', (provider, requests, env, mode) => {
    expect(expectedRunMode(provider, requests, env)).toBe(mode);
  });
});

describe('budgetExceeded', () => {
  it('is a 402 insufficient_quota / budget_exceeded error that says the estimate and what is left', () => {
    const err = budgetExceeded({
      keyId: 'key_abc',
      month: '2025-06',
      budgetMicros: 5_000_000,
      spentMicros: 4_990_000,
      estimateMicros: 12_345,
      requests: 3,
      inputTokens: 1200,
      outputTokens: 3000,
      priceVersion: '2025-11-01',
      onDemand: false,
    });
    expect(err.status).toBe(402);
    expect(err.toBody().error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded', param: null });
    expect(err.message).toContain('estimated cost is $0.012345');
    expect(err.message).toContain('only $0.010000 is left of its monthly budget of $5.000000 for 2025-06 ($4.990000 spent)');
    expect(err.message).toContain('at batch prices, price table 2025-11-01');
  });

  it('counts what running batches reserved, and says so', () => {
    const err = budgetExceeded({
      keyId: 'k',
      month: '2025-06',
      budgetMicros: 5_000_000,
      spentMicros: 1_000_000,
      reservedMicros: 3_500_000,
      estimateMicros: 600_000,
      requests: 1,
      inputTokens: 1,
      outputTokens: 1,
      priceVersion: 'v',
      onDemand: false,
    });
    expect(err.message).toContain(
      'only $0.500000 is left of its monthly budget of $5.000000 for 2025-06 ($1.000000 spent, $3.500000 reserved by its batches still running)',
    );
    expect(err.message).toContain('wait for running batches to finish');
  });

  it('never reports a negative amount left', () => {
    const err = budgetExceeded({
      keyId: 'k',
      month: '2025-06',
      budgetMicros: 1,
      spentMicros: 10,
      estimateMicros: 1,
      requests: 1,
      inputTokens: 1,
      outputTokens: 1,
      priceVersion: 'v',
      onDemand: true,
    });
    expect(err.message).toContain('only $0.000000 is left');
    expect(err.message).toContain('on-demand prices');
  });
});
