// Cost accounting when a batch finishes (called by the tracker's "Collect results" step): price the
// usage per model, add it to the tenant's daily aggregates exactly once, publish CloudWatch metrics,
// and return the cost summary stored on the batch (null when a model has no price: usage without
// cost, never a wrong cost).
import type { BatchUsage } from '#contracts/openai-types';
import type { BatchRecord, CostSummary } from '#contracts/records';
import { logger } from '#lambda/runtime';
import { costShares, priceBatchUsage, type PricedModels, type RunMode } from './cost';
import { priceTable, type PriceTable } from './prices';
import { finishedAt, usageDeltasForBatch } from './usage-rows';
import { nowSeconds, utcDate } from '#lambda/time';
import { finopsStore } from './store';
import { emfDocument, emitMetrics } from './metrics';

/**
 * Batches are billed at batch prices, except work the gateway ran as individual on-demand calls
 * (a Bedrock batch below the job minimum): adapters say so with the documented metadata key
 * `run_mode: "on_demand"`.
 */
export function runModeOf(batch: Pick<BatchRecord, 'metadata'>): RunMode {
  return batch.metadata?.run_mode === 'on_demand' ? 'on_demand' : 'batch';
}

/** Prices a batch with the deployment's table; an unusable table prices nothing (and says why, loudly). */
export function priceFinishedBatch(
  batch: BatchRecord,
  usageByModel: Record<string, BatchUsage>,
  table: () => PriceTable = priceTable,
): PricedModels {
  // A mixed-model batch run as one job per model prices every job's model, each in its job's run mode.
  const models = batch.model ? [batch.model] : (batch.jobs ?? []).map((j) => j.model);
  let prices: PriceTable;
  try {
    prices = table();
  } catch (err) {
    logger.error('The price table (with its FINOPS_PRICES_* override) is invalid; recording usage without cost', err as Error);
    return { byModel: {}, unpriced: [...new Set([...models, ...Object.keys(usageByModel)])], summary: null, totalMicros: null };
  }
  const priced = priceBatchUsage(prices, batch.provider, usageByModel, runModeOf(batch), models, jobRunModes(batch));
  if (!priced.summary || Object.keys(priced.byModel).length < 2) return priced;
  // Several models: each one's share, with its requests when it ran as its own job.
  const shares = costShares(priced.byModel, usageByModel);
  for (const job of batch.jobs ?? []) if (shares[job.model]) shares[job.model].requests = job.requestCounts.total;
  return { ...priced, summary: { ...priced.summary, by_model: shares } };
}

function jobRunModes(batch: BatchRecord): Record<string, RunMode> {
  return Object.fromEntries((batch.jobs ?? []).map((j) => [j.model, runModeOf({ metadata: j.metadata ?? null })]));
}

export async function recordBatchCost(batch: BatchRecord, usageByModel: Record<string, BatchUsage>): Promise<CostSummary | null> {
  const priced = priceFinishedBatch(batch, usageByModel);
  if (priced.unpriced.length) {
    logger.warn('No price for the batch model(s): usage is recorded without cost. Add them to pricing/prices.json or FINOPS_PRICES_JSON.', {
      models: priced.unpriced,
      provider: batch.provider,
    });
  }
  const deltas = usageDeltasForBatch(batch, usageByModel, priced.byModel);
  const now = nowSeconds();
  const applied = await finopsStore().applyBatchUsage({
    batchId: batch.id,
    tenantId: batch.tenantId,
    date: utcDate(finishedAt(batch, now)),
    deltas,
    nowSeconds: now,
    // Its real cost is booked now, so what batches.create held back of the key's budget goes back.
    reservation: batch.budgetReservation ?? null,
  });
  // Metrics go out with the first application only, so a re-finalized batch is not counted twice.
  if (applied === 'applied') {
    const ctx = {
      batchId: batch.id,
      tenantId: batch.tenantId,
      status: batch.status,
      priceVersion: priced.summary?.price_version ?? null,
      timestampMs: finishedAt(batch, now) * 1000,
    };
    emitMetrics(deltas.map((delta) => emfDocument(delta, ctx)));
  }
  return priced.summary;
}
