// Spend: daily cost and savings by provider, model or key over a chosen range (GET /finops/usage with
// interval=day), each key's budget use this month as a gauge (GET /finops/budgets), and a CSV export.
import { useMemo, useState } from 'preact/hooks';
import { saveBlob, type Api } from '../api';
import { DailyChart } from '../chart';
import { ErrorMessage, Money, PageTitle } from '../components';
import { formatUsd, spendSeries, usageCsv } from '../format';
import { useLoad } from '../hooks';
import type { BudgetReport, GroupBy, UsageReport } from '../types';

const percent = (fraction: number | null) => `${((fraction ?? 0) * 100).toFixed((fraction ?? 0) < 0.1 ? 1 : 0)} %`;
const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

export function SpendPage({ api }: { api: Api }) {
  const [start, setStart] = useState(daysAgo(13));
  const [end, setEnd] = useState(today());
  const [groupBy, setGroupBy] = useState<GroupBy>('provider');
  const usage = useLoad(
    () => api.get<UsageReport>('/finops/usage', { start, end, group_by: groupBy, interval: 'day' }),
    [start, end, groupBy],
  );
  const budgets = useLoad(() => api.get<BudgetReport>('/finops/budgets'), []);
  const series = useMemo(() => (usage.data ? spendSeries(usage.data, groupBy) : null), [usage.data, groupBy]);
  const cost = useMemo(() => series?.groups.map((g) => ({ label: g.label, values: g.cost })) ?? [], [series]);
  const savings = useMemo(() => series?.groups.map((g) => ({ label: g.label, values: g.savings })) ?? [], [series]);
  const input = (set: (v: string) => void) => (e: Event) => {
    const value = (e.target as HTMLInputElement).value;
    if (value) set(value);
  };
  return (
    <section aria-labelledby="spend-title">
      <PageTitle>
        <span id="spend-title">Spend</span>
      </PageTitle>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          From
          <input type="date" value={start} max={end} onChange={input(setStart)} />
        </label>
        <label>
          To
          <input type="date" value={end} min={start} onChange={input(setEnd)} />
        </label>
        <label>
          Group by
          <select value={groupBy} onChange={(e) => setGroupBy((e.target as HTMLSelectElement).value as GroupBy)}>
            <option value="provider">provider</option>
            <option value="model">model</option>
            <option value="key">key</option>
          </select>
        </label>
        <button
          type="button"
          disabled={!usage.data}
          onClick={() =>
            usage.data &&
            saveBlob(new Blob([usageCsv(usage.data, groupBy)], { type: 'text/csv' }), `finops-usage_${start}_${end}_by-${groupBy}.csv`)
          }
        >
          Export CSV
        </button>
      </form>
      <ErrorMessage>{usage.error}</ErrorMessage>
      {usage.data && series ? (
        <>
          <p class="totals">
            Total <strong>{formatUsd(usage.data.total.cost_usd)}</strong> spent, <strong>{formatUsd(usage.data.total.savings_usd)}</strong>{' '}
            saved by batching ({usage.data.total.batches} batches).
          </p>
          <div class="charts">
            <DailyChart title="Daily cost (USD)" x={series.x} series={cost} />
            <DailyChart title="Daily savings (USD)" x={series.x} series={savings} />
          </div>
          <table class="data" aria-label={`Spend by ${groupBy}`}>
            <thead>
              <tr>
                <th scope="col">{groupBy}</th>
                <th scope="col" class="num">
                  Cost
                </th>
                <th scope="col" class="num">
                  Saving
                </th>
              </tr>
            </thead>
            <tbody>
              {series.groups.map((g) => (
                <tr>
                  <th scope="row" class="mono">
                    {g.label}
                  </th>
                  <td class="num">
                    <Money value={g.cost.reduce((a, b) => a + b, 0)} />
                  </td>
                  <td class="num">
                    <Money value={g.savings.reduce((a, b) => a + b, 0)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {series.groups.length === 0 ? <p class="empty">No finished batches in this range.</p> : null}
        </>
      ) : usage.loading ? (
        <p>Loading…</p>
      ) : null}
      <h2>Budgets this month{budgets.data ? ` (${budgets.data.month})` : ''}</h2>
      <ErrorMessage>{budgets.error}</ErrorMessage>
      <ul class="budgets">
        {budgets.data?.data.map((k) => (
          <li>
            <span class="budget-name">
              {k.name} <span class="mono muted">{k.key_id}</span>
              {k.revoked ? <span class="muted"> (revoked)</span> : null}
            </span>
            {k.monthly_budget_usd === null ? (
              <span class="muted">no budget · {formatUsd(k.spent_usd)} spent</span>
            ) : (
              <>
                <meter
                  id={`meter-${k.key_id}`}
                  min={0}
                  max={k.monthly_budget_usd}
                  low={k.monthly_budget_usd * 0.75}
                  high={k.monthly_budget_usd * 0.9}
                  optimum={0}
                  value={Math.min(k.monthly_budget_usd, k.spent_usd + k.reserved_usd)}
                  aria-label={`Budget used by ${k.name}`}
                />
                <span>
                  {formatUsd(k.spent_usd)} spent + {formatUsd(k.reserved_usd)} reserved of {formatUsd(k.monthly_budget_usd)} (
                  {percent(k.used_fraction)})
                </span>
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
