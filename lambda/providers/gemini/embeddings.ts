// /v1/embeddings on Gemini: the Batch API's embeddings batch (`models/{model}:asyncBatchEmbedContent`
// with an uploaded JSONL file), sources in docs/providers.md "Gemini embeddings":
// - input lines `{"key", "request": EmbedContentRequest}` (Google's "Batch API now supports
//   Embeddings" announcement), EmbedContentRequest = {content: {parts: [{text}]}, taskType, title,
//   outputDimensionality} (API reference, models.embedContent): one content → one embedding, so a
//   line with n texts becomes n requests, keyed `<part>:<custom_id>`;
// - responses file lines `{"key", "response": SingleEmbedContentResponse}` or `{"key", "error": Status}`,
//   SingleEmbedContentResponse = {embedding: {values}, tokenCount (int64)} (google-genai SDK types);
//   where tokenCount is absent the gateway estimates it (documented).
// gemini-embedding-001: at most 2,048 input tokens per request, 3,072 dimensions by default (768, 1,536
// and 3,072 recommended). Gateway extensions on a line's body: `task_type` (Google's TaskType) and
// `title` (RETRIEVAL_DOCUMENT only).
import { LineError, type Line } from '#lambda/batch-files/lines';
import { inputRequests } from '#lambda/batch-files/validate';
import { GatewayError } from '#lambda/http/errors';
import { embeddingTexts, estimateTextTokens, type EmbeddingRequest, type EncodingFormat } from '#lambda/batch-files/embeddings';
import type { BatchRequestInput } from '#contracts/openai-types';
import type { BatchRecord, BlobLocation } from '#contracts/records';
import type { ProviderContext, ResultSink } from '#lambda/providers/provider';
import { PartJoiner, type LineShape, type NotRunCode, type PartOutcome } from '#lambda/providers/embedding-parts';
import { httpStatusOf, openAIErrorTypeOf, parseResponseLine, requestIdFor, type ResultContext } from './response';
import type { GoogleRpcStatus } from './types';

export const GEMINI_TASK_TYPES = [
  'RETRIEVAL_QUERY',
  'RETRIEVAL_DOCUMENT',
  'SEMANTIC_SIMILARITY',
  'CLASSIFICATION',
  'CLUSTERING',
  'QUESTION_ANSWERING',
  'FACT_VERIFICATION',
  'CODE_RETRIEVAL_QUERY',
] as const;
export const GEMINI_MAX_DIMENSIONS = 3072;
/** Fields of other providers' embedding models; on Gemini they would be silently meaningless. */
const OTHER_EXTENSIONS = ['normalize', 'input_type', 'truncate'];

export function isGeminiEmbeddingModel(model: string): boolean {
  return /^(?:models\/)?(?:gemini-embedding-|text-embedding-|embedding-)/.test(model);
}

/** batches.create with endpoint /v1/embeddings on Gemini: the model must be an embedding model. */
export function requireGeminiEmbeddingModel(model: string): void {
  if (isGeminiEmbeddingModel(model)) return;
  throw new GatewayError(
    400,
    `Model ${JSON.stringify(model)} is not a Gemini embedding model; /v1/embeddings batches on Gemini run gemini-embedding-001 (or another gemini-embedding-* model).`,
    'invalid_request_error',
    'model',
    'model_not_supported',
  );
}

export const embedPartKey = (part: number, customId: string) => `${part}:${customId}`;

/** `<part>:<custom_id>` → its parts; null for a key the gateway did not write. */
export function parseEmbedPartKey(key: string): { part: number; customId: string } | null {
  const match = /^(\d{1,5}):/.exec(key);
  return match ? { part: Number(match[1]), customId: key.slice(match[0].length) } : null;
}

interface EmbedRequest {
  content: { parts: Array<{ text: string }> };
  taskType?: string;
  title?: string;
  outputDimensionality?: number;
}

/** The Gemini batch lines of one embeddings line, in input order. Throws LineError (400) naming line and field. */
export function toGeminiEmbedLines(request: BatchRequestInput, line: number): Array<{ key: string; request: EmbedRequest }> {
  const body = request.body as unknown as EmbeddingRequest;
  const { texts, dimensions } = embeddingTexts(body, 'Gemini', line);
  const fail = (message: string, code = 'unsupported_for_model'): never => {
    throw new LineError(line, `Line ${line}: ${message}`, code);
  };
  const other = OTHER_EXTENSIONS.find((field) => body[field] !== undefined);
  if (other) fail(`body.${other} is not a parameter of Gemini embedding models (it belongs to Bedrock's); use task_type for Gemini.`);
  if (dimensions !== null && dimensions > GEMINI_MAX_DIMENSIONS)
    fail(`body.dimensions is ${dimensions}; ${body.model} makes embeddings of at most ${GEMINI_MAX_DIMENSIONS} dimensions.`);
  const taskType = body.task_type;
  if (taskType !== undefined && !(GEMINI_TASK_TYPES as readonly unknown[]).includes(taskType))
    fail(`body.task_type must be one of ${GEMINI_TASK_TYPES.join(', ')}; got ${JSON.stringify(taskType)}.`, 'invalid_body');
  const title = body.title;
  if (title !== undefined && (typeof title !== 'string' || taskType !== 'RETRIEVAL_DOCUMENT'))
    fail('body.title must be a string and needs task_type "RETRIEVAL_DOCUMENT" (Gemini uses a title only for documents).', 'invalid_body');
  return texts.map((text, part) => ({
    key: embedPartKey(part, request.custom_id),
    request: {
      content: { parts: [{ text }] },
      ...(taskType !== undefined ? { taskType: taskType as string } : {}),
      ...(title !== undefined ? { title: title as string } : {}),
      ...(dimensions !== null ? { outputDimensionality: dimensions } : {}),
    },
  }));
}

