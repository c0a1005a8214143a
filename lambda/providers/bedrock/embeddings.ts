// /v1/embeddings on Bedrock: OpenAI embeddings lines → Bedrock batch records of the embedding models'
// own InvokeModel bodies, and their modelOutput back. Pure. Sources (docs/providers.md "Bedrock embeddings"):
//
// Amazon Titan Text Embeddings V2 (amazon.titan-embed-text-v2:0), Bedrock User Guide
// "model-parameters-titan-embed-text" and "titan-embedding-models": request
// {inputText, dimensions (1024 default | 512 | 256), normalize (default true), embeddingTypes};
// response {embedding, inputTextTokenCount, embeddingsByType}. One text per call, at most 8,192 tokens
// or 50,000 characters. So a line with n texts becomes n records.
//
// Cohere Embed v3 (cohere.embed-english-v3, cohere.embed-multilingual-v3), Bedrock User Guide
// "model-parameters-embed-v3": request {texts (0–96 texts, each ≤ 2,048 characters), input_type
// (search_document | search_query | classification | clustering), truncate (NONE | START | END),
// embedding_types}; response {id, embeddings ([[float]], or {float: [[…]]} with embedding_types),
// response_type, texts}. No token count in the body, so the gateway estimates it (documented). A line
// with more than 96 texts becomes several records.
//
// Gateway extensions on a line's body (each refused on the family that has no such parameter):
// `normalize` (Titan), `input_type` and `truncate` (Cohere; `input_type` defaults to search_document,
// the type for indexing a corpus, which is what batches are used for).
import { LineError } from '#lambda/batch-files/lines';
import { GatewayError } from '#lambda/http/errors';
import { embeddingTexts, estimateTextTokens, type EmbeddingRequest, type EncodingFormat } from '#lambda/batch-files/embeddings';
import type { PartOutcome } from '#lambda/providers/embedding-parts';
import { baseModelId } from './model-family';

export type EmbeddingFamily = 'titan-embed' | 'cohere-embed';

export const TITAN_DIMENSIONS = [256, 512, 1024] as const;
export const TITAN_MAX_CHARACTERS = 50_000;
export const COHERE_MAX_TEXTS = 96;
export const COHERE_MAX_CHARACTERS = 2048;
export const COHERE_DIMENSIONS = 1024;
export const COHERE_INPUT_TYPES = ['search_document', 'search_query', 'classification', 'clustering'] as const;
export const COHERE_TRUNCATE = ['NONE', 'START', 'END'] as const;

export const SUPPORTED_EMBEDDING_MODELS_TEXT = 'amazon.titan-embed-text-v2:0, cohere.embed-english-v3 and cohere.embed-multilingual-v3';

/** The embedding family of a Bedrock model id (foundation-model id, geography-prefixed profile id or ARN), or null. */
export function embeddingFamilyOf(modelId: string): EmbeddingFamily | null {
  const id = baseModelId(modelId).replace(/^[a-z]{2,6}(?:-[a-z]{2,4})?\.(?=cohere\.)/, '');
  if (id.startsWith('amazon.titan-embed-text-v2')) return 'titan-embed';
  if (/^cohere\.embed-(english|multilingual)-v3/.test(id)) return 'cohere-embed';
  return null;
}

/** One staged record: the model's InvokeModel body and the input tokens estimated for it (used where Bedrock reports none). */
export interface EmbeddingRecord {
  modelInput: Record<string, unknown>;
  estimatedTokens: number;
}

/** What the gateway remembers of each record to join answers back: part of how many, the answer's encoding, the estimate. */
export interface EmbeddingRecordMeta {
  part: number;
  parts: number;
  encodingFormat: EncodingFormat;
  estimatedTokens: number;
}

/** The gateway's extension fields, by the models that have them (Gemini's too, so none is silently ignored here). */
const EXTENSIONS: Record<EmbeddingFamily | 'gemini', { fields: string[]; models: string }> = {
  'titan-embed': { fields: ['normalize'], models: 'Amazon Titan' },
  'cohere-embed': { fields: ['input_type', 'truncate'], models: 'Cohere' },
  gemini: { fields: ['task_type', 'title'], models: 'Gemini' },
};

function refuseOtherExtensions(body: EmbeddingRequest, family: EmbeddingFamily, line: number): void {
  for (const [other, { fields, models }] of Object.entries(EXTENSIONS)) {
    if (other === family) continue;
    const field = fields.find((f) => body[f] !== undefined);
    if (field)
      throw new LineError(
        line,
        `Line ${line}: body.${field} is not a parameter of ${body.model}; it applies to ${models} embedding models only.`,
        'unsupported_for_model',
      );
  }
}

