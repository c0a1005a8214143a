// FinOps of mixed-model batches (issue 15 item 4): each model's lines are priced at that model's rate
// and in the run mode of its own job (a Bedrock job below the job minimum runs on demand), both for the
// estimate the budget check reserves and for the cost booked at the end, which shows each model's share.
import { BatchEstimate, priceEstimate, expectedRunMode } from '#lambda/finops/estimate';
import { costOfUsage, priceBatchUsage } from '#lambda/finops/cost';
import { priceFinishedBatch } from '#lambda/finops/record';
import { buildPriceTable } from '#lambda/finops/prices';
import type { BatchUsage } from '#contracts/openai-types';
import type { BatchRecord, ProviderJob } from '#contracts/records';

const NOVA = 'amazon.nova-lite-v1:0';
const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const table = buildPriceTable({
  version: 't',
  providers: { bedrock: { batch_discount: 0.5, models: { [NOVA]: { input: 0.06, output: 0.24 }, [HAIKU]: { input: 0.8, output: 4 } } } },
});
const line = (model: string) => ({
  custom_id: 'x',
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model, messages: [{ role: 'user', content: 'x'.repeat(396) }], max_tokens: 1000 },
});
const usage = (input: number, output: number): BatchUsage => ({
  input_tokens: input,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: output,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: input + output,
});

describe('the estimate of a mixed-model Bedrock file', () => {
  test('each model at its own price, and in the run mode of its own job', () => {
    const estimate = new BatchEstimate(null);
    for (let i = 0; i < 150; i++) estimate.add(line(NOVA));
    for (let i = 0; i < 20; i++) estimate.add(line(HAIKU));
    // 150 Nova lines make a batch job; 20 Haiku lines are under the minimum (100) and run on demand.
    const mode = (n: number) => expectedRunMode('bedrock', n, {});
    const nova = costOfUsage(table.lookup('bedrock', NOVA)!, usage(150 * 100, 150 * 1000), 'batch').costMicros;
    const haiku = costOfUsage(table.lookup('bedrock', HAIKU)!, usage(20 * 100, 20 * 1000), 'on_demand').costMicros;
    expect(priceEstimate(table, 'bedrock', estimate, mode(estimate.requests), mode)).toEqual({ costMicros: nova + haiku, unpriced: [] });
    // The file as a whole (170 lines) would have priced Haiku at the batch discount.
    expect(priceEstimate(table, 'bedrock', estimate, mode(estimate.requests)).costMicros).toBeLessThan(nova + haiku);
  });
});

describe('the cost booked for a mixed-model batch', () => {
  const job = (model: string, total: number, runMode: string): ProviderJob => ({
    key: `b-${model}`,
    model,
    input: { blob: { bucket: 'b', key: model }, lineCount: total, bytes: 1 },
    providerBatchId: 'x',
    providerData: {},
    submittedAt: 1,
    status: 'completed',
    requestCounts: { total, completed: total, failed: 0 },
    metadata: { run_mode: runMode },
  });

  test('each model in its job run mode; by_model shares with requests add up to the batch', () => {
    const batch = {
      provider: 'bedrock',
      model: null,
      metadata: null,
      jobs: [job(NOVA, 150, 'batch_job'), job(HAIKU, 20, 'on_demand')],
    } as unknown as BatchRecord;
    const byModel = { [NOVA]: usage(1_000, 2_000), [HAIKU]: usage(500, 700) };
    const priced = priceFinishedBatch(batch, byModel, () => table);
    const nova = costOfUsage(table.lookup('bedrock', NOVA)!, byModel[NOVA], 'batch');
    const haiku = costOfUsage(table.lookup('bedrock', HAIKU)!, byModel[HAIKU], 'on_demand');
    expect(priced.summary?.by_model).toEqual({
      [NOVA]: {
        requests: 150,
        input_tokens: 1_000,
        output_tokens: 2_000,
        cost_usd: nova.costMicros / 1e6,
        on_demand_cost_usd: nova.onDemandCostMicros / 1e6,
        savings_usd: nova.savingsMicros / 1e6,
      },
      [HAIKU]: {
        requests: 20,
        input_tokens: 500,
        output_tokens: 700,
        cost_usd: haiku.costMicros / 1e6,
        on_demand_cost_usd: haiku.onDemandCostMicros / 1e6,
        savings_usd: 0,
      },
    });
    expect(priced.summary?.cost_usd).toBeCloseTo((nova.costMicros + haiku.costMicros) / 1e6, 9);
  });

  test('a model of a job with no usage (all its lines failed) still has its share, at 0', () => {
    const batch = {
      provider: 'bedrock',
      model: null,
      metadata: null,
      jobs: [job(NOVA, 3, 'batch_job'), job(HAIKU, 2, 'batch_job')],
    } as unknown as BatchRecord;
    const priced = priceFinishedBatch(batch, { [NOVA]: usage(10, 10) }, () => table);
    expect(priced.summary?.by_model?.[HAIKU]).toEqual({
      requests: 2,
      input_tokens: 0,
      output_tokens: 0,
      cost_usd: 0,
      on_demand_cost_usd: 0,
      savings_usd: 0,
    });
  });

  test('a batch of one model has no by_model', () => {
    const batch = { provider: 'bedrock', model: NOVA, metadata: null } as unknown as BatchRecord;
    expect(priceFinishedBatch(batch, { [NOVA]: usage(10, 10) }, () => table).summary).not.toHaveProperty('by_model');
    expect(priceBatchUsage(table, 'bedrock', { [NOVA]: usage(10, 10) }, 'batch', [NOVA]).summary).not.toHaveProperty('by_model');
  });
});
