// CloudWatch metrics as Embedded Metric Format: one structured JSON log line per finished batch and
// model, which CloudWatch Logs turns into metrics (no PutMetricData call, no extra package). Tenant,
// batch and key go in as plain properties (searchable in Logs Insights), not as dimensions, to keep
// metric cardinality bounded by providers × models.
import { FINOPS_BATCH_STATUS_METRICS, FINOPS_DIMENSIONS, FINOPS_METRICS, FINOPS_METRIC_NAMESPACE } from '#contracts/metric-names';
import { isTerminalStatus, type UsageDelta } from './usage-rows';
import { microsToUsd } from './cost';

export interface BatchMetricsContext {
  batchId: string;
  tenantId: string;
  status: string;
  priceVersion: string | null;
  timestampMs: number;
}

/** The EMF document for one aggregate row of a finished batch. Pure. */
export function emfDocument(delta: UsageDelta, ctx: BatchMetricsContext): Record<string, unknown> {
  const row = delta.row;
  const metrics: Array<{ Name: string; Unit: string }> = [];
  const values: Record<string, number> = {};
  const put = (name: string, unit: string, value: number) => {
    metrics.push({ Name: name, Unit: unit });
    values[name] = value;
  };
  put(FINOPS_METRICS.inputTokens, 'Count', row.input_tokens);
  put(FINOPS_METRICS.cachedInputTokens, 'Count', row.cached_input_tokens);
  put(FINOPS_METRICS.outputTokens, 'Count', row.output_tokens);
  // An unpriced model publishes no cost at all: a zero would read as "free".
  if (row.unpriced_batches === 0) {
    put(FINOPS_METRICS.costUsd, 'None', microsToUsd(row.cost_micro_usd));
    put(FINOPS_METRICS.onDemandCostUsd, 'None', microsToUsd(row.on_demand_cost_micro_usd));
    put(FINOPS_METRICS.savingsUsd, 'None', microsToUsd(row.on_demand_cost_micro_usd - row.cost_micro_usd));
  }
  // The batch itself is counted once, on its own model's row.
  if (row.batches > 0 && isTerminalStatus(ctx.status)) put(FINOPS_BATCH_STATUS_METRICS[ctx.status], 'Count', 1);
  return {
    _aws: {
      Timestamp: ctx.timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: FINOPS_METRIC_NAMESPACE,
          Dimensions: [[FINOPS_DIMENSIONS.provider, FINOPS_DIMENSIONS.model], [FINOPS_DIMENSIONS.provider]],
          Metrics: metrics,
        },
      ],
    },
    [FINOPS_DIMENSIONS.provider]: row.provider,
    [FINOPS_DIMENSIONS.model]: row.model,
    ...values,
    batchId: ctx.batchId,
    tenantId: ctx.tenantId,
    keyId: row.keyId,
    status: ctx.status,
    priceVersion: ctx.priceVersion,
    message: 'finops batch usage',
  };
}

/**
 * Writes the documents as single stdout lines, which is what CloudWatch's EMF extraction reads in
 * Lambda. Outside Lambda (local gateway, tests) they are only written when FINOPS_EMF=true.
 */
export function emitMetrics(
  documents: Array<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
  write: (line: string) => void = (line) => process.stdout.write(line),
): void {
  const enabled = env.FINOPS_EMF === 'true' || (env.AWS_LAMBDA_FUNCTION_NAME !== undefined && env.FINOPS_EMF !== 'false');
  if (!enabled) return;
  for (const doc of documents) write(`${JSON.stringify(doc)}\n`);
}
