// Cost arithmetic, pure and in integers: token counts × pico-dollar prices (BigInt, exact), rounded
// once per model to micro-dollars (half up). A batch's cost is the sum of its models' micro-dollars,
// so per-batch costs and the daily aggregates always add up to the same number.
import type { BatchUsage, ModelCostShare } from '#contracts/openai-types';
import type { CostSummary } from '#contracts/records';
import type { ModelPrice, PriceTable } from './prices';
import type { ProviderName } from '#contracts/records';

const PICO_PER_MICRO = 1_000_000n;
const PPM = 1_000_000n;

/** Rounds a non-negative quotient half up. */
function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

export type { RunMode } from '#contracts/records';
import type { RunMode } from '#contracts/records';

export interface ModelCost {
  /** What the batch cost at batch prices (on-demand prices for runMode on_demand). */
  costMicros: number;
  /** The same tokens at on-demand prices. */
  onDemandCostMicros: number;
  savingsMicros: number;
}

/** Non-negative integer token count; anything else (missing, negative, fractional) counts as 0. */
function tokens(value: number | undefined): bigint {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? BigInt(value) : 0n;
}

/**
 * The cost of one model's usage. `input_tokens` include the cached ones (OpenAI's convention, which
 * every adapter follows): cached tokens are priced at the cached rate, the rest at the input rate.
 */
export function costOfUsage(price: ModelPrice, usage: BatchUsage, runMode: RunMode = 'batch'): ModelCost {
  const input = tokens(usage.input_tokens);
  const cachedReported = tokens(usage.input_tokens_details?.cached_tokens);
  const cached = cachedReported > input ? input : cachedReported;
  const output = tokens(usage.output_tokens);
  const onDemandPico = (input - cached) * price.inputPico + cached * price.cachedInputPico + output * price.outputPico;
  const discount = runMode === 'batch' ? price.batchDiscountPpm : 0n;
  const onDemandMicros = divideRoundHalfUp(onDemandPico, PICO_PER_MICRO);
  const costMicros = divideRoundHalfUp(onDemandPico * (PPM - discount), PICO_PER_MICRO * PPM);
  return { costMicros: Number(costMicros), onDemandCostMicros: Number(onDemandMicros), savingsMicros: Number(onDemandMicros - costMicros) };
}

export const microsToUsd = (micros: number): number => micros / 1_000_000;

/** USD (float) → whole micro-dollars; for prices and budgets typed by people. */
export const usdToMicros = (usd: number): number => Math.round(usd * 1_000_000);

export interface PricedModels {
  /** Cost per model key of usageByModel; absent for models the table does not price. */
  byModel: Record<string, ModelCost>;
  /** Models without a price. */
  unpriced: string[];
  /** The whole batch, or null when any of its models is unpriced (a partial sum would be a wrong cost). */
  summary: CostSummary | null;
  totalMicros: { cost: number; onDemand: number; savings: number } | null;
}

/**
 * Prices a finished batch's usage. `models` lists models to price even without usage (a batch whose
 * every request failed still has a model); its cost is then 0 when the model is known.
 */
export function priceBatchUsage(
  table: PriceTable,
  provider: ProviderName,
  usageByModel: Record<string, BatchUsage>,
  runMode: RunMode,
  models: string[] = [],
  /** A model run otherwise than the batch (one job of a mixed-model batch ran on demand). */
  runModes: Record<string, RunMode> = {},
): PricedModels {
  const byModel: Record<string, ModelCost> = {};
  const unpriced: string[] = [];
  const names = new Set([...Object.keys(usageByModel), ...models]);
  let cost = 0;
  let onDemand = 0;
  for (const model of names) {
    const price = table.lookup(provider, model);
    if (!price) {
      unpriced.push(model);
      continue;
    }
    const usage = usageByModel[model];
    const modelCost = usage
      ? costOfUsage(price, usage, runModes[model] ?? runMode)
      : { costMicros: 0, onDemandCostMicros: 0, savingsMicros: 0 };
    byModel[model] = modelCost;
    cost += modelCost.costMicros;
    onDemand += modelCost.onDemandCostMicros;
  }
  if (unpriced.length > 0 || names.size === 0) return { byModel, unpriced, summary: null, totalMicros: null };
  return {
    byModel,
    unpriced,
    totalMicros: { cost, onDemand, savings: onDemand - cost },
    summary: {
      currency: 'USD',
      cost_usd: microsToUsd(cost),
      on_demand_cost_usd: microsToUsd(onDemand),
      savings_usd: microsToUsd(onDemand - cost),
      price_version: table.version,
    },
  };
}

/** Each model's share of a batch of several models (the batch's finops.by_model). */
export function costShares(byModel: Record<string, ModelCost>, usageByModel: Record<string, BatchUsage>): Record<string, ModelCostShare> {
  return Object.fromEntries(
    Object.entries(byModel).map(([model, c]) => [
      model,
      {
        input_tokens: usageByModel[model]?.input_tokens ?? 0,
        output_tokens: usageByModel[model]?.output_tokens ?? 0,
        cost_usd: microsToUsd(c.costMicros),
        on_demand_cost_usd: microsToUsd(c.onDemandCostMicros),
        savings_usd: microsToUsd(c.savingsMicros),
      },
    ]),
  );
}
