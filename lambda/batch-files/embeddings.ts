// OpenAI's /v1/embeddings, as the gateway reads batch lines of it and writes their answers: the one
// reader of an embeddings request body (every provider's converter goes through it) and the one
// builder of OpenAI's embedding list. Pure.
//
// Request (OpenAI API reference, CreateEmbeddingRequest, shared/spec/openai-openapi): `model`, `input`
// (a non-empty string, or an array of 1–2048 strings, of token ids, or of token-id arrays),
// `dimensions` (an integer ≥ 1, text-embedding-3 and later), `encoding_format` (`float` | `base64`),
// `user`. Answer: `{"object":"list","data":[{"object":"embedding","index","embedding"}],"model",
// "usage":{"prompt_tokens","total_tokens"}}`; with `base64` each embedding is the base64 of its
// little-endian float32 bytes (what openai-python and openai-node decode).
import { LineError } from './lines';
import { BYTES_PER_TOKEN } from '#lambda/openai/token-estimate';
import type { EmbeddingList } from '#lambda/openai/embedding-list';

export type { EmbeddingList, EmbeddingObject } from '#lambda/openai/embedding-list';

export const EMBEDDINGS_ENDPOINT = '/v1/embeddings';
/** OpenAI: "any array must be 2048 dimensions or less". */
export const MAX_EMBEDDING_INPUTS = 2048;
export const ENCODING_FORMATS = ['float', 'base64'] as const;
export type EncodingFormat = (typeof ENCODING_FORMATS)[number];

export type EmbeddingInput = string | string[] | number[] | number[][];

/** OpenAI's limit on an embeddings batch: inputs summed over its requests (CreateBatch `endpoint`). */
export const MAX_BATCH_EMBEDDING_INPUTS = 50_000;

/** How many inputs a checked embeddings body holds: a string or one token array is one. */
export function embeddingInputCount(body: Record<string, unknown>): number {
  const input = body.input;
  return Array.isArray(input) && !input.every((i) => typeof i === 'number') ? input.length : 1;
}

/** The fields of an embeddings body the gateway reads; any other field passes through to OpenAI. */
export interface EmbeddingRequest {
  model: string;
  input: EmbeddingInput;
  dimensions?: number;
  encoding_format?: EncodingFormat;
  user?: string;
  [key: string]: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTokenId = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function inputProblem(input: unknown): string | null {
  if (typeof input === 'string') return input === '' ? 'body.input must not be an empty string.' : null;
  if (!Array.isArray(input)) return 'body.input must be a string or an array of strings (or of token ids).';
  if (input.length === 0) return 'body.input must not be an empty array.';
  if (input.length > MAX_EMBEDDING_INPUTS)
    return `body.input has ${input.length} items; an embeddings request takes at most ${MAX_EMBEDDING_INPUTS}.`;
  if (input.every((item) => typeof item === 'string')) {
    const empty = input.findIndex((item) => item === '');
    return empty === -1 ? null : `body.input[${empty}] is an empty string; every input must have text.`;
  }
  if (input.every(isTokenId)) return null;
  if (input.every((item) => Array.isArray(item) && item.length > 0 && item.every(isTokenId))) return null;
  return 'body.input must be a string, or an array of only strings, only token ids (integers ≥ 0), or only non-empty token-id arrays.';
}

/**
 * Checks an embeddings line body as OpenAI would at batch validation, so a bad line is a 400 at
 * upload (with its line number) instead of a failed request later. Returns the body as read.
 */
export function checkEmbeddingBody(body: Record<string, unknown>, line: number): EmbeddingRequest {
  const fail = (message: string, code = 'invalid_body'): never => {
    throw new LineError(line, `Line ${line}: ${message}`, code);
  };
  if (typeof body.model !== 'string' || body.model === '') fail('body.model is required.', 'missing_model');
  if (!('input' in body)) fail('body.input is required for /v1/embeddings.', 'invalid_input');
  const problem = inputProblem(body.input);
  if (problem) fail(problem, 'invalid_input');
  const { dimensions, encoding_format, user } = body;
  if (
    dimensions !== undefined &&
    dimensions !== null &&
    !(typeof dimensions === 'number' && Number.isInteger(dimensions) && dimensions >= 1)
  ) {
    fail(`body.dimensions must be an integer ≥ 1; got ${JSON.stringify(dimensions)}.`, 'invalid_dimensions');
  }
  if (encoding_format !== undefined && encoding_format !== null && !(ENCODING_FORMATS as readonly unknown[]).includes(encoding_format)) {
    fail(`body.encoding_format must be "float" or "base64"; got ${JSON.stringify(encoding_format)}.`, 'invalid_encoding_format');
  }
  if (user !== undefined && typeof user !== 'string') fail('body.user must be a string.');
  return body as EmbeddingRequest;
}

/** What a translated provider needs of one embeddings line: its texts, in order, and the options. */
export interface EmbeddingTexts {
  model: string;
  texts: string[];
  dimensions: number | null;
  encodingFormat: EncodingFormat;
}

/**
 * The texts of a line for a provider that embeds text (every provider but OpenAI, which also takes
 * token ids): a string is one text, an array of strings several, in order. Token ids are refused
 * with a 400 naming the line and the provider (their tokenizer is OpenAI's, not the provider's).
 */
export function embeddingTexts(body: EmbeddingRequest, provider: string, line: number): EmbeddingTexts {
  const input = body.input;
  const texts = typeof input === 'string' ? [input] : input.every((item) => typeof item === 'string') ? (input as string[]) : null;
  if (!texts) {
    throw new LineError(
      line,
      `Line ${line}: body.input holds token ids, which only OpenAI's own models read; ${provider} embeds text: send the input as strings.`,
      'unsupported_for_provider',
    );
  }
  return {
    model: body.model,
    texts,
    dimensions: typeof body.dimensions === 'number' ? body.dimensions : null,
    encodingFormat: body.encoding_format === 'base64' ? 'base64' : 'float',
  };
}

/** A vector as OpenAI's base64 encoding_format sends it: its float32 values, little-endian, base64. */
export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes.toString('base64');
}

/** The inverse of float32Base64 (for tests and clients): a little-endian float32 array. */
export function base64Float32(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  const out: number[] = [];
  for (let at = 0; at + 4 <= bytes.length; at += 4) out.push(bytes.readFloatLE(at));
  return out;
}

/**
 * Input tokens of a text for a provider that reports none: the gateway's documented approximation
 * (lambda/finops/estimate.ts, `approximation:utf8_bytes_div_4`), at least 1 for any text.
 */
export function estimateTextTokens(text: string): number {
  return Math.max(1, Math.ceil(Buffer.byteLength(text, 'utf8') / BYTES_PER_TOKEN));
}

/** OpenAI's embedding list for vectors in input order. Token counts must be integers. */
export function embeddingList(
  vectors: readonly (readonly number[])[],
  model: string,
  promptTokens: number,
  encodingFormat: EncodingFormat = 'float',
): EmbeddingList {
  const tokens = Math.max(0, Math.round(promptTokens));
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: encodingFormat === 'base64' ? float32Base64(vector) : [...vector],
    })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

export function isEmbeddingBody(body: unknown): body is EmbeddingRequest {
  return isObject(body) && 'input' in body;
}
