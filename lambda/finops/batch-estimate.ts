// The bill before you pay: what a batch will cost and save, on its provider and (with `compare`) on
// every other provider and model that can run it. Pure over the requests it is given; the route
// (lambda/handlers/finops-estimate.ts) and batches.create's dry_run stream them in.
//
// The range: input tokens are counted (tokenizer) or approximated (see lambda/finops/tokens.ts; the
// approximation spans APPROXIMATION_RANGE around its value); output tokens run from 0 to the requests'
// caps (max_completion_tokens / max_tokens, n ×; FINOPS_BUDGET_DEFAULT_OUTPUT_TOKENS when unset, as the
// budget guard assumes). Low = fewest input tokens and no output; high = most input tokens and every
// cap reached. Both at the price table's batch (or, below Bedrock's job minimum, on-demand) prices.
import type { BatchRequestInput, BatchUsage, ChatCompletionRequest } from '#contracts/openai-types';
import { convertLineBody } from '#lambda/providers/convert/responses-request';
import type { ProviderName } from '#contracts/records';
import { runCheckFor, type RunCheck } from '#lambda/providers/run-checks';
import { costOfUsage, microsToUsd, type RunMode } from './cost';
import { DEFAULT_OUTPUT_TOKENS, estimateRequest, expectedRunMode } from './estimate';
import { PRICE_PROVIDERS, type ModelPrice, type PriceTable } from './prices';
import { APPROXIMATION_RANGE, countInputTokens, tokenCountMethod, type TokenCountMethod } from './tokens';
import { embeddingRunCheckFor } from '#lambda/providers/embedding-run-checks';

export interface UsdRange {
  low: number;
  high: number;
}

export interface Alternative {
  provider: ProviderName;
  model: string;
  cost_usd: UsdRange;
  on_demand_cost_usd: UsdRange;
  savings_usd: UsdRange;
  token_count_method: TokenCountMethod;
}

export interface FinOpsEstimate {
  object: 'finops.estimate';
  provider: ProviderName;
  /** The model the requests will run on (one name), or null when they name several. */
  model: string | null;
  requests: number;
  input_tokens: number;
  input_tokens_range: { low: number; high: number };
  max_output_tokens: number;
  cost_usd: UsdRange;
  on_demand_cost_usd: UsdRange;
  savings_usd: UsdRange;
  run_mode: RunMode;
  price_version: string;
  budget_remaining_usd: number | null;
  token_count_method: TokenCountMethod | 'mixed';
  alternatives?: Alternative[];
}

/** A model the price table cannot price: the estimate cannot be made (never a guess). */
export class UnpricedModelError extends Error {
  override readonly name = 'UnpricedModel';
  constructor(
    readonly provider: ProviderName,
    readonly models: string[],
  ) {
    super(`no ${provider} price for ${models.map((m) => JSON.stringify(m)).join(', ')}`);
  }
}

interface ModelTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const bodyOf = (request: unknown) =>
  isRecord(request) ? (isRecord(request.body) ? request.body : isRecord(request.params) ? request.params : null) : null;
const isEmbeddingModel = (model: string) => /embed/i.test(model);

/**
 * Running totals while the requests stream by: per model for the batch's own provider, per token
 * count method for the alternatives, and which converter groups refused some request.
 */
export class EstimateAccumulator {
  readonly byModel = new Map<string, ModelTotals>();
  /** Input tokens of every request by method (alternatives run every request on one model). */
  readonly inputByMethod = new Map<TokenCountMethod, number>();
  outputTokens = 0;
  requests = 0;
  /** Converter groups that refused a request, with the first reason. */
  readonly refused = new Map<string, string>();

  constructor(
    readonly provider: ProviderName,
    /** extra_body.model: wins over the requests' own model, as it does when the batch is created. */
    private readonly batchModel: string | null,
    private readonly alternatives: Array<{ provider: ProviderName; model: string; check: RunCheck }>,
    private readonly defaultOutputTokens = DEFAULT_OUTPUT_TOKENS,
    /** false: the approximation for every model (a file too large to tokenize within the request). */
    readonly tokenizer = true,
  ) {}

