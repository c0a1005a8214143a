// The estimate's I/O: streams the input file (or takes the inline requests), reads what is left of
// the caller's budget, and answers a FinOpsEstimate. Shared by POST /finops/estimate and
// batches.create with dry_run: true. Writes nothing.
import { badRequest, GatewayError } from '#lambda/http/errors';
import { getServices } from '#lambda/runtime';
import {
  buildAlternatives,
  buildEstimate,
  alternativeCandidates,
  EstimateAccumulator,
  UnpricedModelError,
  type FinOpsEstimate,
} from './batch-estimate';
import { defaultOutputTokens, type BudgetCheckInput } from './budget';
import { usdToMicros } from './cost';
import { priceTable } from './prices';
import { finopsStore } from './store';
import { EMBEDDINGS_ENDPOINT } from '#lambda/batch-files/embeddings';

/** What the budget check reads (model: extra_body.model, which wins over the requests' own), and `compare`. */
export interface EstimateRequest extends BudgetCheckInput {
  compare?: boolean;
}

/** Budget − this month's spend − what running batches reserved; null for a key without a budget. */
export async function budgetRemainingMicros(tenantId: string, keyId: string, now = new Date()): Promise<number | null> {
  const store = finopsStore();
  const key = await store.keyById(keyId);
  const budget = key && key.tenantId === tenantId ? key.monthlyBudgetUsd : null;
  if (budget === null || budget === undefined) return null;
  const month = now.toISOString().slice(0, 7);
  const [spent, reserved] = await Promise.all([store.monthSpendMicros(tenantId, keyId, month), store.reservedMicros(keyId, month)]);
  return usdToMicros(budget) - spent - reserved;
}

/**
 * Files larger than this are estimated with the approximation for every model: OpenAI's tokenizer
 * counts about 4 MB/s on one core (measured), and the answer must come within API Gateway's 29 s.
 */
export const DEFAULT_TOKENIZER_MAX_BYTES = 40_000_000;

function tokenizerMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.FINOPS_ESTIMATE_TOKENIZER_MAX_BYTES);
  return Number.isInteger(n) && n >= 0 ? n : DEFAULT_TOKENIZER_MAX_BYTES;
}

export async function estimateBatch(input: EstimateRequest): Promise<FinOpsEstimate> {
  const table = priceTable();
  const inline = input.inlineRequests !== undefined;
  const candidates = input.compare ? alternativeCandidates(table, inline, input.inputFile?.endpoint === EMBEDDINGS_ENDPOINT) : [];
  const tokenizer = (input.inputFile?.bytes ?? 0) <= tokenizerMaxBytes();
  const acc = new EstimateAccumulator(input.provider, input.model, candidates, defaultOutputTokens(), tokenizer);
  for (const request of input.inlineRequests ?? []) acc.add(request);
  if (input.inputFile) {
    for await (const line of getServices().blobs.readLines(input.inputFile.blob)) {
      if (line.text.trim() === '') continue;
      try {
        acc.add(JSON.parse(line.text));
      } catch {
        /* validated at upload; an unparseable line runs nowhere */
      }
    }
  }
  if (acc.requests === 0)
    throw badRequest('There are no requests to estimate.', input.inputFile ? 'input_file_id' : 'requests', 'empty_batch');
  let estimate: FinOpsEstimate;
  try {
    estimate = buildEstimate(acc, table, await budgetRemainingMicros(input.tenantId, input.keyId));
  } catch (err) {
    if (!(err instanceof UnpricedModelError)) throw err;
    throw new GatewayError(
      400,
      `The price table (${table.version}) has ${err.message}, so no estimate can be made. Name a priced model with 'model', or add it to the deployment price override (FINOPS_PRICES_JSON).`,
      'invalid_request_error',
      'model',
      'unpriced_model',
    );
  }
  return input.compare ? { ...estimate, alternatives: buildAlternatives(acc, candidates, table) } : estimate;
}
