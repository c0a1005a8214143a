// The console's pure helpers (console/src/format.ts, api.ts): what users read and what the CSV holds.
import {
  daysBetween,
  executionUrl,
  formatBytes,
  formatDuration,
  formatUsd,
  progressOf,
  spendSeries,
  timelineOf,
  usageCsv,
} from '#console/src/format';
import { apiBase } from '#console/src/api';
import type { Batch, UsageLine, UsageReport } from '#console/src/types';

test.each([
  [0, '$0.00'],
  [0.000025, '$0.000025'],
  [0.0421, '$0.0421'],
  [12.5, '$12.50'],
  [null, '—'],
])('formatUsd(%p) = %s', (value, text) => expect(formatUsd(value)).toBe(text));

test.each([
  [187, '187 B'],
  [3300, '3.3 kB'],
  [45_000_000, '45 MB'],
  [2_100_000_000, '2.1 GB'],
])('formatBytes(%p) = %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

test.each([
  [4.7, '4 s'],
  [59, '59 s'],
  [180, '3 min'],
  [3600, '1 h'],
  [7500, '2 h 5 min'],
  [4 * 86_400 + 5, '4 d'],
  [-3, '0 s'],
])('formatDuration(%p) = %s', (seconds, text) => expect(formatDuration(seconds)).toBe(text));

test.each([
  [null, { done: 0, total: 0, fraction: 0 }],
  [
    { total: 0, completed: 0, failed: 0 },
    { done: 0, total: 0, fraction: 0 },
  ],
  [
    { total: 4, completed: 1, failed: 1 },
    { done: 2, total: 4, fraction: 0.5 },
  ],
  [
    { total: 3, completed: 3, failed: 1 },
    { done: 3, total: 3, fraction: 1 },
  ],
])('progressOf(%p)', (counts, expected) => expect(progressOf(counts)).toEqual(expected));

const batch = (patch: Partial<Batch>): Batch =>
  ({
    id: 'batch_x',
    status: 'in_progress',
    created_at: 100,
    in_progress_at: null,
    finalizing_at: null,
    completed_at: null,
    failed_at: null,
    expired_at: null,
    cancelling_at: null,
    cancelled_at: null,
    ...patch,
  }) as Batch;

test('timeline: the steps reached with their times, then the terminal state', () => {
  expect(timelineOf(batch({ in_progress_at: 110 }))).toEqual([
    { label: 'created', at: 100 },
    { label: 'in progress', at: 110 },
    { label: 'finalizing', at: null },
    { label: 'finished', at: null },
  ]);
  expect(timelineOf(batch({ in_progress_at: 110, finalizing_at: 150, completed_at: 160 })).map((s) => s.label)).toEqual([
    'created',
    'in progress',
    'finalizing',
    'completed',
  ]);
  expect(timelineOf(batch({ in_progress_at: 110, cancelling_at: 120, cancelled_at: 130 }))).toEqual([
    { label: 'created', at: 100 },
    { label: 'in progress', at: 110 },
    { label: 'finalizing', at: null },
    { label: 'cancelling', at: 120 },
    { label: 'cancelled', at: 130 },
  ]);
  expect(timelineOf(batch({ failed_at: 105 })).pop()).toEqual({ label: 'failed', at: 105 });
  expect(timelineOf(batch({ expired_at: 105 })).pop()).toEqual({ label: 'expired', at: 105 });
});

test('execution link: the template with the batch id, or none', () => {
  expect(executionUrl('https://c/#/v2/executions/details/arn:x:{batch_id}', 'batch_abc')).toBe(
    'https://c/#/v2/executions/details/arn:x:batch_abc',
  );
  expect(executionUrl(null, 'batch_abc')).toBeNull();
});

test.each([
  ['/console', '/openai'],
  ['/console/', '/openai'],
  ['/prod/console', '/prod/openai'],
])('API base of a page at %s is %s', (path, base) => expect(apiBase(path)).toBe(base));

test('daysBetween is inclusive and crosses months', () => {
  expect(daysBetween('2026-11-29', '2026-12-02')).toEqual(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']);
  expect(daysBetween('2026-12-02', '2026-12-02')).toEqual(['2026-12-02']);
});

const line = (date: string, provider: string, model: string, costMicros: number, savingsMicros: number, key = 'key_a'): UsageLine => ({
  date,
  provider,
  model,
  key_id: key,
  batches: 1,
  input_tokens: 10,
  output_tokens: 20,
  cost_usd: costMicros / 1e6,
  on_demand_cost_usd: (costMicros + savingsMicros) / 1e6,
  savings_usd: savingsMicros / 1e6,
  cost_micro_usd: costMicros,
  savings_micro_usd: savingsMicros,
});
const report = (data: UsageLine[]): UsageReport => ({ start: '2026-12-01', end: '2026-12-03', group_by: 'provider', data, total: data[0] });

test('spendSeries: one cost and savings series per group, zero on days without use, days outside the range ignored', () => {
  const series = spendSeries(
    report([
      line('2026-12-01', 'openai', 'gpt-4o-mini', 25, 24),
      line('2026-12-03', 'openai', 'gpt-4o-mini', 12, 12),
      line('2026-12-03', 'bedrock', 'nova', 7, 7),
      line('2026-11-30', 'openai', 'x', 99, 99),
    ]),
    'provider',
  );
  expect(series.days).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
  expect(series.x).toEqual([Date.UTC(2026, 11, 1) / 1000, Date.UTC(2026, 11, 2) / 1000, Date.UTC(2026, 11, 3) / 1000]);
  expect(series.groups).toEqual([
    { label: 'bedrock', cost: [0, 0, 0.000007], savings: [0, 0, 0.000007] },
    { label: 'openai', cost: [0.000025, 0, 0.000012], savings: [0.000024, 0, 0.000012] },
  ]);
  expect(spendSeries(report([line('2026-12-01', 'openai', 'gpt-4o-mini', 25, 24)]), 'model').groups[0].label).toBe('openai / gpt-4o-mini');
  expect(spendSeries(report([line('2026-12-01', 'openai', 'gpt-4o-mini', 25, 24, 'key_b')]), 'key').groups[0].label).toBe('key_b');
});

test('usageCsv: a header and a row per day and group, exact dollars, spreadsheet formulas defused', () => {
  const csv = usageCsv(
    report([line('2026-12-01', 'openai', 'gpt-4o-mini', 25, 24), line('2026-12-02', 'openai', '=HYPERLINK("x")', 1, 0)]),
    'model',
  );
  expect(csv.trim().split('\n')).toEqual([
    'date,provider,model,batches,input_tokens,output_tokens,cost_usd,on_demand_cost_usd,savings_usd',
    '2026-12-01,openai,gpt-4o-mini,1,10,20,0.000025,0.000049,0.000024',
    `2026-12-02,openai,"'=HYPERLINK(""x"")",1,10,20,0.000001,0.000001,0`,
  ]);
  expect(usageCsv(report([line('2026-12-01', 'openai', 'm', 25, 24, 'key_z')]), 'key').split('\n')[1]).toBe(
    '2026-12-01,key_z,1,10,20,0.000025,0.000049,0.000024',
  );
});
