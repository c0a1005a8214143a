// How the simulated Bedrock embedding models answer one InvokeModel body (a batch record's modelInput
// or a runtime call), with the rules the real models enforce (Bedrock User Guide, docs/providers.md
// "Bedrock embeddings"); independent of the gateway's converter, so it checks it.
//
// Titan Text Embeddings V2: keys inputText (required, non-empty, ≤ 50,000 characters and ≤ 8,192
// tokens), dimensions (256 | 512 | 1024, default 1024), normalize (boolean, default true),
// embeddingTypes (float | binary); answers {embedding, inputTextTokenCount, embeddingsByType}.
// Cohere Embed v3: keys texts (0–96 strings of ≤ 2,048 characters), images, input_type (required for
// v3 models), truncate (NONE | START | END), embedding_types; answers {id, embeddings, response_type,
// texts} (embeddings_floats, or embeddings_by_type when embedding_types is given). No token count.
// Triggers in a text: the family triggers of model-behaviour.ts ([simulate-error], [simulate-server-error],
// [simulate-rate-limit-once], [simulate-unprocessed] in batch jobs).
import { createHash } from 'node:crypto';
import { checkKeys, invalid, isObject, shortHash, tokensOf, triggers, type Answer } from './model-common';

export type SimEmbeddingFamily = 'titan-embed' | 'cohere-embed';

export function simEmbeddingFamilyOf(id: string): SimEmbeddingFamily | null {
  if (id.startsWith('amazon.titan-embed-text-v2')) return 'titan-embed';
  if (/^cohere\.embed-(english|multilingual)-v3/.test(id)) return 'cohere-embed';
  return null;
}

/** A deterministic vector for a text (unit length when `normalize`). */
function vector(modelId: string, text: string, dimensions: number, normalize: boolean): number[] {
  const values: number[] = [];
  let block = Buffer.alloc(0);
  for (let i = 0; values.length < dimensions; i++) {
    if (block.length === 0) block = createHash('sha256').update(`${modelId}\u0000${text}\u0000${i}`).digest();
    values.push(block.readInt16LE(0) / 32768);
    block = block.subarray(2);
  }
  const norm = normalize ? Math.sqrt(values.reduce((s, v) => s + v * v, 0)) || 1 : 1;
  return values.map((v) => Math.round((v / norm) * 1e7) / 1e7);
}

function answerTitan(modelId: string, body: Record<string, unknown>, inBatchJob: boolean): Answer {
  checkKeys(body, ['inputText', 'dimensions', 'normalize', 'embeddingTypes']);
  const text = body.inputText;
  if (typeof text !== 'string' || text.length === 0)
    invalid('Malformed input request: #/inputText: expected minLength: 1, actual: 0, please reformat your input and try again.');
  const inputText = text as string;
  if (inputText.length > 50_000)
    invalid(
      `Malformed input request: #/inputText: expected maxLength: 50000, actual: ${inputText.length}, please reformat your input and try again.`,
    );
  const dimensions = body.dimensions ?? 1024;
  if (![256, 512, 1024].includes(dimensions as number))
    invalid(
      `Malformed input request: #/dimensions: ${JSON.stringify(dimensions)} is not a valid enum value, please reformat your input and try again.`,
    );
  if (body.normalize !== undefined && typeof body.normalize !== 'boolean')
    invalid('Malformed input request: #/normalize: expected type: Boolean, please reformat your input and try again.');
  const special = triggers(inputText, inBatchJob);
  if (special) return special;
  const tokens = tokensOf(inputText);
  if (tokens > 8192) invalid(`400 Bad Request: Too many input tokens. Max input tokens: 8192, request input token count: ${tokens}`);
  const embedding = vector(modelId, inputText, dimensions as number, body.normalize !== false);
  return {
    kind: 'output',
    inputTokens: tokens,
    outputTokens: 0,
    output: { embedding, inputTextTokenCount: tokens, embeddingsByType: { float: embedding } },
  };
}

function answerCohere(modelId: string, body: Record<string, unknown>, inBatchJob: boolean): Answer {
  checkKeys(body, ['texts', 'images', 'input_type', 'truncate', 'embedding_types']);
  const texts = body.texts;
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string'))
    invalid('Malformed input request: #/texts: expected type: JSONArray of strings, please reformat your input and try again.');
  const list = texts as string[];
  if (list.length > 96)
    invalid(`Malformed input request: #/texts: expected maxItems: 96, actual: ${list.length}, please reformat your input and try again.`);
  const long = list.find((t) => t.length > 2048);
  if (long !== undefined)
    invalid(
      `Malformed input request: #/texts/${list.indexOf(long)}: expected maxLength: 2048, actual: ${long.length}, please reformat your input and try again.`,
    );
  if (!['search_document', 'search_query', 'classification', 'clustering'].includes(body.input_type as string))
    invalid(
      'Malformed input request: #/input_type: valid input_type must be provided with the provided model, please reformat your input and try again.',
    );
  if (body.truncate !== undefined && !['NONE', 'START', 'END'].includes(body.truncate as string))
    invalid(
      `Malformed input request: #/truncate: ${JSON.stringify(body.truncate)} is not a valid enum value, please reformat your input and try again.`,
    );
  for (const text of list) {
    const special = triggers(text, inBatchJob);
    if (special) return special;
  }
  const embeddings = list.map((t) => vector(modelId, t, 1024, true));
  const byType = Array.isArray(body.embedding_types);
  return {
    kind: 'output',
    inputTokens: list.reduce((s, t) => s + tokensOf(t), 0),
    outputTokens: 0,
    output: {
      id: shortHash([modelId, list]),
      embeddings: byType ? { float: embeddings } : embeddings,
      response_type: byType ? 'embeddings_by_type' : 'embeddings_floats',
      texts: list,
    },
  };
}

/** Answers one modelInput of an embedding model. Throws ModelError for bodies the model rejects. */
export function answerEmbeddingModel(family: SimEmbeddingFamily, modelId: string, body: unknown, inBatchJob: boolean): Answer {
  if (!isObject(body)) invalid('The request body must be a JSON object');
  return family === 'titan-embed'
    ? answerTitan(modelId, body as Record<string, unknown>, inBatchJob)
    : answerCohere(modelId, body as Record<string, unknown>, inBatchJob);
}
