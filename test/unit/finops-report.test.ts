import { buildUsageReport, parseUsageQuery, type UsageQuery } from '#lambda/finops/report';
import { formatReportCsv, formatReportTable } from '#lambda/finops/report-format';
import { finishedAt, usageDeltasForBatch, usageSortKey, zeroCounters, type UsageRow } from '#lambda/finops/usage-rows';
import { utcDate } from '#lambda/time';
import { GatewayError } from '#lambda/http/errors';
import type { BatchUsage } from '#contracts/openai-types';
import type { BatchRecord } from '#contracts/records';

const usage = (input: number, output: number, cached = 0, reasoning = 0): BatchUsage => ({
  input_tokens: input,
  input_tokens_details: { cached_tokens: cached },
  output_tokens: output,
  output_tokens_details: { reasoning_tokens: reasoning },
  total_tokens: input + output,
});

const batch = (over: Partial<BatchRecord> = {}): BatchRecord => ({
  id: 'batch_1',
  tenantId: 'tenant_a',
  keyId: 'key_1',
  provider: 'openai',
  endpoint: '/v1/chat/completions',
  completionWindow: '24h',
  inputFileId: 'file-1',
  model: 'gpt-4o-mini',
  status: 'completed',
  createdAt: 1_750_000_000,
  expiresAt: 1_750_086_400,
  inProgressAt: null,
  finalizingAt: null,
  completedAt: 1_750_000_100,
  failedAt: null,
  expiredAt: null,
  cancellingAt: null,
  cancelledAt: null,
  requestCounts: { total: 5, completed: 4, failed: 1 },
  outputFileId: null,
  errorFileId: null,
  errors: null,
  metadata: null,
  usage: null,
  providerBatchId: null,
  ...over,
});

describe('usageDeltasForBatch', () => {
  it('one row for a single-model batch, with counts, tokens and micro-dollar costs', () => {
    const deltas = usageDeltasForBatch(
      batch(),
      { 'gpt-4o-mini': usage(1000, 500, 400, 7) },
      { 'gpt-4o-mini': { costMicros: 210, onDemandCostMicros: 420, savingsMicros: 210 } },
    );
    expect(deltas).toEqual([
      {
        rowId: 'openai#gpt-4o-mini#key_1',
        row: {
          ...zeroCounters(),
          provider: 'openai',
          model: 'gpt-4o-mini',
          keyId: 'key_1',
          endpoint: '/v1/chat/completions',
          input_tokens: 1000,
          cached_input_tokens: 400,
          output_tokens: 500,
          reasoning_tokens: 7,
          total_tokens: 1500,
          cost_micro_usd: 210,
          on_demand_cost_micro_usd: 420,
          batches: 1,
          batches_completed: 1,
          requests_completed: 4,
          requests_failed: 1,
        },
      },
    ]);
  });

  it('counts the batch once, on its own model, when results name several models', () => {
    const deltas = usageDeltasForBatch(
      batch({ model: 'gpt-4o' }),
      { 'gpt-4o': usage(1, 1), 'gpt-4o-mini': usage(2, 2) },
      { 'gpt-4o': { costMicros: 6, onDemandCostMicros: 13, savingsMicros: 7 } },
    );
    expect(deltas.map((d) => [d.row.model, d.row.batches, d.row.unpriced_batches, d.row.cost_micro_usd])).toEqual([
      ['gpt-4o', 1, 0, 6],
      ['gpt-4o-mini', 0, 1, 0],
    ]);
  });

  it.each([
    ['failed', { status: 'failed', completedAt: null, failedAt: 1 }, 'batches_failed'],
    ['expired', { status: 'expired', completedAt: null, expiredAt: 1 }, 'batches_expired'],
    ['cancelled', { status: 'cancelled', completedAt: null, cancelledAt: 1 }, 'batches_cancelled'],
  ] as const)('a %s batch without usage still counts, without cost when unpriced', (_s, over, field) => {
    const [delta] = usageDeltasForBatch(batch({ ...over, model: 'mystery' }), {}, {});
    expect(delta.row[field]).toBe(1);
    expect(delta.row.batches).toBe(1);
    expect(delta.row.unpriced_batches).toBe(1);
    expect(delta.row.input_tokens).toBe(0);
  });

  it('books a batch without a key id under "unknown"', () => {
    const [delta] = usageDeltasForBatch(batch({ keyId: undefined }), {}, {});
    expect(delta.row.keyId).toBe('unknown');
  });
});

