// The API shapes the console reads: the gateway's OpenAI objects and its FinOps extensions
// (contracts/openai-types.ts, lambda/finops/report.ts, lambda/finops/budget-use.ts). Only contracts/ is
// imported, so the browser bundle never pulls in server code.

// Statuses and provider names come from contracts/ (plain data that imports nothing), so the list of
// providers the console filters by is the catalog's, never a copy that misses one.
export { BATCH_STATUSES, TERMINAL_BATCH_STATUSES as TERMINAL, type BatchStatus } from '../../contracts/openai-types';
export { PROVIDER_NAMES as PROVIDERS } from '../../contracts/providers';
import type { BatchStatus } from '../../contracts/openai-types';

export interface RequestCounts {
  total: number;
  completed: number;
  failed: number;
}

export interface BatchCost {
  currency: 'USD';
  cost_usd: number;
  on_demand_cost_usd: number;
  savings_usd: number;
  price_version?: string;
}

export interface Batch {
  id: string;
  status: BatchStatus;
  provider?: string;
  model: string | null;
  endpoint: string;
  input_file_id: string;
  output_file_id: string | null;
  error_file_id: string | null;
  completion_window: string;
  created_at: number;
  in_progress_at: number | null;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  expires_at: number | null;
  request_counts: RequestCounts | null;
  errors: { data: Array<{ code?: string | null; message?: string | null; line?: number | null; param?: string | null }> } | null;
  usage: { input_tokens?: number; output_tokens?: number; total_tokens?: number } | null;
  metadata: Record<string, string> | null;
  finops: BatchCost | null;
}

export interface FileObject {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  created_at: number;
  expires_at: number | null;
  status: string;
  status_details: string | null;
}

export interface ListPage<T> {
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export type GroupBy = 'provider' | 'model' | 'key';

export interface UsageLine {
  provider?: string;
  model?: string;
  key_id?: string;
  date?: string;
  batches: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  on_demand_cost_usd: number;
  savings_usd: number;
  cost_micro_usd: number;
  savings_micro_usd: number;
}

export interface UsageReport {
  start: string;
  end: string;
  group_by: string;
  data: UsageLine[];
  total: UsageLine;
}

export interface KeyBudget {
  key_id: string;
  name: string;
  revoked: boolean;
  monthly_budget_usd: number | null;
  spent_usd: number;
  reserved_usd: number;
  remaining_usd: number | null;
  used_fraction: number | null;
}

export interface BudgetReport {
  month: string;
  data: KeyBudget[];
}

export interface Session {
  key_id: string;
  key_name: string | null;
  tenant_id: string;
  execution_url_template: string | null;
}
