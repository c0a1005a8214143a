// The usage report (GET /finops/usage and `npm run report`), as pure functions: request parameters
// in, aggregate rows grouped and summed out. Sums are taken in integers (tokens, micro-dollars), so a
// report total equals the sum of the batches' own costs exactly.
import { badRequest } from '#lambda/http/errors';
import { microsToUsd } from './cost';
import { addCounters, CHAT_ENDPOINT, zeroCounters, type UsageCounters, type UsageRow } from './usage-rows';

export const GROUP_BY = ['provider', 'model', 'key', 'day', 'endpoint'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** The longest range one request may ask for; a year of daily rows is still one short Query. */
export const MAX_RANGE_DAYS = 366;

export interface UsageQuery {
  start: string;
  end: string;
  groupBy: GroupBy;
  /** `interval=day`: one line per day and group (a daily series per provider, model or key), days in order. */
  interval?: 'day';
}

const DAY_MS = 86_400_000;

/** yyyy-mm-dd that names a real calendar day, else null. */
function parseDay(value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === value ? ms : null;
}

function dayParam(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || parseDay(value) === null) {
    throw badRequest(
      `Invalid '${name}': expected a date as YYYY-MM-DD (UTC), got ${JSON.stringify(typeof value === 'string' ? value.slice(0, 40) : value)}.`,
      name,
      'invalid_date',
    );
  }
  return value;
}

/**
 * Validates ?start=&end=&group_by=. Defaults: end = today (UTC), start = the first day of end's month,
 * group_by = provider.
 */
export function parseUsageQuery(query: Record<string, unknown>, today: string): UsageQuery {
  const end = dayParam(query.end, 'end') ?? today;
  const start = dayParam(query.start, 'start') ?? `${end.slice(0, 7)}-01`;
  const startMs = parseDay(start)!;
  const endMs = parseDay(end)!;
  if (startMs > endMs) throw badRequest(`Invalid range: 'start' (${start}) is after 'end' (${end}).`, 'start', 'invalid_date_range');
  const days = (endMs - startMs) / DAY_MS + 1;
  if (days > MAX_RANGE_DAYS) {
    throw badRequest(
      `Invalid range: ${start}..${end} spans ${days} days; ask for at most ${MAX_RANGE_DAYS} days per request.`,
      'end',
      'invalid_date_range',
    );
  }
  const rawGroup = query.group_by ?? 'provider';
  if (typeof rawGroup !== 'string' || !(GROUP_BY as readonly string[]).includes(rawGroup)) {
    throw badRequest(
      `Invalid 'group_by': expected one of ${GROUP_BY.join(', ')}, got ${JSON.stringify(String(rawGroup).slice(0, 40))}.`,
      'group_by',
      'invalid_group_by',
    );
  }
  const interval = query.interval;
  if (interval !== undefined && interval !== '' && interval !== 'day') {
    throw badRequest(
      `Invalid 'interval': expected "day" (or none), got ${JSON.stringify(String(interval).slice(0, 40))}.`,
      'interval',
      'invalid_interval',
    );
  }
  return { start, end, groupBy: rawGroup as GroupBy, ...(interval === 'day' ? { interval: 'day' as const } : {}) };
}

/** One line of the report: the group's keys, its counts and its costs (USD and exact micro-dollars). */
export interface UsageReportLine {
  provider?: string;
  model?: string;
  key_id?: string;
  date?: string;
  /** The batch endpoint, with group_by=endpoint (`/v1/chat/completions`, `/v1/embeddings`, …). */
  endpoint?: string;
  batches: number;
  batches_by_status: { completed: number; failed: number; expired: number; cancelled: number };
  requests: { completed: number; failed: number };
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  cost_usd: number;
  on_demand_cost_usd: number;
  savings_usd: number;
  cost_micro_usd: number;
  on_demand_cost_micro_usd: number;
  savings_micro_usd: number;
  /** Batches in this group whose usage has no price: their tokens are above, their cost is not. */
  unpriced_batches: number;
}

export interface UsageReport {
  object: 'finops.usage_report';
  start: string;
  end: string;
  group_by: GroupBy;
  /** Present when the query asked for a daily series. */
  interval?: 'day';
  currency: 'USD';
  data: UsageReportLine[];
  total: UsageReportLine;
}

function groupKeys(row: UsageRow, groupBy: GroupBy): Pick<UsageReportLine, 'provider' | 'model' | 'key_id' | 'date' | 'endpoint'> {
  switch (groupBy) {
    case 'provider':
      return { provider: row.provider };
    case 'model':
      return { provider: row.provider, model: row.model };
    case 'key':
      return { key_id: row.keyId };
    case 'day':
      return { date: row.date };
    case 'endpoint':
      return { endpoint: row.endpoint ?? CHAT_ENDPOINT };
  }
}

export function toReportLine(keys: Partial<UsageReportLine>, c: UsageCounters): UsageReportLine {
  const savings = c.on_demand_cost_micro_usd - c.cost_micro_usd;
  return {
    ...keys,
    batches: c.batches,
    batches_by_status: {
      completed: c.batches_completed,
      failed: c.batches_failed,
      expired: c.batches_expired,
      cancelled: c.batches_cancelled,
    },
    requests: { completed: c.requests_completed, failed: c.requests_failed },
    input_tokens: c.input_tokens,
    cached_input_tokens: c.cached_input_tokens,
    output_tokens: c.output_tokens,
    reasoning_tokens: c.reasoning_tokens,
    total_tokens: c.total_tokens,
    cost_usd: microsToUsd(c.cost_micro_usd),
    on_demand_cost_usd: microsToUsd(c.on_demand_cost_micro_usd),
    savings_usd: microsToUsd(savings),
    cost_micro_usd: c.cost_micro_usd,
    on_demand_cost_micro_usd: c.on_demand_cost_micro_usd,
    savings_micro_usd: savings,
    unpriced_batches: c.unpriced_batches,
  };
}

/** Groups the rows of a tenant's date range; lines sorted by cost (highest first), then by their keys. */
export function buildUsageReport(rows: UsageRow[], query: UsageQuery): UsageReport {
  const groups = new Map<string, { keys: Partial<UsageReportLine>; counters: UsageCounters }>();
  const total = zeroCounters();
  for (const row of rows) {
    if (row.date < query.start || row.date > query.end) continue;
    const keys = query.interval === 'day' ? { date: row.date, ...groupKeys(row, query.groupBy) } : groupKeys(row, query.groupBy);
    const id = JSON.stringify(keys);
    const group = groups.get(id) ?? { keys, counters: zeroCounters() };
    addCounters(group.counters, row);
    addCounters(total, row);
    groups.set(id, group);
  }
  const data = [...groups.values()]
    .map((g) => toReportLine(g.keys, g.counters))
    .sort(
      (a, b) => (a.date ?? '').localeCompare(b.date ?? '') || b.cost_micro_usd - a.cost_micro_usd || lineKeys(a).localeCompare(lineKeys(b)),
    );
  const interval = query.interval ? { interval: query.interval } : {};
  return {
    object: 'finops.usage_report',
    start: query.start,
    end: query.end,
    group_by: query.groupBy,
    ...interval,
    currency: 'USD',
    data,
    total: toReportLine({}, total),
  };
}

/** A line's group keys as one comparable string (ties in cost sort by name, so output is stable). */
function lineKeys(line: UsageReportLine): string {
  return [line.provider, line.model, line.key_id, line.date, line.endpoint].map((k) => k ?? '').join('\u0000');
}