describe('day and key helpers', () => {
  it('books on the UTC day the batch finished', () => {
    expect(utcDate(finishedAt(batch({ completedAt: Date.UTC(2025, 0, 31, 23, 59, 59) / 1000 }), 0))).toBe('2025-01-31');
    expect(utcDate(finishedAt(batch({ completedAt: null, cancelledAt: Date.UTC(2025, 1, 1, 0, 0, 1) / 1000 }), 0))).toBe('2025-02-01');
    expect(utcDate(finishedAt(batch({ completedAt: null }), Date.UTC(2025, 5, 1) / 1000))).toBe('2025-06-01');
  });

  it('sort keys order by day first, so a date range is one key range', () => {
    const keys = [
      usageSortKey('2025-01-02', 'openai', 'a', 'k'),
      usageSortKey('2025-01-01', 'gemini', 'z', 'k'),
      usageSortKey('2025-01-10', 'anthropic', 'b', 'k'),
    ];
    expect([...keys].sort()).toEqual([keys[1], keys[0], keys[2]]);
    expect(keys.every((k) => k >= '2025-01-01' && k <= '2025-01-10#\uffff')).toBe(true);
  });
});

describe('parseUsageQuery', () => {
  const today = '2025-06-15';
  it.each([
    [{}, { start: '2025-06-01', end: '2025-06-15', groupBy: 'provider' }],
    [{ end: '2025-02-10' }, { start: '2025-02-01', end: '2025-02-10', groupBy: 'provider' }],
    [
      { start: '2025-01-01', end: '2025-01-31', group_by: 'model' },
      { start: '2025-01-01', end: '2025-01-31', groupBy: 'model' },
    ],
    [
      { start: '2024-02-29', end: '2024-02-29', group_by: 'key' },
      { start: '2024-02-29', end: '2024-02-29', groupBy: 'key' },
    ],
    [
      { start: '2025-01-01', end: '2026-01-01', group_by: 'day' },
      { start: '2025-01-01', end: '2026-01-01', groupBy: 'day' },
    ],
  ])('%j → %j', (query, expected) => {
    expect(parseUsageQuery(query, today)).toEqual(expected);
  });

  it.each([
    [{ start: '2025-13-01' }, 'start', 'invalid_date', "Invalid 'start': expected a date as YYYY-MM-DD (UTC)"],
    [{ start: '2025-02-30' }, 'start', 'invalid_date', '"2025-02-30"'],
    [{ end: '20250101' }, 'end', 'invalid_date', "Invalid 'end'"],
    [{ start: ['2025-01-01', '2025-01-02'] }, 'start', 'invalid_date', "Invalid 'start'"],
    [{ start: '2025-02-01', end: '2025-01-31' }, 'start', 'invalid_date_range', "'start' (2025-02-01) is after 'end' (2025-01-31)"],
    [{ start: '2024-01-01', end: '2025-01-02' }, 'end', 'invalid_date_range', 'spans 368 days; ask for at most 366 days'],
    [{ group_by: 'tenant' }, 'group_by', 'invalid_group_by', 'expected one of provider, model, key, day, endpoint, got "tenant"'],
  ])('rejects %j with a 400 naming %s', (query, param, code, message) => {
    let error: unknown;
    try {
      parseUsageQuery(query, today);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(400);
    expect((error as GatewayError).toBody().error).toMatchObject({ param, code, type: 'invalid_request_error' });
    expect((error as GatewayError).message).toContain(message);
  });
});

const row = (date: string, provider: UsageRow['provider'], model: string, keyId: string, over: Partial<UsageRow>): UsageRow => ({
  ...zeroCounters(),
  date,
  provider,
  model,
  keyId,
  ...over,
});

describe('buildUsageReport (aggregation)', () => {
  const rows: UsageRow[] = [
    row('2025-06-01', 'openai', 'gpt-4o-mini', 'key_1', {
      batches: 2,
      batches_completed: 2,
      input_tokens: 1000,
      output_tokens: 500,
      total_tokens: 1500,
      cost_micro_usd: 225,
      on_demand_cost_micro_usd: 450,
      requests_completed: 10,
    }),
    row('2025-06-02', 'openai', 'gpt-4o', 'key_2', {
      batches: 1,
      batches_failed: 1,
      input_tokens: 10,
      output_tokens: 0,
      total_tokens: 10,
      cost_micro_usd: 13,
      on_demand_cost_micro_usd: 25,
      requests_failed: 3,
    }),
    row('2025-06-02', 'anthropic', 'claude-sonnet-4-5', 'key_1', {
      batches: 1,
      batches_completed: 1,
      input_tokens: 100,
      cached_input_tokens: 50,
      output_tokens: 100,
      total_tokens: 200,
      cost_micro_usd: 900,
      on_demand_cost_micro_usd: 1800,
    }),
    row('2025-06-03', 'gemini', 'gemini-x', 'key_2', {
      batches: 1,
      batches_expired: 1,
      input_tokens: 7,
      output_tokens: 7,
      total_tokens: 14,
      unpriced_batches: 1,
    }),
  ];
  const query = (groupBy: UsageQuery['groupBy'], start = '2025-06-01', end = '2025-06-30'): UsageQuery => ({ start, end, groupBy });

  it('groups by provider, highest cost first, with exact totals', () => {
    const report = buildUsageReport(rows, query('provider'));
    expect(report.data.map((l) => [l.provider, l.batches, l.cost_micro_usd, l.savings_micro_usd])).toEqual([
      ['anthropic', 1, 900, 900],
      ['openai', 3, 238, 237],
      ['gemini', 1, 0, 0],
    ]);
    expect(report.total).toMatchObject({
      batches: 5,
      batches_by_status: { completed: 3, failed: 1, expired: 1, cancelled: 0 },
      requests: { completed: 10, failed: 3 },
      input_tokens: 1117,
      cached_input_tokens: 50,
      output_tokens: 607,
      total_tokens: 1724,
      cost_micro_usd: 1138,
      on_demand_cost_micro_usd: 2275,
      savings_micro_usd: 1137,
      cost_usd: 0.001138,
      on_demand_cost_usd: 0.002275,
      savings_usd: 0.001137,
      unpriced_batches: 1,
    });
    expect(report).toMatchObject({
      object: 'finops.usage_report',
      start: '2025-06-01',
      end: '2025-06-30',
      group_by: 'provider',
      currency: 'USD',
    });
  });

  it('groups by model (with its provider), by key and by day', () => {
    expect(buildUsageReport(rows, query('model')).data.map((l) => [l.provider, l.model])).toEqual([
      ['anthropic', 'claude-sonnet-4-5'],
      ['openai', 'gpt-4o-mini'],
      ['openai', 'gpt-4o'],
      ['gemini', 'gemini-x'],
    ]);
    expect(buildUsageReport(rows, query('key')).data.map((l) => [l.key_id, l.cost_micro_usd, l.batches])).toEqual([
      ['key_1', 1125, 3],
      ['key_2', 13, 2],
    ]);
    expect(buildUsageReport(rows, query('day')).data.map((l) => [l.date, l.batches])).toEqual([
      ['2025-06-01', 2],
      ['2025-06-02', 2],
      ['2025-06-03', 1],
    ]);
  });

  it('only counts rows inside the range', () => {
    const report = buildUsageReport(rows, query('provider', '2025-06-02', '2025-06-02'));
    expect(report.total.batches).toBe(2);
    expect(report.data.map((l) => l.provider).sort()).toEqual(['anthropic', 'openai']);
  });

  it('sums micro-dollars, not floats: 0.1 + 0.2 is exactly 0.3', () => {
    const tenths = [
      row('2025-06-01', 'openai', 'a', 'k', { cost_micro_usd: 100_000 }),
      row('2025-06-01', 'openai', 'b', 'k', { cost_micro_usd: 200_000 }),
    ];
    expect(buildUsageReport(tenths, query('provider')).total.cost_usd).toBe(0.3);
  });

  it('an empty range has no lines and zero totals', () => {
    const report = buildUsageReport([], query('model'));
    expect(report.data).toEqual([]);
    expect(report.total.batches).toBe(0);
  });

  it('renders as a table and as CSV with the same figures', () => {
    const report = buildUsageReport(rows, query('model'));
    const table = formatReportTable(report);
    expect(table.split('\n')[0]).toBe('FinOps usage 2025-06-01 .. 2025-06-30 by model (USD)');
    expect(table).toMatch(/anthropic\s+claude-sonnet-4-5\s+1\s+1\s+0\s+0\s+0/);
    expect(table).toMatch(/TOTAL\s+5\s+3\s+1\s+1\s+0\s+10\s+3\s+1117\s+50\s+607\s+1724\s+0\.001138\s+0\.002275\s+0\.001137\s+1$/);

    const csv = formatReportCsv(report).split('\r\n');
    expect(csv[0]).toBe(
      'provider,model,batches,completed,failed,expired,cancelled,requests_ok,requests_failed,input_tokens,cached_input_tokens,output_tokens,total_tokens,cost_usd,on_demand_cost_usd,savings_usd,unpriced_batches',
    );
    expect(csv[1]).toBe('anthropic,claude-sonnet-4-5,1,1,0,0,0,0,0,100,50,100,200,0.000900,0.001800,0.000900,0');
    expect(csv[5]).toBe('TOTAL,,5,3,1,1,0,10,3,1117,50,607,1724,0.001138,0.002275,0.001137,1');
    expect(csv[6]).toBe('');
  });

  it('quotes CSV cells and defuses spreadsheet formulas in names', () => {
    const report = buildUsageReport([row('2025-06-01', 'openai', '=HYPERLINK("x"),a', 'k', { batches: 1 })], query('model'));
    expect(formatReportCsv(report).split('\r\n')[1]).toMatch(/^openai,"'=HYPERLINK\(""x""\),a",1,/);
  });

  it('says so when there is nothing to show', () => {
    expect(formatReportTable(buildUsageReport([], query('key')))).toContain('(no finished batches in this range)');
  });
});
