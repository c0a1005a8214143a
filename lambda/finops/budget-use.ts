// How much of its monthly budget each of a tenant's keys has used (GET /finops/budgets, the web
// console's gauges). The same three numbers the budget guard (lambda/finops/budget.ts) works from:
// the budget, this month's spend from the daily aggregates, and what the key's running batches reserved.
import type { ApiKeyRecord } from '#contracts/records';
import { microsToUsd, usdToMicros } from './cost';
import type { UsageRow } from './usage-rows';

export interface KeyBudgetUse {
  object: 'finops.key_budget';
  key_id: string;
  name: string;
  revoked: boolean;
  /** null: the key has no budget (nothing is refused for cost). */
  monthly_budget_usd: number | null;
  spent_usd: number;
  reserved_usd: number;
  /** Budget − spent − reserved, never below 0; null without a budget. */
  remaining_usd: number | null;
  /** (spent + reserved) / budget; above 1 when finished batches cost more than the budget; null without a budget. */
  used_fraction: number | null;
}

export interface BudgetUseReport {
  object: 'list';
  month: string;
  currency: 'USD';
  data: KeyBudgetUse[];
}

/** Pure: the keys (already the caller's tenant's), the tenant's usage rows of the month, and each key's reservation. */
export function budgetUse(
  month: string,
  keys: readonly ApiKeyRecord[],
  rows: readonly UsageRow[],
  reservedMicros: ReadonlyMap<string, number>,
): BudgetUseReport {
  const spent = new Map<string, number>();
  for (const row of rows) if (row.date.startsWith(`${month}-`)) spent.set(row.keyId, (spent.get(row.keyId) ?? 0) + row.cost_micro_usd);
  const data = [...keys]
    .sort((a, b) => a.createdAt - b.createdAt || a.keyId.localeCompare(b.keyId))
    .map((key): KeyBudgetUse => {
      const spentMicros = spent.get(key.keyId) ?? 0;
      const reserved = Math.max(0, reservedMicros.get(key.keyId) ?? 0);
      const budget = typeof key.monthlyBudgetUsd === 'number' ? usdToMicros(key.monthlyBudgetUsd) : null;
      return {
        object: 'finops.key_budget',
        key_id: key.keyId,
        name: key.name,
        revoked: Boolean(key.revokedAt),
        monthly_budget_usd: budget === null ? null : microsToUsd(budget),
        spent_usd: microsToUsd(spentMicros),
        reserved_usd: microsToUsd(reserved),
        remaining_usd: budget === null ? null : microsToUsd(Math.max(0, budget - spentMicros - reserved)),
        used_fraction: budget === null ? null : budget === 0 ? 1 : Math.round(((spentMicros + reserved) / budget) * 1e6) / 1e6,
      };
    });
  return { object: 'list', month, currency: 'USD', data };
}
