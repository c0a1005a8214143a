// Names of the FinOps CloudWatch metrics, shared by the code that emits them (lambda/finops/metrics.ts)
// and the dashboard that graphs them (lib/finops/dashboard.ts). Plain data: no imports.

export const FINOPS_METRIC_NAMESPACE = 'FinOpsGateway';

/** Dimension sets every datapoint is published under: per provider and model, and per provider. */
export const FINOPS_DIMENSIONS = { provider: 'Provider', model: 'Model' } as const;

export const FINOPS_METRICS = {
  inputTokens: 'InputTokens',
  cachedInputTokens: 'CachedInputTokens',
  outputTokens: 'OutputTokens',
  /** USD at the price actually paid (batch prices for batch jobs). */
  costUsd: 'CostUSD',
  /** USD the same tokens would have cost on demand. */
  onDemandCostUsd: 'OnDemandCostUSD',
  savingsUsd: 'SavingsUSD',
} as const;

/** One count metric per terminal batch status (value 1 per finished batch). */
export const FINOPS_BATCH_STATUS_METRICS = {
  completed: 'BatchesCompleted',
  failed: 'BatchesFailed',
  expired: 'BatchesExpired',
  cancelled: 'BatchesCancelled',
} as const;

export type TerminalStatus = keyof typeof FINOPS_BATCH_STATUS_METRICS;
