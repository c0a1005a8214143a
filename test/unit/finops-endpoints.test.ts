// FinOps per endpoint (issue 15 item 5): the aggregates remember each batch's endpoint, the report
// groups by it, and the embedding models are priced at their batch rates.
import { buildUsageReport, parseUsageQuery } from '#lambda/finops/report';
import { formatReportCsv, formatReportTable } from '#lambda/finops/report-format';
import { usageDeltasForBatch, usageSortKey, zeroCounters, type UsageRow } from '#lambda/finops/usage-rows';
import { priceBatchUsage } from '#lambda/finops/cost';
import { priceTableFrom } from '#lambda/finops/prices';
import { alternativeCandidates } from '#lambda/finops/batch-estimate';
import type { BatchRecord } from '#contracts/records';

const batch = (over: Partial<BatchRecord>): BatchRecord =>
  ({
    id: 'batch_1',
    tenantId: 't1',
    keyId: 'key_1',
    provider: 'openai',
    endpoint: '/v1/chat/completions',
    model: 'gpt-4o-mini',
    status: 'completed',
    requestCounts: { total: 1, completed: 1, failed: 0 },
    ...over,
  }) as BatchRecord;
const usage = (input: number) => ({
  input_tokens: input,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: 0,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: input,
});

describe('aggregate rows per endpoint', () => {
  it('a chat batch keeps the item key it always had; other endpoints get their own item', () => {
    const chat = usageDeltasForBatch(batch({}), { 'gpt-4o-mini': usage(10) }, {});
    const embeddings = usageDeltasForBatch(
      batch({ endpoint: '/v1/embeddings', model: 'text-embedding-3-small' }),
      { 'text-embedding-3-small': usage(10) },
      {},
    );
    expect(chat[0].rowId).toBe('openai#gpt-4o-mini#key_1');
    expect(chat[0].row.endpoint).toBe('/v1/chat/completions');
    expect(embeddings[0].rowId).toBe('openai#text-embedding-3-small#key_1#/v1/embeddings');
    expect(embeddings[0].row.endpoint).toBe('/v1/embeddings');
    expect(usageSortKey('2026-12-03', 'openai', 'gpt-4o-mini', 'key_1', '/v1/chat/completions')).toBe(
      '2026-12-03#openai#gpt-4o-mini#key_1',
    );
    expect(usageSortKey('2026-12-03', 'openai', 'm', 'key_1', '/v1/embeddings')).toBe('2026-12-03#openai#m#key_1#/v1/embeddings');
    // Still inside the day's key range that a report queries.
    expect(usageSortKey('2026-12-03', 'openai', 'm', 'key_1', '/v1/embeddings') <= '2026-12-03#\uffff').toBe(true);
  });
});

describe('group_by=endpoint', () => {
  const row = (over: Partial<UsageRow>): UsageRow => ({
    ...zeroCounters(),
    date: '2026-12-03',
    provider: 'openai',
    model: 'gpt-4o-mini',
    keyId: 'k',
    batches: 1,
    ...over,
  });

  it('is accepted by the query', () => {
    expect(parseUsageQuery({ group_by: 'endpoint' }, '2026-12-03').groupBy).toBe('endpoint');
  });

  it('sums rows per endpoint; rows stored without one are chat rows', () => {
    const rows = [
      row({ cost_micro_usd: 100, input_tokens: 10 }), // written before endpoints were recorded
      row({ endpoint: '/v1/chat/completions', cost_micro_usd: 50, input_tokens: 5 }),
      row({ endpoint: '/v1/embeddings', provider: 'bedrock', model: 'amazon.titan-embed-text-v2:0', cost_micro_usd: 7, input_tokens: 350 }),
      row({ endpoint: '/v1/embeddings', provider: 'gemini', model: 'gemini-embedding-001', cost_micro_usd: 3, input_tokens: 40 }),
    ];
    const report = buildUsageReport(rows, { start: '2026-12-01', end: '2026-12-31', groupBy: 'endpoint' });
    expect(report.data.map((l) => [l.endpoint, l.batches, l.input_tokens, l.cost_micro_usd])).toEqual([
      ['/v1/chat/completions', 2, 15, 150],
      ['/v1/embeddings', 2, 390, 10],
    ]);
    expect(report.total.cost_micro_usd).toBe(160);
    expect(formatReportTable(report)).toContain('/v1/embeddings');
    expect(formatReportCsv(report).split('\n')[0]).toMatch(/^endpoint,/);
  });
});

describe('embedding models at batch prices', () => {
  const table = priceTableFrom({});
  const price = (provider: 'openai' | 'bedrock' | 'gemini', model: string, tokens: number) =>
    priceBatchUsage(table, provider, { [model]: usage(tokens) }, 'batch').byModel[model];

  it.each<[string, 'openai' | 'bedrock' | 'gemini', string, number, number]>([
    // 1M tokens: micro-dollars at batch price, and on demand.
    ['OpenAI text-embedding-3-small: half of $0.02', 'openai', 'text-embedding-3-small', 10_000, 20_000],
    ['OpenAI text-embedding-3-large: half of $0.13', 'openai', 'text-embedding-3-large', 65_000, 130_000],
    ['Gemini gemini-embedding-001: half of $0.15', 'gemini', 'gemini-embedding-001', 75_000, 150_000],
    ['Bedrock Titan V2: batch priced as on demand', 'bedrock', 'amazon.titan-embed-text-v2:0', 20_000, 20_000],
    ['Bedrock Cohere Embed English v3: batch priced as on demand', 'bedrock', 'cohere.embed-english-v3', 100_000, 100_000],
  ])('%s', (_name, provider, model, cost, onDemand) => {
    expect(price(provider, model, 1_000_000)).toEqual({ costMicros: cost, onDemandCostMicros: onDemand, savingsMicros: onDemand - cost });
  });
});

describe('estimate alternatives for an embeddings file', () => {
  const table = priceTableFrom({});
  const candidates = alternativeCandidates(table, false, true);

  it('are the priced embedding models, each with its own converter; a chat file gets chat models only', () => {
    const models = candidates.map((c) => `${c.provider}/${c.model}`);
    expect(models).toEqual(
      expect.arrayContaining([
        'openai/text-embedding-3-small',
        'openai/text-embedding-3-large',
        'bedrock/amazon.titan-embed-text-v2:0',
        'bedrock/cohere.embed-english-v3',
        'gemini/gemini-embedding-001',
      ]),
    );
    expect(models.some((m) => /gpt-|claude|nova|gemini-2/.test(m))).toBe(false);
    expect(alternativeCandidates(table, false, false).some((c) => /embed/.test(c.model))).toBe(false);
  });

  it('a line a model cannot run rules it out (token ids: OpenAI only; 1,536 dimensions: not Titan or Cohere)', () => {
    const runs = (body: Record<string, unknown>) =>
      candidates
        .filter((c) => {
          try {
            c.check.convert(body as never);
            return true;
          } catch {
            return false;
          }
        })
        .map((c) => c.model);
    expect(runs({ input: [1, 2, 3] }).every((m) => m.startsWith('text-embedding-'))).toBe(true);
    const dims1536 = runs({ input: 'hello', dimensions: 1536 });
    expect(dims1536).toEqual(expect.arrayContaining(['text-embedding-3-small', 'gemini-embedding-001']));
    expect(dims1536).not.toContain('amazon.titan-embed-text-v2:0');
    expect(dims1536).not.toContain('cohere.embed-english-v3');
  });
});