  add(request: unknown): void {
    const approx = estimateRequest(request, this.defaultOutputTokens);
    if (!approx) return;
    this.requests += 1;
    this.outputTokens += approx.outputTokens;
    const model = this.batchModel ?? approx.model ?? '';
    const totals = this.byModel.get(model) ?? { requests: 0, inputTokens: 0, outputTokens: 0 };
    totals.requests += 1;
    totals.inputTokens += countInputTokens(request, tokenCountMethod(this.provider, model, this.tokenizer)) ?? 0;
    totals.outputTokens += approx.outputTokens;
    this.byModel.set(model, totals);
    this.addForAlternatives(request);
  }

  private addForAlternatives(request: unknown): void {
    if (this.alternatives.length === 0) return;
    const methods = new Set(this.alternatives.map((a) => tokenCountMethod(a.provider, a.model, this.tokenizer)));
    for (const method of methods)
      this.inputByMethod.set(method, (this.inputByMethod.get(method) ?? 0) + (countInputTokens(request, method) ?? 0));
    const body = bodyOf(request) as ChatCompletionRequest | null;
    const groups = new Map(this.alternatives.map((a) => [a.check.group, a.check]));
    for (const [group, check] of groups) {
      if (this.refused.has(group) || !body) continue;
      try {
        // A Responses line runs elsewhere as its translated chat body (the very path of its batch).
        convertLineBody({ ...(request as BatchRequestInput), body }, (chat) => check.convert(chat));
      } catch (err) {
        this.refused.set(group, (err as Error).message);
      }
    }
  }
}

/** Every priced chat model of every provider that the gateway can convert requests for. */
export function alternativeCandidates(
  table: PriceTable,
  inlineAnthropicRequests: boolean,
  embeddings = false,
): Array<{ provider: ProviderName; model: string; check: RunCheck }> {
  const out: Array<{ provider: ProviderName; model: string; check: RunCheck }> = [];
  for (const price of table.models()) {
    // An embeddings file compares embedding models (their own converters); any other file chat models.
    if (!PRICE_PROVIDERS.includes(price.provider) || isEmbeddingModel(price.model) !== embeddings) continue;
    if (embeddings) {
      const check = embeddingRunCheckFor(price.provider, price.model);
      if (check) out.push({ provider: price.provider, model: price.model, check });
      continue;
    }
    // Inline requests are Anthropic Message params: only Anthropic runs them as they are.
    if (inlineAnthropicRequests && price.provider !== 'anthropic') continue;
    const check = inlineAnthropicRequests
      ? { group: 'anthropic-inline', convert: () => undefined }
      : runCheckFor(price.provider, price.model);
    if (check) out.push({ provider: price.provider, model: price.model, check });
  }
  return out;
}

interface PricedRange {
  cost: [number, number];
  onDemand: [number, number];
  inputLow: number;
  inputHigh: number;
}

function inputRange(tokens: number, method: TokenCountMethod, requests: number): [number, number] {
  if (method !== 'approximation:utf8_bytes_div_4') return [tokens, tokens];
  return [
    Math.floor(tokens * APPROXIMATION_RANGE.low),
    Math.ceil(tokens * APPROXIMATION_RANGE.high) + requests * APPROXIMATION_RANGE.framingPerRequest,
  ];
}

function usage(input: number, output: number): BatchUsage {
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}

function priceRange(price: ModelPrice, totals: ModelTotals, method: TokenCountMethod, runMode: RunMode): PricedRange {
  const [inputLow, inputHigh] = inputRange(totals.inputTokens, method, totals.requests);
  const outputTokens = totals.outputTokens;
  const low = costOfUsage(price, usage(inputLow, 0), runMode);
  const high = costOfUsage(price, usage(inputHigh, outputTokens), runMode);
  return { cost: [low.costMicros, high.costMicros], onDemand: [low.onDemandCostMicros, high.onDemandCostMicros], inputLow, inputHigh };
}

