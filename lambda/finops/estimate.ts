// The budget guard's cost estimate for a batch that has not run yet. Pure.
//
// The documented estimate, per request:
//   input tokens  ≈ ceil(UTF-8 bytes of the request's text / 4), where the text is every string in the
//                   request body except `model` (messages, system prompt, tool definitions, schemas),
//                   a token id in an `input`/`prompt` array counts as 1 token, and an inline image
//                   (a `data:` URL) counts as IMAGE_TOKENS instead of its base64 length;
//   output tokens = n × the request's own cap (max_completion_tokens, max_tokens or max_output_tokens),
//                   or n × defaultOutputTokens when it sets none; 0 for embeddings.
// Both are priced at the model's batch price with no cache discount. Four bytes per token is the usual
// rule of thumb for English text; the output side is an upper bound, so the estimate errs high.
import { BYTES_PER_TOKEN } from '#lambda/openai/token-estimate';
import type { BatchUsage } from '#contracts/openai-types';
import type { ProviderName } from '#contracts/records';
import { adapterFor } from '#lambda/providers/registry';
import { costOfUsage, type RunMode } from './cost';
import type { PriceTable } from './prices';

export { BYTES_PER_TOKEN };
export const IMAGE_TOKENS = 1_000;
export const DEFAULT_OUTPUT_TOKENS = 4_096;

export interface RequestEstimate {
  model: string | null;
  inputTokens: number;
  outputTokens: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Bytes of text and counted tokens in a JSON value (see the header for what counts). */
function measure(value: unknown, key: string | null, acc: { bytes: number; tokens: number }): void {
  if (typeof value === 'string') {
    if (value.startsWith('data:')) acc.tokens += IMAGE_TOKENS;
    else acc.bytes += Buffer.byteLength(value, 'utf8');
  } else if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'number' && (key === 'input' || key === 'prompt')) acc.tokens += 1;
      else measure(item, key, acc);
    }
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) if (k !== 'model') measure(v, k, acc);
  }
}

function positiveInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

/**
 * Estimates one request: a batch input line ({custom_id, method, url, body}) or an inline request
 * ({custom_id, params}). Anything else yields null (validation has already rejected it upstream).
 */
export function estimateRequest(request: unknown, defaultOutputTokens = DEFAULT_OUTPUT_TOKENS): RequestEstimate | null {
  if (!isRecord(request)) return null;
  const body = isRecord(request.body) ? request.body : isRecord(request.params) ? request.params : null;
  if (!body) return null;
  const acc = { bytes: 0, tokens: 0 };
  measure(body, null, acc);
  const url = typeof request.url === 'string' ? request.url : '';
  const isEmbedding = url.endsWith('/embeddings');
  const cap =
    positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens) ?? positiveInt(body.max_output_tokens) ?? defaultOutputTokens;
  const choices = positiveInt(body.n) ?? 1;
  return {
    model: typeof body.model === 'string' && body.model !== '' ? body.model : null,
    inputTokens: Math.ceil(acc.bytes / BYTES_PER_TOKEN) + acc.tokens,
    outputTokens: isEmbedding ? 0 : cap * choices,
  };
}

/** Running totals per model while a file streams by. */
export class BatchEstimate {
  readonly byModel = new Map<string, { requests: number; inputTokens: number; outputTokens: number }>();
  requests = 0;

  /** `fallbackModel`: the batch's model (extra_body) for requests that name none. */
  constructor(
    private readonly fallbackModel: string | null,
    private readonly defaultOutputTokens = DEFAULT_OUTPUT_TOKENS,
  ) {}

  add(request: unknown): void {
    const estimate = estimateRequest(request, this.defaultOutputTokens);
    if (!estimate) return;
    this.requests += 1;
    // extra_body.model wins, as it does when the batch is created.
    const model = this.fallbackModel ?? estimate.model ?? '';
    const total = this.byModel.get(model) ?? { requests: 0, inputTokens: 0, outputTokens: 0 };
    total.requests += 1;
    total.inputTokens += estimate.inputTokens;
    total.outputTokens += estimate.outputTokens;
    this.byModel.set(model, total);
  }

  get inputTokens(): number {
    return [...this.byModel.values()].reduce((s, m) => s + m.inputTokens, 0);
  }

  get outputTokens(): number {
    return [...this.byModel.values()].reduce((s, m) => s + m.outputTokens, 0);
  }
}

export interface EstimatedCost {
  costMicros: number;
  /** Models the table cannot price; the estimate is then incomplete and must not be trusted. */
  unpriced: string[];
}

/** Prices an estimate: uncached input and the output cap at the model's price for the run mode. */
export function priceEstimate(
  table: PriceTable,
  provider: ProviderName,
  estimate: BatchEstimate,
  runMode: RunMode,
  runModeOfModel?: (requests: number) => RunMode,
): EstimatedCost {
  let costMicros = 0;
  const unpriced: string[] = [];
  for (const [model, totals] of estimate.byModel) {
    const price = table.lookup(provider, model);
    if (!price) {
      unpriced.push(model || '(none)');
      continue;
    }
    const usage: BatchUsage = {
      input_tokens: totals.inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: totals.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: totals.inputTokens + totals.outputTokens,
    };
    // Each model of a mixed-model file runs as its own job, in the run mode of its own size.
    costMicros += costOfUsage(
      price,
      usage,
      runModeOfModel && estimate.byModel.size > 1 ? runModeOfModel(totals.requests) : runMode,
    ).costMicros;
  }
  return { costMicros, unpriced };
}

/**
 * How the provider will bill it: its adapter's expectedRunMode hook (Bedrock runs batches below its job
 * minimum as on-demand calls, without the batch discount), else as a batch.
 */
export function expectedRunMode(provider: ProviderName, requests: number, env: NodeJS.ProcessEnv = process.env): RunMode {
  return adapterFor(provider).expectedRunMode?.(requests, env) ?? 'batch';
}