function titanRecords(body: EmbeddingRequest, texts: string[], dimensions: number | null, line: number): EmbeddingRecord[] {
  if (dimensions !== null && !(TITAN_DIMENSIONS as readonly number[]).includes(dimensions)) {
    throw new LineError(
      line,
      `Line ${line}: body.dimensions is ${dimensions}; ${body.model} makes embeddings of ${TITAN_DIMENSIONS.join(', ')} dimensions only.`,
      'unsupported_for_model',
    );
  }
  if (body.normalize !== undefined && typeof body.normalize !== 'boolean')
    throw new LineError(line, `Line ${line}: body.normalize must be true or false.`, 'invalid_body');
  const long = texts.findIndex((t) => t.length > TITAN_MAX_CHARACTERS);
  if (long !== -1)
    throw new LineError(
      line,
      `Line ${line}: body.input[${long}] has ${texts[long].length} characters; ${body.model} embeds at most ${TITAN_MAX_CHARACTERS} characters (8,192 tokens) per text.`,
      'input_too_long',
    );
  return texts.map((text) => ({
    modelInput: {
      inputText: text,
      ...(dimensions !== null ? { dimensions } : {}),
      ...(body.normalize !== undefined ? { normalize: body.normalize } : {}),
    },
    estimatedTokens: estimateTextTokens(text),
  }));
}

function cohereRecords(body: EmbeddingRequest, texts: string[], dimensions: number | null, line: number): EmbeddingRecord[] {
  if (dimensions !== null && dimensions !== COHERE_DIMENSIONS) {
    throw new LineError(
      line,
      `Line ${line}: body.dimensions is ${dimensions}; ${body.model} makes embeddings of ${COHERE_DIMENSIONS} dimensions only.`,
      'unsupported_for_model',
    );
  }
  const inputType = body.input_type ?? 'search_document';
  if (!(COHERE_INPUT_TYPES as readonly unknown[]).includes(inputType)) {
    throw new LineError(
      line,
      `Line ${line}: body.input_type must be one of ${COHERE_INPUT_TYPES.join(', ')}; got ${JSON.stringify(inputType)}.`,
      'invalid_body',
    );
  }
  if (body.truncate !== undefined && !(COHERE_TRUNCATE as readonly unknown[]).includes(body.truncate)) {
    throw new LineError(
      line,
      `Line ${line}: body.truncate must be one of ${COHERE_TRUNCATE.join(', ')}; got ${JSON.stringify(body.truncate)}.`,
      'invalid_body',
    );
  }
  const long = texts.findIndex((t) => t.length > COHERE_MAX_CHARACTERS);
  if (long !== -1)
    throw new LineError(
      line,
      `Line ${line}: body.input[${long}] has ${texts[long].length} characters; ${body.model} embeds at most ${COHERE_MAX_CHARACTERS} characters per text.`,
      'input_too_long',
    );
  const records: EmbeddingRecord[] = [];
  for (let at = 0; at < texts.length; at += COHERE_MAX_TEXTS) {
    const chunk = texts.slice(at, at + COHERE_MAX_TEXTS);
    records.push({
      modelInput: { texts: chunk, input_type: inputType, ...(body.truncate !== undefined ? { truncate: body.truncate } : {}) },
      estimatedTokens: chunk.reduce((sum, t) => sum + estimateTextTokens(t), 0),
    });
  }
  return records;
}

/** The records of one embeddings line, in input order. Throws LineError (400) naming the line and field. */
export function toEmbeddingRecords(
  body: EmbeddingRequest,
  family: EmbeddingFamily,
  line: number,
): { records: EmbeddingRecord[]; encodingFormat: EncodingFormat } {
  const { texts, dimensions, encodingFormat } = embeddingTexts(body, 'Bedrock', line);
  refuseOtherExtensions(body, family, line);
  const records = family === 'titan-embed' ? titanRecords(body, texts, dimensions, line) : cohereRecords(body, texts, dimensions, line);
  return { records, encodingFormat };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isVector = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number');

/** A record's modelOutput as a part's vectors and tokens (Bedrock's count, else the estimate). Throws for an unreadable output. */
export function fromEmbeddingOutput(output: unknown, family: EmbeddingFamily, estimatedTokens: number): Extract<PartOutcome, { ok: true }> {
  if (!isObject(output)) throw new Error('the embedding output is not a JSON object');
  if (family === 'titan-embed') {
    const vector = output.embedding ?? (isObject(output.embeddingsByType) ? output.embeddingsByType.float : undefined);
    if (!isVector(vector)) throw new Error('the Titan output has no embedding');
    const counted = output.inputTextTokenCount;
    return {
      ok: true,
      vectors: [vector],
      tokens: typeof counted === 'number' && Number.isInteger(counted) && counted >= 0 ? counted : estimatedTokens,
    };
  }
  const embeddings = Array.isArray(output.embeddings)
    ? output.embeddings
    : isObject(output.embeddings)
      ? output.embeddings.float
      : undefined;
  if (!Array.isArray(embeddings) || embeddings.length === 0 || !embeddings.every(isVector))
    throw new Error('the Cohere output has no float embeddings');
  // Cohere on Bedrock writes no token count into the body: the gateway's estimate stands in (documented).
  return { ok: true, vectors: embeddings, tokens: estimatedTokens };
}

/** embeddingFamilyOf, or a 400 naming the model and what is supported. */
export function requireEmbeddingFamily(modelId: string): EmbeddingFamily {
  const family = embeddingFamilyOf(modelId);
  if (family) return family;
  throw new GatewayError(
    400,
    `Model ${JSON.stringify(modelId)} is not an embeddings model this gateway runs on Bedrock (/v1/embeddings). Supported: ${SUPPORTED_EMBEDDING_MODELS_TEXT}.`,
    'invalid_request_error',
    'model',
    'model_not_supported',
  );
}
