// Budget guard, called by batches.create before anything is sent to a provider. A key may carry a
// monthly budget in USD (ApiKeyRecord.monthlyBudgetUsd). Its spend this UTC month comes from the
// daily aggregates (finished batches); the new batch's cost is estimated from its requests
// (lambda/finops/estimate.ts, streaming the input file line by line). A batch whose estimate exceeds
// what is left is refused with 402 insufficient_quota / budget_exceeded.
//
// Not counted: batches of the key still running (their cost is booked when they finish), so several
// batches created at once can together exceed the budget by what they were each allowed.
import { GatewayError } from '../http/errors';
import { getServices, logger } from '../runtime';
import type { FileRecord, ProviderName } from '../store/records';
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
  estimateMicros: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  priceVersion: string;
  onDemand: boolean;
}): GatewayError {
  const left = Math.max(0, details.budgetMicros - details.spentMicros);
  return new GatewayError(
    402,
    `Batch refused by the budget of key ${details.keyId}: its estimated cost is ${usd(details.estimateMicros)} ` +
      `(${details.requests} request(s), about ${details.inputTokens} input tokens and at most ${details.outputTokens} output tokens ` +
      `at ${details.onDemand ? 'on-demand' : 'batch'} prices, price table ${details.priceVersion}), but only ${usd(left)} is left ` +
      `of its monthly budget of ${usd(details.budgetMicros)} for ${details.month} (${usd(details.spentMicros)} spent). ` +
      'Lower max_tokens, split the batch, or raise the budget.',
    'insufficient_quota',
    null,
    'budget_exceeded',
  );
}

/** Throws a GatewayError (402) when the batch's estimated cost exceeds what is left of the key's budget. */
export async function checkBudget(input: BudgetCheckInput): Promise<void> {
  const store = finopsStore();
  const key = await store.keyById(input.keyId);
  const budget = key && key.tenantId === input.tenantId ? key.monthlyBudgetUsd : null;
  if (budget === null || budget === undefined) return;

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

  const table = priceTable();
  const runMode = expectedRunMode(input.provider, estimate.requests);
  const priced = priceEstimate(table, input.provider, estimate, runMode);
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
  if (priced.costMicros > budgetMicros - spentMicros) {
    throw budgetExceeded({
      keyId: input.keyId,
      month,
      budgetMicros,
      spentMicros,
      estimateMicros: priced.costMicros,
      requests: estimate.requests,
      inputTokens: estimate.inputTokens,
      outputTokens: estimate.outputTokens,
      priceVersion: table.version,
      onDemand: runMode === 'on_demand',
    });
  }
  logger.info('Batch within budget', { keyId: input.keyId, estimateMicros: priced.costMicros, spentMicros, budgetMicros });
}

function defaultOutputTokens(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.FINOPS_BUDGET_DEFAULT_OUTPUT_TOKENS);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_OUTPUT_TOKENS;
}