const isVector = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number');

/** One responses-file line of an embeddings batch as a part's outcome (tokenCount, else the estimate). */
export function embedOutcome(line: { response?: unknown; error?: GoogleRpcStatus }, estimatedTokens: number): PartOutcome {
  if (line.error) {
    const status = httpStatusOf(line.error);
    return {
      ok: false,
      status,
      message: line.error.message || `Gemini reported an error${line.error.status ? ` (${line.error.status})` : ''} for this request.`,
      type: openAIErrorTypeOf(status),
      code: line.error.status ? line.error.status.toLowerCase() : null,
    };
  }
  const response = line.response as { embedding?: { values?: unknown }; tokenCount?: unknown } | undefined;
  const values = response?.embedding?.values;
  if (!isVector(values))
    return {
      ok: false,
      status: 502,
      message: 'Gemini returned no embedding for this request.',
      type: 'server_error',
      code: 'unreadable_provider_output',
    };
  const counted = Number(response?.tokenCount);
  return {
    ok: true,
    vectors: [values],
    tokens: Number.isInteger(counted) && counted >= 0 && response?.tokenCount !== undefined ? counted : estimatedTokens,
  };
}

interface ExpectedLine {
  shape: LineShape;
  estimates: number[];
}

/** What every input line was split into, read again from the gateway's copy (custom_ids and estimates only). */
async function expectedLines(ctx: ProviderContext, inputBlob: BlobLocation, context: ResultContext): Promise<Map<string, ExpectedLine>> {
  const expected = new Map<string, ExpectedLine>();
  for await (const { line, request } of inputRequests(ctx.blobs.readLines(inputBlob))) {
    const body = request.body as unknown as EmbeddingRequest;
    const { texts, encodingFormat } = embeddingTexts(body, 'Gemini', line);
    const shape: LineShape = {
      customId: request.custom_id,
      parts: texts.length,
      encodingFormat: encodingFormat as EncodingFormat,
      requestId: requestIdFor(context, request.custom_id),
    };
    expected.set(request.custom_id, { shape, estimates: texts.map(estimateTextTokens) });
  }
  return expected;
}

/**
 * Writes one OpenAI line per input line of a finished embeddings batch: the responses lines (and
 * inlined responses) joined by key, then every line without a full answer (`notRun`).
 */
export async function collectEmbeddingResults(
  ctx: ProviderContext,
  batch: BatchRecord,
  input: {
    inputBlob: BlobLocation;
    context: ResultContext;
    responses: AsyncIterable<Line> | null;
    inlined: Array<{ response?: unknown; error?: GoogleRpcStatus; metadata?: { key?: string } }>;
    notRun: [NotRunCode, string | undefined];
  },
  sink: ResultSink,
): Promise<{ results: number; ignored: number }> {
  const expected = await expectedLines(ctx, input.inputBlob, input.context);
  const joiner = new PartJoiner((line) => sink.write(line), input.context.model);
  let results = 0;
  let ignored = 0;
  const add = async (key: unknown, line: { response?: unknown; error?: GoogleRpcStatus }) => {
    const parsed = typeof key === 'string' ? parseEmbedPartKey(key) : null;
    const entry = parsed ? expected.get(parsed.customId) : undefined;
    if (!parsed || !entry || !(await joiner.add(entry.shape, parsed.part, embedOutcome(line, entry.estimates[parsed.part] ?? 1)))) {
      ignored += 1;
      return;
    }
    results += 1;
  };
  if (input.responses) {
    for await (const line of input.responses) {
      if (line.text.trim() === '') continue;
      const parsed = parseResponseLine(line.text, line.number);
      await add(parsed.key, parsed as { response?: unknown; error?: GoogleRpcStatus });
    }
  }
  for (const item of input.inlined) await add(item.metadata?.key, item);
  const [code, message] = input.notRun;
  await joiner.finish(
    [...expected.values()].map((e) => e.shape),
    code,
    message,
  );
  ctx.logger.info('Collected Gemini embeddings', { batchId: batch.id, results, ignoredLines: ignored, lines: expected.size });
  return { results, ignored };
}
