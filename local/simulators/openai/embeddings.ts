// How the simulated OpenAI answers one `/v1/embeddings` request of a batch, with the rules the real API
// enforces (API reference "Create embeddings", shared/spec/openai-openapi CreateEmbeddingRequest;
// docs/providers.md "OpenAI embeddings"): unknown body fields refused ("Unrecognized request argument
// supplied"), input a non-empty string or 1–2048 strings / token arrays, at most 8,192 tokens per input
// and 300,000 summed over a request, `dimensions` only on text-embedding-3 models and at most their
// size (1,536 small, 3,072 large), `encoding_format` float or base64 (little-endian float32). Tokens are
// counted with cl100k_base, the embedding models' encoding. And per batch: at most 50,000 embedding
// inputs over all its requests. Vectors are deterministic unit vectors seeded by model and text.
// Triggers in an input text: "[simulate-error]" → 400, "[simulate-server-error]" → 500,
// "[simulate-rate-limit-once]" → 429 the first time.
import { createHash } from 'node:crypto';
import { countTokens as cl100kTokens } from 'gpt-tokenizer/cjs/encoding/cl100k_base';
import { INVALID_MODEL_PREFIX, errorAnswer, triggerRefusal, type AnswerIds, type RequestAnswer } from './requests';
import type { BatchValidationError, InputLine } from './jsonl';

export const EMBEDDINGS_ENDPOINT = '/v1/embeddings';
export const MAX_BATCH_EMBEDDING_INPUTS = 50_000;
const MAX_INPUTS = 2048;
const MAX_INPUT_TOKENS = 8192;
const MAX_REQUEST_TOKENS = 300_000;
const KNOWN_FIELDS = ['model', 'input', 'dimensions', 'encoding_format', 'user'];
const MODEL_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request's inputs as a list: texts, or token arrays (counted as they are); null when malformed. */
function inputsOf(input: unknown): Array<string | number[]> | null {
  if (typeof input === 'string') return input === '' ? null : [input];
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_INPUTS) return null;
  if (input.every((i) => typeof i === 'string' && i !== '')) return input as string[];
  if (input.every((i) => Number.isInteger(i))) return [input as number[]];
  if (input.every((i) => Array.isArray(i) && i.length > 0 && i.every(Number.isInteger))) return input as number[][];
  return null;
}

/** A deterministic unit vector for a text: the same model and text always embed the same. */
export function simulatedVector(model: string, text: string, dimensions: number): number[] {
  const values: number[] = [];
  let block = Buffer.alloc(0);
  for (let i = 0; values.length < dimensions; i++) {
    if (block.length === 0) block = createHash('sha256').update(`${model}\u0000${text}\u0000${i}`).digest();
    values.push(block.readInt16LE(0) / 32768);
    block = block.subarray(2);
  }
  const norm = Math.sqrt(values.reduce((s, v) => s + v * v, 0)) || 1;
  return values.map((v) => Math.round((v / norm) * 1e8) / 1e8);
}

function encode(vector: number[], format: unknown): number[] | string {
  if (format !== 'base64') return vector;
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  vector.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes.toString('base64');
}

/** Answers one `/v1/embeddings` request body. */
export function answerEmbedding(body: unknown, ids: AnswerIds): RequestAnswer {
  if (!isObject(body)) return errorAnswer(400, 'The request body must be a JSON object.', 'invalid_request_error', null, null);
  const request = embeddingRequest(body);
  if ('refusal' in request) return request.refusal;
  const triggered = embeddingTriggerRefusal(request.model, request.inputs, ids);
  if (triggered) return triggered;
  const counts = request.inputs.map((i) => (typeof i === 'string' ? cl100kTokens(i) : i.length));
  return tokenRefusal(counts) ?? embeddingList(request, counts);
}

interface EmbeddingRequest {
  model: string;
  inputs: Array<string | number[]>;
  size: number;
  format: unknown;
}

/** The request's fields as OpenAI checks them, in that order; the first refusal wins. */
function embeddingRequest(body: Record<string, unknown>): EmbeddingRequest | { refusal: RequestAnswer } {
  const refuse = (...args: Parameters<typeof errorAnswer>) => ({ refusal: errorAnswer(...args) });
  const unknown = Object.keys(body).find((k) => !KNOWN_FIELDS.includes(k));
  if (unknown) return refuse(400, `Unrecognized request argument supplied: ${unknown}`, 'invalid_request_error', null, null);
  const model = body.model;
  if (typeof model !== 'string' || model === '')
    return refuse(400, 'you must provide a model parameter', 'invalid_request_error', null, null);
  if (model.startsWith(INVALID_MODEL_PREFIX) || !(model in MODEL_DIMENSIONS)) {
    return refuse(
      404,
      `The model \`${model}\` does not exist or you do not have access to it.`,
      'invalid_request_error',
      null,
      'model_not_found',
    );
  }
  const inputs = inputsOf(body.input);
  if (!inputs)
    return refuse(
      400,
      "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
      'invalid_request_error',
      null,
      null,
    );
  const refusal = optionRefusal(model, body.dimensions, body.encoding_format);
  if (refusal) return { refusal };
  const size = typeof body.dimensions === 'number' ? body.dimensions : MODEL_DIMENSIONS[model];
  return { model, inputs, size, format: body.encoding_format };
}

