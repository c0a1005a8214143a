// What the simulated Gemini answers for one EmbedContentRequest of an embeddings batch
// (`models/{model}:asyncBatchEmbedContent`), with the rules of the real API (docs/providers.md "Gemini
// embeddings"): `content.parts[].text` required, taskType one of Google's TaskType values, title only
// with RETRIEVAL_DOCUMENT, outputDimensionality 1–3,072 (gemini-embedding-001 makes 3,072 by default),
// at most 2,048 input tokens per request (≈ 4 characters a token here). An answer is a
// SingleEmbedContentResponse {embedding: {values}, tokenCount (int64 string)}; a request the API
// refuses is a google.rpc.Status error line. Triggers in the text: "[simulate-error]" → 500 INTERNAL,
// "[simulate-rate-limit-once]" → 429 RESOURCE_EXHAUSTED the first time. Pure.
import { createHash } from 'node:crypto';
import { rateLimitedOnce } from '#local/simulators/rate-limit-once';
import type { Outcome } from './outcomes';

export const EMBED_BATCH_TYPE = 'type.googleapis.com/google.ai.generativelanguage.v1beta.EmbedContentBatch';
export const EMBED_OUTPUT_TYPE = 'type.googleapis.com/google.ai.generativelanguage.v1beta.EmbedContentBatchOutput';
const EMBED_MODEL = /^(?:gemini-embedding-|text-embedding-|embedding-)[A-Za-z0-9._-]*$/;
const TASK_TYPES = [
  'RETRIEVAL_QUERY',
  'RETRIEVAL_DOCUMENT',
  'SEMANTIC_SIMILARITY',
  'CLASSIFICATION',
  'CLUSTERING',
  'QUESTION_ANSWERING',
  'FACT_VERIFICATION',
  'CODE_RETRIEVAL_QUERY',
];
const DEFAULT_DIMENSIONS = 3072;
const MAX_INPUT_TOKENS = 2048;
const KNOWN_KEYS = ['model', 'content', 'taskType', 'task_type', 'title', 'outputDimensionality', 'output_dimensionality'];

export const isEmbeddingModel = (model: string) => EMBED_MODEL.test(model);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (message: string): Outcome => ({ error: { code: 400, message, status: 'INVALID_ARGUMENT' } });

/** The texts of an EmbedContentRequest's content, or null when it has none. */
export function embedTexts(request: unknown): string[] | null {
  const parts = isObject(request) && isObject(request.content) ? request.content.parts : undefined;
  if (!Array.isArray(parts) || parts.length === 0) return null;
  const texts = parts.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : null));
  return texts.every((t): t is string => t !== null && t !== '') ? texts : null;
}

function values(model: string, text: string, dimensions: number): number[] {
  const out: number[] = [];
  let block = Buffer.alloc(0);
  for (let i = 0; out.length < dimensions; i++) {
    if (block.length === 0) block = createHash('sha256').update(`${model}\u0000${text}\u0000${i}`).digest();
    out.push(Math.round((block.readInt16LE(0) / 32768) * 1e6) / 1e6);
    block = block.subarray(2);
  }
  return out;
}

export function simulateEmbedOutcome(model: string, request: unknown): Outcome {
  if (!isObject(request)) return invalid('* EmbedContentRequest: request must be an object');
  const unknown = Object.keys(request).find((k) => !KNOWN_KEYS.includes(k));
  if (unknown) return invalid(`Invalid JSON payload received. Unknown name "${unknown}" at 'requests[0]': Cannot find field.`);
  const texts = embedTexts(request);
  if (!texts) return invalid('* EmbedContentRequest.content: contents is not specified');
  const taskType = request.taskType ?? request.task_type;
  if (taskType !== undefined && !TASK_TYPES.includes(taskType as string))
    return invalid(
      `Invalid value at 'requests[0].task_type' (type.googleapis.com/google.ai.generativelanguage.v1beta.TaskType), "${String(taskType)}"`,
    );
  if (request.title !== undefined && taskType !== 'RETRIEVAL_DOCUMENT')
    return invalid('Title is only applicable for RETRIEVAL_DOCUMENT task type.');
  const dims = request.outputDimensionality ?? request.output_dimensionality ?? DEFAULT_DIMENSIONS;
  if (!(typeof dims === 'number' && Number.isInteger(dims) && dims >= 1 && dims <= DEFAULT_DIMENSIONS))
    return invalid(`* EmbedContentRequest.output_dimensionality: must be between 1 and ${DEFAULT_DIMENSIONS}.`);
  const text = texts.join(' ');
  if (text.includes('[simulate-error]'))
    return {
      error: {
        code: 500,
        message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
        status: 'INTERNAL',
      },
    };
  if (rateLimitedOnce('gemini', texts))
    return { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } };
  const tokens = Math.max(1, Math.ceil(text.length / 4));
  if (tokens > MAX_INPUT_TOKENS)
    return invalid(`The input token count (${tokens}) exceeds the maximum number of tokens allowed (${MAX_INPUT_TOKENS}).`);
  return { response: { embedding: { values: values(model, text, dims) }, tokenCount: String(tokens) } };
}
