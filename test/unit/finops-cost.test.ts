import { costOfUsage, priceBatchUsage, microsToUsd, usdToMicros } from '#lambda/finops/cost';
import { buildPriceTable, type ModelPrice } from '#lambda/finops/prices';
import { priceFinishedBatch, runModeOf } from '#lambda/finops/record';
import type { BatchUsage } from '#contracts/openai-types';
import type { BatchRecord } from '#contracts/records';

const usage = (input: number, output: number, cached = 0): BatchUsage => ({
  input_tokens: input,
  input_tokens_details: { cached_tokens: cached },
  output_tokens: output,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: input + output,
});

// USD per 1M tokens → pico-dollars per token is × 1e6.
const price = (input: number, cached: number, output: number, discount = 0.5): ModelPrice => ({
  provider: 'openai',
  model: 'm',
  inputPico: BigInt(Math.round(input * 1e6)),
  cachedInputPico: BigInt(Math.round(cached * 1e6)),
  outputPico: BigInt(Math.round(output * 1e6)),
  batchDiscountPpm: BigInt(Math.round(discount * 1e6)),
});
const gpt4oMini = price(0.15, 0.075, 0.6);

describe('costOfUsage (micro-dollars)', () => {
  // [case, price, usage, batch µ$, on-demand µ$]
  it.each([
    // 1000 input (400 cached) + 500 output: 600×0.15 + 400×0.075 + 500×0.6 = 420 µ$ on demand, half in batch.
    ['cached tokens at the cached rate', gpt4oMini, usage(1000, 500, 400), 210, 420],
    // Same tokens, none cached: 1000×0.15 + 500×0.6 = 450 µ$.
    ['no cache', gpt4oMini, usage(1000, 500), 225, 450],
    // 1M input + 1M output of gpt-4o-mini: $0.75 on demand, $0.375 in batch.
    ['a million of each', gpt4oMini, usage(1_000_000, 1_000_000), 375_000, 750_000],
    // 4 input tokens = 0.6 µ$ → 1 µ$ on demand; 0.3 µ$ → 0 in batch.
    ['rounds to the nearest micro-dollar', gpt4oMini, usage(4, 0), 0, 1],
    // 10 input tokens = 1.5 µ$ → 2 (half up); batch 0.75 → 1.
    ['rounds half up', gpt4oMini, usage(10, 0), 1, 2],
    // 2 tokens at $0.25/1M = exactly 0.5 µ$ → 1; batch 0.25 → 0.
    ['an exact half rounds up', price(0.25, 0.03, 1.25), usage(2, 0), 0, 1],
    // 1 token below a half stays down: 3 tokens at 0.15 = 0.45 µ$ → 0.
    ['below a half rounds down', gpt4oMini, usage(3, 0), 0, 0],
    // Cached count larger than input (a provider quirk) is capped at the input count.
    ['cached beyond input is capped', gpt4oMini, usage(100, 0, 500), 4, 8],
    // Output-only model rows (embeddings have output 0).
    ['embeddings', price(0.02, 0.02, 0), usage(1_000_000, 0), 10_000, 20_000],
    // No discount for this model.
    ['zero discount', price(1, 1, 2, 0), usage(1000, 1000), 3000, 3000],
  ] as const)('%s', (_name, p, u, batchMicros, onDemandMicros) => {
    const cost = costOfUsage(p, u);
    expect(cost).toEqual({ costMicros: batchMicros, onDemandCostMicros: onDemandMicros, savingsMicros: onDemandMicros - batchMicros });
  });

  it('is exact beyond 2^53 pico-dollars (no float drift)', () => {
    // (1e10 + 1) output tokens at $75/1M = 750,000,000,075,000,000 pico-dollars.
    const cost = costOfUsage(price(15, 1.5, 75), usage(0, 10_000_000_001), 'on_demand');
    expect(cost.onDemandCostMicros).toBe(750_000_000_075);
    expect(cost.costMicros).toBe(750_000_000_075);
  });

  it('charges on-demand prices without discount for on-demand runs', () => {
    expect(costOfUsage(gpt4oMini, usage(1000, 500), 'on_demand')).toEqual({ costMicros: 450, onDemandCostMicros: 450, savingsMicros: 0 });
  });

  it('ignores negative or fractional token counts rather than inventing cost', () => {
    expect(costOfUsage(gpt4oMini, usage(-5, 2.5))).toEqual({ costMicros: 0, onDemandCostMicros: 0, savingsMicros: 0 });
  });
});

