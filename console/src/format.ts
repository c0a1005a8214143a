// Pure helpers of the console: numbers and times as people read them, a batch's progress and
// timeline, the spend report as chart series and CSV. No DOM here (unit-tested in Node).
import type { Batch, GroupBy, RequestCounts, UsageLine, UsageReport } from './types';

export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const abs = Math.abs(value);
  // Batches often cost fractions of a cent: keep enough digits to tell them apart.
  const digits = abs === 0 ? 2 : abs < 0.01 ? 6 : abs < 1 ? 4 : 2;
  return `$${value.toFixed(digits)}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** "45 s", "3 min", "2 h 5 min", "4 d" — how long ago (or how long), from whole seconds. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) {
    const minutes = Math.floor((s % 3600) / 60);
    return `${Math.floor(s / 3600)} h${minutes ? ` ${minutes} min` : ''}`;
  }
  return `${Math.floor(s / 86_400)} d`;
}

export function formatTime(unixSeconds: number | null | undefined): string {
  if (!unixSeconds) return '—';
  return new Date(unixSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** Share of requests finished (completed or failed), 0..1; 0 while the total is unknown. */
export function progressOf(counts: RequestCounts | null | undefined): { done: number; total: number; fraction: number } {
  const total = counts?.total ?? 0;
  const done = Math.min(total, (counts?.completed ?? 0) + (counts?.failed ?? 0));
  return { done, total, fraction: total > 0 ? done / total : 0 };
}

export interface TimelineStep {
  label: string;
  at: number | null;
}

/** created → in progress → finalizing → the terminal state (or cancelling on the way), with times. */
export function timelineOf(batch: Batch): TimelineStep[] {
  const steps: TimelineStep[] = [
    { label: 'created', at: batch.created_at },
    { label: 'in progress', at: batch.in_progress_at },
    { label: 'finalizing', at: batch.finalizing_at },
  ];
  if (batch.cancelling_at) steps.push({ label: 'cancelling', at: batch.cancelling_at });
  const terminal: TimelineStep | undefined = batch.completed_at
    ? { label: 'completed', at: batch.completed_at }
    : batch.failed_at
      ? { label: 'failed', at: batch.failed_at }
      : batch.expired_at
        ? { label: 'expired', at: batch.expired_at }
        : batch.cancelled_at
          ? { label: 'cancelled', at: batch.cancelled_at }
          : undefined;
  steps.push(terminal ?? { label: 'finished', at: null });
  return steps;
}

/** The AWS console address of a batch's execution, from the session's template (null locally). */
export function executionUrl(template: string | null | undefined, batchId: string): string | null {
  return template ? template.replace('{batch_id}', encodeURIComponent(batchId)) : null;
}

export function groupLabel(line: Pick<UsageLine, 'provider' | 'model' | 'key_id'>, groupBy: GroupBy): string {
  if (groupBy === 'model') return `${line.provider ?? '?'} / ${line.model ?? '?'}`;
  if (groupBy === 'key') return line.key_id ?? '?';
  return line.provider ?? '?';
}

/** Every day from start to end (yyyy-mm-dd, UTC), inclusive. */
export function daysBetween(start: string, end: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += 86_400_000)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

export interface SpendSeries {
  days: string[];
  /** Unix seconds of each day (uPlot's x axis). */
  x: number[];
  groups: Array<{ label: string; cost: number[]; savings: number[] }>;
}

/** A daily report (interval=day) as one cost and one savings series per group, zero on days without use. */
export function spendSeries(report: UsageReport, groupBy: GroupBy): SpendSeries {
  const days = daysBetween(report.start, report.end);
  const index = new Map(days.map((d, i) => [d, i]));
  const groups = new Map<string, { label: string; cost: number[]; savings: number[] }>();
  for (const line of report.data) {
    const label = groupLabel(line, groupBy);
    const i = index.get(line.date ?? '');
    if (i === undefined) continue;
    const group = groups.get(label) ?? { label, cost: days.map(() => 0), savings: days.map(() => 0) };
    group.cost[i] += line.cost_micro_usd / 1e6;
    group.savings[i] += line.savings_micro_usd / 1e6;
    groups.set(label, group);
  }
  return {
    days,
    x: days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000),
    groups: [...groups.values()].sort((a, b) => a.label.localeCompare(b.label)),
  };
}

function csvCell(value: string | number | undefined): string {
  const text = value === undefined ? '' : String(value);
  // Quote what needs it; a leading = + - @ is prefixed so spreadsheets never run it as a formula.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The daily report as CSV: one row per day and group, costs in USD. */
export function usageCsv(report: UsageReport, groupBy: GroupBy): string {
  const header = [
    'date',
    groupBy === 'model' ? 'provider' : groupBy === 'key' ? 'key_id' : 'provider',
    ...(groupBy === 'model' ? ['model'] : []),
    'batches',
    'input_tokens',
    'output_tokens',
    'cost_usd',
    'on_demand_cost_usd',
    'savings_usd',
  ];
  const rows = report.data.map((l) => [
    l.date,
    groupBy === 'key' ? l.key_id : l.provider,
    ...(groupBy === 'model' ? [l.model] : []),
    l.batches,
    l.input_tokens,
    l.output_tokens,
    l.cost_micro_usd / 1e6,
    (l.cost_micro_usd + l.savings_micro_usd) / 1e6,
    l.savings_micro_usd / 1e6,
  ]);
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}
