// Daily usage aggregates, as data. One DynamoDB item per tenant, UTC day, provider, model, key and endpoint:
//   pk = USAGE#<tenantId>    sk = <yyyy-mm-dd>#<provider>#<model>#<keyId>[#<endpoint>]
// The endpoint part is left out for /v1/chat/completions, so the rows written before other endpoints
// existed (all chat) are the same items; a row without an `endpoint` attribute is a chat row.
// A finished batch adds its tokens, micro-dollar costs and a count of its terminal status to the
// items of its models (atomic ADD). A report over a date range is then one Query on the tenant's
// partition, never a Scan. This file is pure: what a batch adds, and to which item.
import type { BatchUsage } from '#contracts/openai-types';
import type { BatchRecord, ProviderName } from '#contracts/records';
import type { TerminalStatus } from '#contracts/metric-names';
import type { ModelCost } from './cost';

export const usagePartitionKey = (tenantId: string) => `USAGE#${tenantId}`;
export const CHAT_ENDPOINT = '/v1/chat/completions';
const endpointSuffix = (endpoint: string | undefined) => (endpoint && endpoint !== CHAT_ENDPOINT ? `#${endpoint}` : '');
export const usageSortKey = (date: string, provider: string, model: string, keyId: string, endpoint?: string) =>
  `${date}#${provider}#${model}#${keyId}${endpointSuffix(endpoint)}`;

/** What the aggregates add up. Costs in micro-dollars (integers), so sums are exact. */
export interface UsageCounters {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  cost_micro_usd: number;
  on_demand_cost_micro_usd: number;
  /** Finished batches, counted once each (on the row of the batch's own model). */
  batches: number;
  batches_completed: number;
  batches_failed: number;
  batches_expired: number;
  batches_cancelled: number;
  /** Batches whose usage on this row has no price: their tokens are counted, their cost is not. */
  unpriced_batches: number;
  requests_completed: number;
  requests_failed: number;
}

export const COUNTER_FIELDS: ReadonlyArray<keyof UsageCounters> = [
  'input_tokens',
  'cached_input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'total_tokens',
  'cost_micro_usd',
  'on_demand_cost_micro_usd',
  'batches',
  'batches_completed',
  'batches_failed',
  'batches_expired',
  'batches_cancelled',
  'unpriced_batches',
  'requests_completed',
  'requests_failed',
];

export function zeroCounters(): UsageCounters {
  return Object.fromEntries(COUNTER_FIELDS.map((f) => [f, 0])) as unknown as UsageCounters;
}

/** One aggregate item as stored (and as read back for reports). */
export interface UsageRow extends UsageCounters {
  date: string;
  provider: ProviderName;
  model: string;
  keyId: string;
  /** The batch endpoint (`/v1/embeddings`, …) for `group_by=endpoint`; absent: /v1/chat/completions. */
  endpoint?: string;
}

/** What one batch adds to one aggregate item. */
export interface UsageDelta {
  /** Identifies the row within the batch independently of the day (see FinOpsStore.applyBatchUsage). */
  rowId: string;
  row: Omit<UsageRow, 'date'>;
}

const STATUS_FIELD: Record<TerminalStatus, keyof UsageCounters> = {
  completed: 'batches_completed',
  failed: 'batches_failed',
  expired: 'batches_expired',
  cancelled: 'batches_cancelled',
};

export function isTerminalStatus(status: string): status is TerminalStatus {
  return status in STATUS_FIELD;
}

/** When the batch reached its terminal status (the day its usage is booked on). */
export function finishedAt(batch: BatchRecord, fallbackSeconds: number): number {
  return batch.completedAt ?? batch.failedAt ?? batch.expiredAt ?? batch.cancelledAt ?? fallbackSeconds;
}

/**
 * The rows a finished batch adds: one per model that has usage (costs only where the model is
 * priced), and always one for the batch's own model, which carries the batch and request counts.
 */
export function usageDeltasForBatch(
  batch: BatchRecord,
  usageByModel: Record<string, BatchUsage>,
  costs: Record<string, ModelCost>,
): UsageDelta[] {
  const keyId = batch.keyId ?? 'unknown';
  const primary = batch.model ?? Object.keys(usageByModel)[0] ?? 'unknown';
  const models = [...new Set([primary, ...Object.keys(usageByModel)])];
  return models.map((model) => {
    const counters = zeroCounters();
    const usage = usageByModel[model];
    if (usage) {
      counters.input_tokens = usage.input_tokens;
      counters.cached_input_tokens = usage.input_tokens_details?.cached_tokens ?? 0;
      counters.output_tokens = usage.output_tokens;
      counters.reasoning_tokens = usage.output_tokens_details?.reasoning_tokens ?? 0;
      counters.total_tokens = usage.total_tokens;
    }
    const cost = costs[model];
    if (cost) {
      counters.cost_micro_usd = cost.costMicros;
      counters.on_demand_cost_micro_usd = cost.onDemandCostMicros;
    } else {
      counters.unpriced_batches = 1;
    }
    if (model === primary) {
      counters.batches = 1;
      if (isTerminalStatus(batch.status)) counters[STATUS_FIELD[batch.status]] = 1;
      counters.requests_completed = batch.requestCounts.completed;
      counters.requests_failed = batch.requestCounts.failed;
    }
    const endpoint = batch.endpoint || CHAT_ENDPOINT;
    return {
      rowId: `${batch.provider}#${model}#${keyId}${endpointSuffix(endpoint)}`,
      row: { provider: batch.provider, model, keyId, endpoint, ...counters },
    };
  });
}

/** Adds counters in place. */
export function addCounters(total: UsageCounters, more: Partial<UsageCounters>): UsageCounters {
  for (const field of COUNTER_FIELDS) total[field] += Number(more[field] ?? 0);
  return total;
}