const usdRange = ([low, high]: [number, number]): UsdRange => ({ low: microsToUsd(low), high: microsToUsd(high) });
const minus = (a: [number, number], b: [number, number]): [number, number] => [a[0] - b[0], a[1] - b[1]];
const plus = (a: [number, number], b: [number, number]): [number, number] => [a[0] + b[0], a[1] + b[1]];

/** The estimate of the accumulated requests. Throws UnpricedModelError when a model of the batch has no price. */
export function buildEstimate(
  acc: EstimateAccumulator,
  table: PriceTable,
  budgetRemainingMicros: number | null,
  env: NodeJS.ProcessEnv = process.env,
): FinOpsEstimate {
  const runMode = expectedRunMode(acc.provider, acc.requests, env);
  let cost: [number, number] = [0, 0];
  let onDemand: [number, number] = [0, 0];
  let inputTokens = 0;
  let input: [number, number] = [0, 0];
  const unpriced: string[] = [];
  const methods = new Set<TokenCountMethod>();
  for (const [model, totals] of acc.byModel) {
    const price = table.lookup(acc.provider, model);
    if (!price) {
      unpriced.push(model || '(none)');
      continue;
    }
    const method = tokenCountMethod(acc.provider, model, acc.tokenizer);
    methods.add(method);
    // Each model of a mixed-model file runs as its own job: a Bedrock job below the minimum runs on demand.
    const priced = priceRange(price, totals, method, acc.byModel.size > 1 ? expectedRunMode(acc.provider, totals.requests, env) : runMode);
    cost = plus(cost, priced.cost);
    onDemand = plus(onDemand, priced.onDemand);
    inputTokens += totals.inputTokens;
    input = plus(input, [priced.inputLow, priced.inputHigh]);
  }
  if (unpriced.length) throw new UnpricedModelError(acc.provider, unpriced);
  const models = [...acc.byModel.keys()];
  return {
    object: 'finops.estimate',
    provider: acc.provider,
    model: models.length === 1 ? models[0] : null,
    requests: acc.requests,
    input_tokens: inputTokens,
    input_tokens_range: { low: input[0], high: input[1] },
    max_output_tokens: acc.outputTokens,
    cost_usd: usdRange(cost),
    on_demand_cost_usd: usdRange(onDemand),
    savings_usd: usdRange(minus(onDemand, cost)),
    run_mode: runMode,
    price_version: table.version,
    budget_remaining_usd: budgetRemainingMicros === null ? null : microsToUsd(Math.max(0, budgetRemainingMicros)),
    token_count_method:
      methods.size === 1 ? [...methods][0] : methods.size === 0 ? tokenCountMethod(acc.provider, null, acc.tokenizer) : 'mixed',
  };
}

/** The alternatives: every candidate whose converter took every request, cheapest worst case first. */
export function buildAlternatives(
  acc: EstimateAccumulator,
  candidates: Array<{ provider: ProviderName; model: string; check: RunCheck }>,
  table: PriceTable,
  env: NodeJS.ProcessEnv = process.env,
): Alternative[] {
  const out: Alternative[] = [];
  for (const { provider, model, check } of candidates) {
    if (acc.refused.has(check.group)) continue;
    const price = table.lookup(provider, model);
    if (!price) continue;
    const method = tokenCountMethod(provider, model, acc.tokenizer);
    const totals = { requests: acc.requests, inputTokens: acc.inputByMethod.get(method) ?? 0, outputTokens: acc.outputTokens };
    const priced = priceRange(price, totals, method, expectedRunMode(provider, acc.requests, env));
    out.push({
      provider,
      model,
      cost_usd: usdRange(priced.cost),
      on_demand_cost_usd: usdRange(priced.onDemand),
      savings_usd: usdRange(minus(priced.onDemand, priced.cost)),
      token_count_method: method,
    });
  }
  return out.sort(
    (a, b) =>
      a.cost_usd.high - b.cost_usd.high ||
      a.cost_usd.low - b.cost_usd.low ||
      `${a.provider}/${a.model}`.localeCompare(`${b.provider}/${b.model}`),
  );
}
