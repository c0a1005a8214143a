// The usage report as a console table and as CSV (`npm run report`). Pure.
import type { UsageReport, UsageReportLine } from './report';

interface Column {
  header: string;
  value: (line: UsageReportLine) => string;
  /** Right-aligned in the table (numbers). */
  numeric?: boolean;
}

const usd = (micros: number) => (micros / 1_000_000).toFixed(6);

function columnsFor(report: UsageReport): Column[] {
  const keys: Column[] = {
    provider: [{ header: 'provider', value: (l: UsageReportLine) => l.provider ?? '' }],
    model: [
      { header: 'provider', value: (l: UsageReportLine) => l.provider ?? '' },
      { header: 'model', value: (l: UsageReportLine) => l.model ?? '' },
    ],
    key: [{ header: 'key_id', value: (l: UsageReportLine) => l.key_id ?? '' }],
    day: [{ header: 'date', value: (l: UsageReportLine) => l.date ?? '' }],
    endpoint: [{ header: 'endpoint', value: (l: UsageReportLine) => l.endpoint ?? '' }],
  }[report.group_by];
  const n = (header: string, value: (l: UsageReportLine) => number | string): Column => ({
    header,
    value: (l) => String(value(l)),
    numeric: true,
  });
  return [
    ...keys,
    n('batches', (l) => l.batches),
    n('completed', (l) => l.batches_by_status.completed),
    n('failed', (l) => l.batches_by_status.failed),
    n('expired', (l) => l.batches_by_status.expired),
    n('cancelled', (l) => l.batches_by_status.cancelled),
    n('requests_ok', (l) => l.requests.completed),
    n('requests_failed', (l) => l.requests.failed),
    n('input_tokens', (l) => l.input_tokens),
    n('cached_input_tokens', (l) => l.cached_input_tokens),
    n('output_tokens', (l) => l.output_tokens),
    n('total_tokens', (l) => l.total_tokens),
    n('cost_usd', (l) => usd(l.cost_micro_usd)),
    n('on_demand_cost_usd', (l) => usd(l.on_demand_cost_micro_usd)),
    n('savings_usd', (l) => usd(l.savings_micro_usd)),
    n('unpriced_batches', (l) => l.unpriced_batches),
  ];
}

/** A fixed-width table with a TOTAL line. */
export function formatReportTable(report: UsageReport): string {
  const columns = columnsFor(report);
  const totalLine: string[] = columns.map((c, i) => (i === 0 ? 'TOTAL' : c.numeric ? c.value(report.total) : ''));
  const rows = report.data.map((line) => columns.map((c) => c.value(line)));
  const widths = columns.map((c, i) => Math.max(c.header.length, totalLine[i].length, ...rows.map((r) => r[i].length)));
  const render = (cells: string[]) =>
    cells.map((cell, i) => (columns[i].numeric ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const title = `FinOps usage ${report.start} .. ${report.end} by ${report.group_by} (${report.currency})`;
  const body = rows.length ? rows.map(render) : ['(no finished batches in this range)'];
  return [title, '', render(columns.map((c) => c.header)), rule, ...body, rule, render(totalLine)].join('\n');
}

function csvCell(value: string): string {
  // Quote what CSV needs quoted; prefix what a spreadsheet would run as a formula.
  const safe = /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180 CSV: a header line, one line per group, and a TOTAL line. */
export function formatReportCsv(report: UsageReport): string {
  const columns = columnsFor(report);
  const lines = [
    columns.map((c) => c.header),
    ...report.data.map((l) => columns.map((c) => c.value(l))),
    columns.map((c, i) => (i === 0 ? 'TOTAL' : c.numeric ? c.value(report.total) : '')),
  ];
  return `${lines.map((cells) => cells.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
