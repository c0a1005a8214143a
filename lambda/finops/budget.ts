// Budget guard, called by batches.create before anything is sent to a provider. A key may carry a
// monthly budget in USD (ApiKeyRecord.monthlyBudgetUsd). Its spend this UTC month comes from the
// daily aggregates (finished batches); the new batch's cost is estimated from its requests
// (lambda/finops/estimate.ts, streaming the input file line by line). What is left is the budget
// minus that spend, minus the estimates of the key's batches still running, which batches.create
// reserved (FinOpsStore.reserveBudget): a batch whose estimate exceeds it is refused with 402
// insufficient_quota / budget_exceeded, and one that fits reserves its own estimate in the same
// conditional write, so creates racing for the last of a budget cannot both get it. The tracker gives
// a reservation back when it books the batch's real cost; batches.create gives it back when the
// create fails.
import { GatewayError } from '#lambda/http/errors';
import { getServices, logger } from '#lambda/runtime';
import type { BudgetReservation, FileRecord, ProviderName } from '#contracts/records';
import { nowSeconds } from '#lambda/time';
import { microsToUsd, usdToMicros } from './cost';
import { BatchEstimate, DEFAULT_OUTPUT_TOKENS, expectedRunMode, priceEstimate } from './estimate';
import { priceTable } from './prices';
import { finopsStore } from './store';

export interface BudgetCheckInput {
  tenantId: string;
  keyId: string;
  provider: ProviderName;
  model: string | null;
  inputFile: FileRecord | null;
  inlineRequests?: unknown[];
}

const usd = (micros: number) => `$${microsToUsd(micros).toFixed(6)}`;

export function budgetExceeded(details: {
  keyId: string;
  month: string;
  budgetMicros: number;
  spentMicros: number;
  /** Held back by the key's batches still running. */
  reservedMicros?: number;
  estimateMicros: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  priceVersion: string;
  onDemand: boolean;
}): GatewayError {
  const reserved = details.reservedMicros ?? 0;
  const left = Math.max(0, details.budgetMicros - details.spentMicros - reserved);
  return new GatewayError(
    402,
    `Batch refused by the budget of key ${details.keyId}: its estimated cost is ${usd(details.estimateMicros)} ` +
      `(${details.requests} request(s), about ${details.inputTokens} input tokens and at most ${details.outputTokens} output tokens ` +
      `at ${details.onDemand ? 'on-demand' : 'batch'} prices, price table ${details.priceVersion}), but only ${usd(left)} is left ` +
      `of its monthly budget of ${usd(details.budgetMicros)} for ${details.month} (${usd(details.spentMicros)} spent` +
      `${reserved > 0 ? `, ${usd(reserved)} reserved by its batches still running` : ''}). ` +
      `Lower max_tokens, split the batch, ${reserved > 0 ? 'wait for running batches to finish, ' : ''}or raise the budget.`,
    'insufficient_quota',
    null,
    'budget_exceeded',
  );
}

/** The batch's requests (inline, or every line of its input file) counted into one estimate. */
async function estimateOf(input: BudgetCheckInput): Promise<BatchEstimate> {
  const estimate = new BatchEstimate(input.model, defaultOutputTokens());
  if (input.inlineRequests) for (const request of input.inlineRequests) estimate.add(request);
  if (input.inputFile) {
    for await (const line of getServices().blobs.readLines(input.inputFile.blob)) {
      if (line.text.trim() === '') continue;
      try {
        estimate.add(JSON.parse(line.text));
      } catch {
        /* validated at upload; an unparseable line cannot cost anything */
      }
    }
  }
  return estimate;
}

/**
 * Throws a GatewayError (402) when the batch's estimated cost exceeds what is left of the key's
 * budget; otherwise reserves that estimate and returns the reservation (null for a key without a
 * budget). The caller records it on the batch, or gives it back if the create fails.
 */
export async function checkBudget(input: BudgetCheckInput): Promise<BudgetReservation | null> {
  const store = finopsStore();
  const key = await store.keyById(input.keyId);
  const budget = key && key.tenantId === input.tenantId ? key.monthlyBudgetUsd : null;
  if (budget === null || budget === undefined) return null;

  const estimate = await estimateOf(input);
  const table = priceTable();
  const runMode = expectedRunMode(input.provider, estimate.requests);
  const priced = priceEstimate(table, input.provider, estimate, runMode, (requests) => expectedRunMode(input.provider, requests));
  if (priced.unpriced.length) {
    throw new GatewayError(
      402,
      `Batch refused: key ${input.keyId} has a monthly budget, but the price table (${table.version}) has no ${input.provider} price for ` +
        `${priced.unpriced.map((m) => JSON.stringify(m)).join(', ')}, so the batch's cost cannot be checked against it. ` +
        'Add the model to the deployment price override (FINOPS_PRICES_JSON) or use a key without a budget.',
      'insufficient_quota',
      'model',
      'budget_unpriced_model',
    );
  }

  const month = new Date().toISOString().slice(0, 7);
  const spentMicros = await store.monthSpendMicros(input.tenantId, input.keyId, month);
  const budgetMicros = usdToMicros(budget);
  const reservation: BudgetReservation = { keyId: input.keyId, month, micros: priced.costMicros };
  const { reserved, reservedBeforeMicros } = await store.reserveBudget(
    reservation,
    budgetMicros - spentMicros - priced.costMicros,
    nowSeconds(),
  );
  if (!reserved) {
    throw budgetExceeded({
      keyId: input.keyId,
      month,
      budgetMicros,
      spentMicros,
      reservedMicros: reservedBeforeMicros,
      estimateMicros: priced.costMicros,
      requests: estimate.requests,
      inputTokens: estimate.inputTokens,
      outputTokens: estimate.outputTokens,
      priceVersion: table.version,
      onDemand: runMode === 'on_demand',
    });
  }
  logger.info('Batch within budget; its estimate is reserved', {
    keyId: input.keyId,
    estimateMicros: priced.costMicros,
    spentMicros,
    reservedBeforeMicros,
    budgetMicros,
  });
  return reservation;
}

/** Gives back what a create reserved when the create did not go through. Never throws: the create's own error matters more. */
export async function releaseBudget(reservation: BudgetReservation | null): Promise<void> {
  if (!reservation) return;
  await finopsStore()
    .releaseReservation(reservation)
    .catch((err) =>
      logger.error('Could not give back a budget reservation; the key has that much less until the month ends', {
        ...reservation,
        error: (err as Error).message,
      }),
    );
}

export function defaultOutputTokens(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.FINOPS_BUDGET_DEFAULT_OUTPUT_TOKENS);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_OUTPUT_TOKENS;
}