/** `dimensions` (text-embedding-3 models only, 1 to the model's size) and `encoding_format`. */
function optionRefusal(model: string, dimensions: unknown, format: unknown): RequestAnswer | null {
  const native = MODEL_DIMENSIONS[model];
  if (dimensions !== undefined && dimensions !== null) {
    if (!model.startsWith('text-embedding-3'))
      return errorAnswer(400, 'This model does not support specifying dimensions.', 'invalid_request_error', 'dimensions', null);
    if (!(typeof dimensions === 'number' && Number.isInteger(dimensions) && dimensions >= 1 && dimensions <= native)) {
      return errorAnswer(
        400,
        `Invalid value for 'dimensions' = ${JSON.stringify(dimensions)}. Must be between 1 and ${native}.`,
        'invalid_request_error',
        'dimensions',
        'invalid_value',
      );
    }
  }
  if (format !== undefined && format !== 'float' && format !== 'base64') {
    return errorAnswer(
      400,
      `Invalid value for 'encoding_format': '${String(format)}'. Supported values are: 'float' and 'base64'.`,
      'invalid_request_error',
      'encoding_format',
      'invalid_value',
    );
  }
  return null;
}

/** The per-request triggers of ./index.ts, worded as the embeddings endpoint words them. */
function embeddingTriggerRefusal(model: string, inputs: Array<string | number[]>, ids: AnswerIds): RequestAnswer | null {
  const texts = inputs.map((i) => (typeof i === 'string' ? i : ''));
  return triggerRefusal(model, texts, ids, { param: 'input', noun: 'input', rpm: 3000, retryIn: '20ms' });
}

/** An input over the model's context, or a request over the per-request token limit. */
function tokenRefusal(counts: number[]): RequestAnswer | null {
  const tooLong = counts.findIndex((c) => c > MAX_INPUT_TOKENS);
  if (tooLong !== -1) {
    return errorAnswer(
      400,
      `This model's maximum context length is ${MAX_INPUT_TOKENS} tokens, however you requested ${counts[tooLong]} tokens (${counts[tooLong]} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`,
      'invalid_request_error',
      null,
      null,
    );
  }
  const promptTokens = counts.reduce((s, c) => s + c, 0);
  if (promptTokens > MAX_REQUEST_TOKENS)
    return errorAnswer(
      400,
      `Requested ${promptTokens} tokens, max ${MAX_REQUEST_TOKENS} tokens per request`,
      'invalid_request_error',
      'input',
      'max_tokens_per_request',
    );
  return null;
}

function embeddingList({ model, inputs, size, format }: EmbeddingRequest, counts: number[]): RequestAnswer {
  const promptTokens = counts.reduce((s, c) => s + c, 0);
  return {
    statusCode: 200,
    promptTokens,
    completionTokens: 0,
    body: {
      object: 'list',
      data: inputs.map((input, index) => ({
        object: 'embedding',
        index,
        embedding: encode(simulatedVector(model, typeof input === 'string' ? input : input.join(','), size), format),
      })),
      model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    },
  };
}

/** The texts of an embeddings body (for the per-line triggers). */
export function embeddingTextsOf(body: unknown): string[] {
  const input = isObject(body) ? body.input : undefined;
  if (typeof input === 'string') return [input];
  return Array.isArray(input) ? input.filter((i): i is string => typeof i === 'string') : [];
}

/** OpenAI's batch-wide rule for embeddings batches: at most 50,000 inputs over all requests. */
export function embeddingBatchErrors(lines: InputLine[], endpoint: string): BatchValidationError[] {
  if (endpoint !== EMBEDDINGS_ENDPOINT) return [];
  const total = lines.reduce((sum, l) => sum + (isObject(l.body) ? (inputsOf(l.body.input)?.length ?? 1) : 1), 0);
  if (total <= MAX_BATCH_EMBEDDING_INPUTS) return [];
  return [
    {
      code: 'too_many_inputs',
      message: `The batch has ${total} embedding inputs; an embeddings batch takes at most ${MAX_BATCH_EMBEDDING_INPUTS} inputs across all its requests.`,
      param: null,
      line: null,
    },
  ];
}
