import { emfDocument, emitMetrics } from '#lambda/finops/metrics';
import { zeroCounters, type UsageDelta } from '#lambda/finops/usage-rows';

const delta = (over: Partial<UsageDelta['row']> = {}): UsageDelta => ({
  rowId: 'openai#gpt-4o-mini#key_1',
  row: {
    ...zeroCounters(),
    provider: 'openai',
    model: 'gpt-4o-mini',
    keyId: 'key_1',
    input_tokens: 1000,
    cached_input_tokens: 400,
    output_tokens: 500,
    total_tokens: 1500,
    cost_micro_usd: 210,
    on_demand_cost_micro_usd: 420,
    batches: 1,
    batches_completed: 1,
    ...over,
  },
});
const ctx = { batchId: 'batch_1', tenantId: 'tenant_a', status: 'completed', priceVersion: '2025-11-01', timestampMs: 1_750_000_000_000 };

describe('emfDocument', () => {
  it('is an Embedded Metric Format document per provider and model', () => {
    const doc = emfDocument(delta(), ctx);
    expect(doc._aws).toEqual({
      Timestamp: 1_750_000_000_000,
      CloudWatchMetrics: [
        {
          Namespace: 'FinOpsGateway',
          Dimensions: [['Provider', 'Model'], ['Provider']],
          Metrics: [
            { Name: 'InputTokens', Unit: 'Count' },
            { Name: 'CachedInputTokens', Unit: 'Count' },
            { Name: 'OutputTokens', Unit: 'Count' },
            { Name: 'CostUSD', Unit: 'None' },
            { Name: 'OnDemandCostUSD', Unit: 'None' },
            { Name: 'SavingsUSD', Unit: 'None' },
            { Name: 'BatchesCompleted', Unit: 'Count' },
          ],
        },
      ],
    });
    // Every metric and dimension named in _aws has a value at the top level (EMF's rule).
    expect(doc).toMatchObject({
      Provider: 'openai',
      Model: 'gpt-4o-mini',
      InputTokens: 1000,
      CachedInputTokens: 400,
      OutputTokens: 500,
      CostUSD: 0.00021,
      OnDemandCostUSD: 0.00042,
      SavingsUSD: 0.00021,
      BatchesCompleted: 1,
    });
    expect(doc).toMatchObject({ batchId: 'batch_1', tenantId: 'tenant_a', keyId: 'key_1', priceVersion: '2025-11-01' });
  });

  it('publishes no cost for an unpriced model (a zero would read as free)', () => {
    const doc = emfDocument(delta({ cost_micro_usd: 0, on_demand_cost_micro_usd: 0, unpriced_batches: 1 }), ctx) as Record<
      string,
      unknown
    > & { _aws: { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> } };
    const names = doc._aws.CloudWatchMetrics[0].Metrics.map((m) => m.Name);
    expect(names).not.toContain('CostUSD');
    expect(doc.CostUSD).toBeUndefined();
    expect(names).toContain('InputTokens');
  });

  it.each([
    ['failed', 'BatchesFailed'],
    ['expired', 'BatchesExpired'],
    ['cancelled', 'BatchesCancelled'],
  ])('counts a %s batch as %s, only on the batch model row', (status, metric) => {
    expect(emfDocument(delta(), { ...ctx, status })[metric]).toBe(1);
    expect(emfDocument(delta({ batches: 0 }), { ...ctx, status })[metric]).toBeUndefined();
  });
});

describe('emitMetrics', () => {
  const docs = [{ a: 1 }, { b: 2 }];
  it('writes one JSON line per document inside Lambda', () => {
    const lines: string[] = [];
    emitMetrics(docs, { AWS_LAMBDA_FUNCTION_NAME: 'fn' }, (l) => lines.push(l));
    expect(lines).toEqual(['{"a":1}\n', '{"b":2}\n']);
  });

  it.each([
    [{}, 0],
    [{ FINOPS_EMF: 'true' }, 2],
    [{ AWS_LAMBDA_FUNCTION_NAME: 'fn', FINOPS_EMF: 'false' }, 0],
  ])('env %j writes %d lines', (env, count) => {
    const lines: string[] = [];
    emitMetrics(docs, env, (l) => lines.push(l));
    expect(lines).toHaveLength(count);
  });
});