describe('priceBatchUsage', () => {
  const table = buildPriceTable({
    version: 'test-1',
    providers: {
      openai: {
        batch_discount: 0.5,
        models: {
          'gpt-4o-mini': { input: 0.15, cached_input: 0.075, output: 0.6 },
          'gpt-4o': { input: 2.5, cached_input: 1.25, output: 10 },
        },
      },
    },
  });

  it('sums per-model micro-dollars into the batch summary', () => {
    const priced = priceBatchUsage(table, 'openai', { 'gpt-4o-mini': usage(10, 0), 'gpt-4o': usage(1, 1) }, 'batch');
    // gpt-4o-mini: 1.5 µ$ → 2 on demand, 0.75 → 1 batch. gpt-4o: 2.5 + 10 = 12.5 µ$ → 13 on demand, 6.25 → 6 batch.
    expect(priced.byModel['gpt-4o-mini']).toEqual({ costMicros: 1, onDemandCostMicros: 2, savingsMicros: 1 });
    expect(priced.byModel['gpt-4o']).toEqual({ costMicros: 6, onDemandCostMicros: 13, savingsMicros: 7 });
    expect(priced.totalMicros).toEqual({ cost: 7, onDemand: 15, savings: 8 });
    expect(priced.summary).toEqual({
      currency: 'USD',
      cost_usd: 0.000007,
      on_demand_cost_usd: 0.000015,
      savings_usd: 0.000008,
      price_version: 'test-1',
    });
  });

  it('gives no cost at all when any model is unknown, but still prices the known ones per model', () => {
    const priced = priceBatchUsage(table, 'openai', { 'gpt-4o-mini': usage(1000, 500), 'gpt-9': usage(1000, 500) }, 'batch');
    expect(priced.summary).toBeNull();
    expect(priced.unpriced).toEqual(['gpt-9']);
    expect(priced.byModel['gpt-4o-mini'].costMicros).toBe(225);
    expect(priced.byModel['gpt-9']).toBeUndefined();
  });

  it('costs 0 for a known model with no usage (every request failed)', () => {
    const priced = priceBatchUsage(table, 'openai', {}, 'batch', ['gpt-4o']);
    expect(priced.summary).toMatchObject({ cost_usd: 0, on_demand_cost_usd: 0, savings_usd: 0 });
  });

  it('has no cost for a batch with neither usage nor a model', () => {
    expect(priceBatchUsage(table, 'openai', {}, 'batch').summary).toBeNull();
  });

  it('has no cost for an unknown model without usage', () => {
    expect(priceBatchUsage(table, 'openai', {}, 'batch', ['gpt-9']).summary).toBeNull();
  });

  it('USD figures are the micro-dollar integers divided once (savings = on-demand − cost exactly)', () => {
    const priced = priceBatchUsage(table, 'openai', { 'gpt-4o': usage(123_457, 98_765, 11_111) }, 'batch');
    const { cost, onDemand, savings } = priced.totalMicros!;
    expect(onDemand - cost).toBe(savings);
    expect(usdToMicros(priced.summary!.cost_usd)).toBe(cost);
    expect(usdToMicros(priced.summary!.savings_usd)).toBe(savings);
    expect(microsToUsd(cost)).toBe(priced.summary!.cost_usd);
  });
});

describe('priceFinishedBatch (run mode and table errors)', () => {
  const table = buildPriceTable({
    version: 't',
    providers: { bedrock: { batch_discount: 0.5, models: { 'amazon.nova-lite-v1:0': { input: 0.06, output: 0.24 } } } },
  });
  const batch = (metadata: Record<string, string> | null) =>
    ({ id: 'batch_x', tenantId: 't', provider: 'bedrock', model: 'us.amazon.nova-lite-v1:0', metadata }) as unknown as BatchRecord;
  const used = { 'us.amazon.nova-lite-v1:0': usage(100_000, 10_000) };

  it.each([
    [null, 'batch'],
    [{ run_mode: 'batch_job' }, 'batch'],
    [{ run_mode: 'on_demand' }, 'on_demand'],
  ] as const)('metadata %j → %s', (metadata, mode) => {
    expect(runModeOf({ metadata: metadata as Record<string, string> | null })).toBe(mode);
  });

  it('a batch job gets the discount; an on-demand run does not', () => {
    // 100k × 0.06 + 10k × 0.24 = 6000 + 2400 = 8400 µ$ on demand.
    expect(priceFinishedBatch(batch({ run_mode: 'batch_job' }), used, () => table).totalMicros).toEqual({
      cost: 4200,
      onDemand: 8400,
      savings: 4200,
    });
    expect(priceFinishedBatch(batch({ run_mode: 'on_demand' }), used, () => table).totalMicros).toEqual({
      cost: 8400,
      onDemand: 8400,
      savings: 0,
    });
  });

  it('an invalid price override prices nothing instead of falling back to list prices', () => {
    const priced = priceFinishedBatch(batch(null), used, () => {
      throw new Error('FINOPS_PRICES_JSON is not valid JSON');
    });
    expect(priced.summary).toBeNull();
    expect(priced.unpriced).toEqual(['us.amazon.nova-lite-v1:0']);
  });
});
