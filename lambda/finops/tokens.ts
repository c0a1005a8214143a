// Counting a request's input tokens before it runs. Pure.
//
// OpenAI models: with OpenAI's own BPE encodings (o200k_base for GPT-4o, GPT-4.1, GPT-5.x and the
// o-series; cl100k_base for GPT-4, GPT-4 Turbo and GPT-3.5), through gpt-tokenizer, a maintained
// pure-JavaScript port of tiktoken (npmjs.com/package/gpt-tokenizer). A chat request is framed as
// OpenAI's cookbook counts it ("How to count tokens with tiktoken", num_tokens_from_messages):
// 3 tokens per message plus its role and content, 1 more for a `name`, and 3 that prime the reply.
// Tool definitions, schemas and other text fields count as their text; images as IMAGE_TOKENS.
//
// Anthropic, Bedrock and Gemini publish no offline tokenizer for their current models (Anthropic's
// @anthropic-ai/tokenizer is the pre-Claude-3 one and says so; Anthropic and Gemini count through
// an API call), so their tokens are the documented approximation of lambda/finops/estimate.ts:
// UTF-8 bytes / 4 (Google's Gemini docs: "a token is equivalent to about 4 characters").
// The approximation's range (APPROXIMATION_RANGE) is stated with every estimate.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ENCODINGS_DIR, type TokenizerEncoding } from '#contracts/bundles';
import { estimateRequest, IMAGE_TOKENS } from './estimate';
import type { ProviderName } from '#contracts/records';

export type TokenCountMethod = 'tokenizer:o200k_base' | 'tokenizer:cl100k_base' | 'approximation:utf8_bytes_div_4';

/**
 * How far the approximation may be from the provider's count (input tokens only): from `low` × it to
 * `high` × it plus `framingPerRequest` tokens per request, for the message framing a provider adds
 * (role markers, turn separators), which dominates a short prompt.
 */
export const APPROXIMATION_RANGE = { low: 0.75, high: 1.5, framingPerRequest: 10 } as const;

type Counter = (text: string) => number;

/** The encoding's module: the file beside the bundle when deployed, else (sources, tests) the package's own. */
function loadEncoding(name: TokenizerEncoding): { countTokens: Counter } {
  const beside = join(__dirname, ENCODINGS_DIR, `${name}.js`);
  // createRequire: a require that esbuild leaves alone, so the encoding stays out of the bundle.
  return createRequire(__filename)(existsSync(beside) ? beside : `gpt-tokenizer/cjs/encoding/${name}`) as { countTokens: Counter };
}

// Loaded on first use: a create without an OpenAI estimate never needs them. A deployed function has
// each encoding as its own file beside index.js (contracts/bundles.ts, written by lib/gateway-function.ts):
// the BPE ranks are 1.2 MB (cl100k_base) and 2.4 MB (o200k_base) of JavaScript, which inside the bundle
// made batches-create, batches-retry and finops-estimate 5.6 MB, all parsed on every cold start.
let o200k: Counter | undefined;
let cl100k: Counter | undefined;
function counterFor(method: TokenCountMethod): Counter {
  if (method === 'tokenizer:cl100k_base') return (cl100k ??= loadEncoding('cl100k_base').countTokens);
  return (o200k ??= loadEncoding('o200k_base').countTokens);
}

/** The encoding OpenAI uses for a model, after tiktoken's model map; the approximation without `tokenizer`. */
export function tokenCountMethod(provider: ProviderName, model: string | null, tokenizer = true): TokenCountMethod {
  if (provider !== 'openai' || !tokenizer) return 'approximation:utf8_bytes_div_4';
  const name = (model ?? '').toLowerCase();
  if (
    /^(gpt-4(-\d|-turbo|$)|gpt-4-32k|gpt-3\.5|text-embedding-(3|ada))/.test(name) &&
    !name.startsWith('gpt-4o') &&
    !name.startsWith('gpt-4.')
  )
    return 'tokenizer:cl100k_base';
  return 'tokenizer:o200k_base';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Tokens of every text in a value (tool definitions, schemas, content parts); data: URLs count as images. */
function countValue(value: unknown, count: Counter): number {
  if (typeof value === 'string') return value.startsWith('data:') ? IMAGE_TOKENS : count(value);
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countValue(item, count), 0);
  if (isRecord(value)) return Object.entries(value).reduce((sum, [k, v]) => sum + (k === 'type' ? 0 : countValue(v, count)), 0);
  return 0;
}

/** A chat body's input tokens with OpenAI's framing (see the header). */
function countChat(body: Record<string, unknown>, count: Counter): number {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  let tokens = 3; // every reply is primed with <|start|>assistant<|message|>
  for (const message of messages) {
    if (!isRecord(message)) continue;
    tokens += 3 + (typeof message.role === 'string' ? count(message.role) : 0) + countValue(message.content ?? '', count);
    if (typeof message.name === 'string') tokens += 1 + count(message.name);
    if (message.tool_calls !== undefined) tokens += countValue(message.tool_calls, count);
  }
  for (const field of ['tools', 'functions', 'response_format'] as const)
    if (body[field] !== undefined) tokens += countValue(body[field], count);
  return tokens;
}

/** Input tokens of one request (batch line or inline request) by the given method; null when it is no request. */
export function countInputTokens(request: unknown, method: TokenCountMethod): number | null {
  if (method === 'approximation:utf8_bytes_div_4') return estimateRequest(request)?.inputTokens ?? null;
  if (!isRecord(request)) return null;
  const body = isRecord(request.body) ? request.body : isRecord(request.params) ? request.params : null;
  if (!body) return null;
  const count = counterFor(method);
  if (Array.isArray(body.messages)) return countChat(body, count);
  return countValue(body.input ?? body.prompt ?? '', count);
}
