// Gemini behind the OpenAI Files and Batch APIs (shared/spec/gemini.md).
//
// files.create: the gateway keeps the validated OpenAI JSONL (Gemini cannot give uploaded files back);
//   this adapter converts it line by line into Gemini batch lines and uploads them to the Files API
//   with the resumable protocol, holding one chunk in memory at a time.
// batches.create: POST models/{model}:batchGenerateContent with that file; the Operation name
//   (`batches/…`) is kept as providerBatchId and never shown to clients.
// results: the responses file is streamed, each line converted to an OpenAI output or error line, and
//   the result sink answers every input custom_id without a result, so each request appears once.
//
// HTTP goes through plain fetch (client.ts explains why not the @google/genai SDK).
import { GatewayError, badRequest } from '#lambda/http/errors';
import { readLines, type Line } from '#lambda/batch-files/lines';
import { inputRequests } from '#lambda/batch-files/validate';
import { isTerminal, type RequestCounts } from '#contracts/openai-types';
import type { BatchRecord, BlobLocation, FileRecord } from '#contracts/records';
import { ProviderLostBatchError, ProviderUnavailableError } from '#lambda/providers/errors';
import { byteLengthOf, requireChunkBytes, retryChunk, sendInChunks } from '#lambda/providers/chunked-upload';
import type {
  CreateBatchInput,
  CreatedBatch,
  ProviderAdapter,
  ProviderBatchState,
  ProviderContext,
  ResultSink,
  UnansweredReason,
} from '#lambda/providers/provider';
import { GeminiClient, DEFAULT_TIMEOUT_MS } from './client';
import { requestPathTimeoutMs } from '#lambda/providers/deadlines';
import { toGenerateContentRequest, toGeminiBatchLine } from './request';
import { convertAtLine } from '#lambda/providers/convert/conversion-error';
import { parseResponseLine, toOutputLine, type ResultContext } from './response';
import { batchStateName, responsesFileOf, rfc3339ToUnixSeconds, toProviderBatchState } from './status';
import type { GeminiFile, GeminiOperation } from './types';
import { EMBEDDINGS_ENDPOINT } from '#lambda/batch-files/embeddings';
import { collectEmbeddingResults, requireGeminiEmbeddingModel, toGeminiEmbedLines } from './embeddings';
import { countsInLines } from '#lambda/providers/embedding-parts';
import { TRANSLATED_CHAT_ENDPOINTS } from '#lambda/batch-files/endpoints';

/** Google's resumable protocol wants every chunk but the last to be a multiple of this. */
export const UPLOAD_CHUNK_GRANULARITY = 256 * 1024;
/** What js-genai uses: large enough to keep the number of calls low, small enough for a 1 GB Lambda. */
export const DEFAULT_UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;
const CHUNK_ATTEMPTS = 3;
const GEMINI_MIME_TYPE = 'application/jsonl';
const MODEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const BATCH_NAME_PATTERN = /^batches\/[A-Za-z0-9_-]+$/;
const FILE_NAME_PATTERN = /^files\/[A-Za-z0-9_-]+$/;

export interface GeminiAdapterOptions {
  /** Bytes per upload chunk; a multiple of 256 KiB (default 8 MiB). Tests use small chunks. */
  uploadChunkBytes?: number;
  /** Timeout of one HTTP exchange (default 30 s). */
  timeoutMs?: number;
  /** Pause before retrying a failed upload chunk (default 500 ms, doubled per attempt); a Retry-After of up to 5 s takes precedence. */
  chunkRetryDelayMs?: number;
}

/** What the adapter keeps in FileRecord.providerData / BatchRecord.providerData. */
interface GeminiFileData {
  geminiFile?: { name: string; uri?: string; sizeBytes?: number; expiresAt?: number | null };
}
interface GeminiBatchData {
  /** The gateway's copy of the input: custom_ids of requests without a result are read from it. */
  inputBlob: BlobLocation;
  geminiFile: string;
  geminiModel: string;
  /** Embeddings: the OpenAI lines; Gemini counts the texts (one request each), embeddings.ts. */
  lineCount?: number;
}

/** What the adapter's functions share: its options, resolved. */
interface GeminiSettings {
  chunkBytes: number;
  timeoutMs: number;
  retryDelayMs: number;
}

export function createGeminiAdapter(options: GeminiAdapterOptions = {}): ProviderAdapter {
  const settings: GeminiSettings = {
    chunkBytes: requireChunkBytes(options.uploadChunkBytes ?? DEFAULT_UPLOAD_CHUNK_BYTES, UPLOAD_CHUNK_GRANULARITY),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retryDelayMs: options.chunkRetryDelayMs ?? 500,
  };
  return {
    name: 'gemini',
    /** The price table lists `gemini-2.5-flash`; clients may send `models/gemini-2.5-flash`. */
    priceModelId: (model) => model.replace(/^models\//, ''),
    runCheck: () => ({ group: 'gemini', convert: (body) => toGenerateContentRequest(body) }),
    endpoints: { ...TRANSLATED_CHAT_ENDPOINTS, [EMBEDDINGS_ENDPOINT]: 'translated' },
    onFileStored: (ctx, file) => onFileStored(settings, ctx, file),
    onFileDeleted: (ctx, file) => onFileDeleted(settings, ctx, file),
    acceptBatch: async (_ctx, input) => ({ model: checkRequest(input).model }),
    createBatch: (ctx, input) => createBatch(settings, ctx, input),
    checkBatch: (ctx, batch) => checkBatch(settings, ctx, batch),
    cancelBatch: (ctx, batch) => cancelBatch(settings, ctx, batch),
    collectResults: (ctx, batch, sink) => collectResults(settings, ctx, batch, sink),
    // The model is part of the URL (models/{model}:batchGenerateContent, ai.google.dev/api/batch-mode).
    oneModelPerJob: true,
  };
}

/** `requestPath`: the call is made while a client waits (file copy, file delete, cancel): bounded by requestPathTimeoutMs. */
async function clientFor(settings: GeminiSettings, ctx: ProviderContext, requestPath = false): Promise<GeminiClient> {
  const { timeoutMs } = settings;
  return new GeminiClient(await ctx.credentials(), requestPath ? Math.min(timeoutMs, requestPathTimeoutMs()) : timeoutMs);
}

async function onFileStored(settings: GeminiSettings, ctx: ProviderContext, file: FileRecord): Promise<Partial<FileRecord>> {
  // Only batch inputs go to Gemini; result files are the gateway's own.
  if (file.purpose !== 'batch') return {};
  const client = await clientFor(settings, ctx, true);
  const stored = await uploadConverted(settings, ctx, client, file);
  return { providerFileId: stored.name, providerData: { ...file.providerData, ...fileData(stored) } };
}

async function onFileDeleted(settings: GeminiSettings, ctx: ProviderContext, file: FileRecord): Promise<void> {
  if (!file.providerFileId || !FILE_NAME_PATTERN.test(file.providerFileId)) return;
  const client = await clientFor(settings, ctx, true);
  // Already gone (deleted, or expired after 48 h) is fine.
  await client.jsonOrMissing('DELETE', `v1beta/${file.providerFileId}`);
}

/**
 * Converts the gateway's copy to Gemini batch lines and uploads them. Two streaming passes: the first
 * converts everything (so a bad line fails before any upload starts) and measures the converted size,
 * which the resumable protocol declares up front; the second converts again and uploads chunk by chunk.
 */
async function uploadConverted(
  settings: GeminiSettings,
  ctx: ProviderContext,
  client: GeminiClient,
  file: FileRecord,
): Promise<GeminiFile> {
  const totalBytes = await byteLengthOf(convertedLines(ctx, file));
  const displayName = `${file.filename} (${file.id})`.slice(0, 512);
  const uploadUrl = await client.startUpload(totalBytes, GEMINI_MIME_TYPE, displayName);
  const { bytes, last: stored } = await sendInChunks(convertedLines(ctx, file), settings.chunkBytes, (chunk, offset, finalize) =>
    sendChunk(settings, client, uploadUrl, offset, chunk, finalize),
  );
  if (!stored || bytes !== totalBytes) {
    throw new Error(`Gemini upload of ${file.id}: converted ${bytes} bytes, expected ${totalBytes}.`);
  }
  ctx.logger.info('Uploaded batch input to Gemini', { fileId: file.id, geminiFile: stored.name, bytes: totalBytes });
  return stored;
}

/** Sends one chunk, retrying transient failures; asks the server what it holds before resending. */
async function sendChunk(
  settings: GeminiSettings,
  client: GeminiClient,
  uploadUrl: string,
  offset: number,
  bytes: Buffer,
  finalize: boolean,
): Promise<GeminiFile | null> {
  // A Retry-After of up to 5 s takes precedence over the doubling pause.
  const delayMs = (attempt: number, err: ProviderUnavailableError) =>
    err.retryAfterSeconds !== undefined ? Math.min(err.retryAfterSeconds * 1000, 5000) : settings.retryDelayMs * 2 ** (attempt - 1);
  return retryChunk(CHUNK_ATTEMPTS, delayMs, async (attempt) => {
    if (attempt > 1 && !finalize) {
      // The previous attempt may have landed even though its answer was lost.
      const received = await client.uploadedBytes(uploadUrl);
      if (received === offset + bytes.length) return null;
    }
    return client.uploadChunk(uploadUrl, offset, bytes, finalize);
  });
}

/** The Gemini file for a batch input; uploads a fresh copy when Gemini's has expired (48 h) or vanished. */
async function ensureGeminiCopy(settings: GeminiSettings, ctx: ProviderContext, client: GeminiClient, file: FileRecord): Promise<string> {
  if (file.providerFileId && FILE_NAME_PATTERN.test(file.providerFileId)) {
    const existing = await client.jsonOrMissing<GeminiFile>('GET', `v1beta/${file.providerFileId}`);
    // A file Gemini is still processing cannot be used yet: the tracker waits and submits again.
    if (existing?.state === 'PROCESSING')
      throw new ProviderUnavailableError(
        `Gemini is still processing ${existing.name}; the batch is submitted once it is ACTIVE.`,
        FILE_PROCESSING_RETRY_SECONDS,
      );
    if (existing && existing.state !== 'FAILED') return existing.name;
  }
  ctx.logger.info('Gemini copy of the input file is gone; uploading it again', { fileId: file.id, geminiFile: file.providerFileId });
  return (await uploadConverted(settings, ctx, client, file)).name;
}

async function createBatch(settings: GeminiSettings, ctx: ProviderContext, input: CreateBatchInput): Promise<CreatedBatch> {
  const { file, model } = checkRequest(input);
  const client = await clientFor(settings, ctx);
  const geminiFile = await ensureGeminiCopy(settings, ctx, client, file);
  // Creation is not idempotent on Gemini's side: a retried call would make a second batch. The
  // display name carries our batch id, so a submit retried after a lost answer finds the first.
  const operation = (await findSubmitted(client, input.batchId)) ?? (await submit(client, input, model, geminiFile));
  if (!operation.name || !BATCH_NAME_PATTERN.test(operation.name)) {
    throw new ProviderUnavailableError(
      `Gemini answered batchGenerateContent without a batch name (${JSON.stringify(operation.name ?? null)}).`,
    );
  }
  const lineCount = input.endpoint === EMBEDDINGS_ENDPOINT ? file.lineCount : undefined;
  const state = inLines(toProviderBatchState(operation), lineCount);
  const counts: RequestCounts =
    state.requestCounts && state.requestCounts.total > 0 ? state.requestCounts : { total: file.lineCount ?? 0, completed: 0, failed: 0 };
  ctx.logger.info('Created Gemini batch', { batchId: input.batchId, geminiBatch: operation.name, model });
  const providerData: GeminiBatchData = {
    inputBlob: file.blob,
    geminiFile,
    geminiModel: `models/${model}`,
    ...(lineCount !== undefined ? { lineCount } : {}),
  };
  return { providerBatchId: operation.name, model, status: state.status, requestCounts: counts, providerData: { ...providerData } };
}

/** Creates the Gemini batch of the uploaded file (chat: batchGenerateContent; embeddings: asyncBatchEmbedContent). */
function submit(client: GeminiClient, input: CreateBatchInput, model: string, geminiFile: string): Promise<GeminiOperation> {
  const method = input.endpoint === EMBEDDINGS_ENDPOINT ? 'asyncBatchEmbedContent' : 'batchGenerateContent';
  return client.json<GeminiOperation>('POST', `v1beta/models/${model}:${method}`, {
    body: { batch: { display_name: input.batchId, input_config: { file_name: geminiFile } } },
  });
}

async function checkBatch(settings: GeminiSettings, ctx: ProviderContext, batch: BatchRecord): Promise<ProviderBatchState> {
  // Gemini has no "cancelling" state: between a cancel call and CANCELLED it still says PENDING or
  // RUNNING. That is reported as is, so the tracker (which shows the batch as cancelling) keeps
  // repeating the cancel, which Gemini accepts any number of times, until it lands.
  return inLines(
    toProviderBatchState(await getOperation(await clientFor(settings, ctx), batch)),
    (batch.providerData as Partial<GeminiBatchData> | undefined)?.lineCount,
  );
}

async function cancelBatch(settings: GeminiSettings, ctx: ProviderContext, batch: BatchRecord): Promise<void> {
  const client = await clientFor(settings, ctx, true);
  const name = batchName(batch);
  try {
    await client.json('POST', `v1beta/${name}:cancel`, { body: {}, knownBatch: name });
  } catch (err) {
    // Cancelling a finished batch is refused (FAILED_PRECONDITION); for us that is success.
    if (!(err instanceof GatewayError)) throw err;
    const state = toProviderBatchState(await getOperation(client, batch));
    if (!isTerminal(state.status)) throw err;
  }
}

/** A finished batch's results, converted, into the sink; returns why the requests without one did not run. */
async function collectResults(
  settings: GeminiSettings,
  ctx: ProviderContext,
  batch: BatchRecord,
  sink: ResultSink,
): Promise<UnansweredReason> {
  const client = await clientFor(settings, ctx);
  const operation = await getOperation(client, batch);
  const state = toProviderBatchState(operation);
  // Writing not-run lines for a batch that is still working would report requests as lost.
  if (!isTerminal(state.status))
    throw new Error(
      `Gemini batch ${batch.providerBatchId} of ${batch.id} has not finished (state ${batchStateName(operation.metadata?.state)}).`,
    );
  const data = batch.providerData as Partial<GeminiBatchData> | undefined;
  if (!data?.inputBlob) throw new Error(`Batch ${batch.id} has no record of its input file; cannot account for every request.`);
  const finished: FinishedBatch = { client, batch, operation, inputBlob: data.inputBlob, context: resultContext(batch, operation) };
  // Requests without a result are answered by the result sink, with the reason the final state gives.
  const reason = notRunReason(state, batchStateName(operation.metadata?.state));
  if (batch.endpoint === EMBEDDINGS_ENDPOINT) await collectEmbeddings(ctx, finished, reason, sink);
  else await collectChatResults(ctx, finished, sink);
  return reason;
}

/** A finished Gemini batch, as collecting its results needs it. */
interface FinishedBatch {
  client: GeminiClient;
  batch: BatchRecord;
  operation: GeminiOperation;
  inputBlob: BlobLocation;
  context: ResultContext;
}

function resultContext(batch: BatchRecord, operation: GeminiOperation): ResultContext {
  return {
    batchId: batch.id,
    model: batch.model ?? (operation.metadata?.model ?? '').replace(/^models\//, ''),
    created: rfc3339ToUnixSeconds(operation.metadata?.endTime ?? operation.metadata?.updateTime) ?? batch.createdAt,
  };
}

async function collectEmbeddings(ctx: ProviderContext, finished: FinishedBatch, reason: UnansweredReason, sink: ResultSink): Promise<void> {
  const { client, batch, operation, inputBlob, context } = finished;
  const output = operation.metadata?.output ?? operation.response;
  const inlined =
    (output as { inlinedEmbedContentResponses?: { inlinedResponses?: [] } } | undefined)?.inlinedEmbedContentResponses?.inlinedResponses ??
    [];
  const responses = await responsesLines(client, batch, operation);
  await collectEmbeddingResults(ctx, batch, { inputBlob, context, responses, inlined, notRun: [reason.code, reason.message] }, sink);
}

/** Each response (file lines, then inlined ones) of an input custom_id, once; any other key is counted and dropped. */
async function collectChatResults(ctx: ProviderContext, finished: FinishedBatch, sink: ResultSink): Promise<void> {
  const { client, batch, operation, inputBlob, context } = finished;
  // Which custom_ids exist: results are joined on them, never on order.
  const expected = new Set<string>();
  for await (const { request } of inputRequests(ctx.blobs.readLines(inputBlob))) expected.add(request.custom_id);
  const written = new Set<string>();
  let unknown = 0;
  const emit = async (line: ReturnType<typeof parseResponseLine>) => {
    if (!expected.has(line.key) || written.has(line.key)) {
      unknown += 1;
      return;
    }
    written.add(line.key);
    await sink.write(toOutputLine(line, context));
  };
  const lines = await responsesLines(client, batch, operation);
  if (lines) {
    for await (const line of lines) if (line.text.trim() !== '') await emit(parseResponseLine(line.text, line.number));
  }
  const inlined = (operation.metadata?.output ?? operation.response)?.inlinedResponses?.inlinedResponses ?? [];
  for (const item of inlined) {
    if (typeof item.metadata?.key === 'string') await emit({ key: item.metadata.key, response: item.response, error: item.error });
  }
  ctx.logger.info('Collected Gemini results', {
    batchId: batch.id,
    geminiBatch: batch.providerBatchId,
    results: written.size,
    withoutResult: expected.size - written.size,
    ignoredLines: unknown,
  });
}

/** The lines of a finished batch's responses file, or null when it has none (inline or no output). */
async function responsesLines(client: GeminiClient, batch: BatchRecord, operation: GeminiOperation): Promise<AsyncIterable<Line> | null> {
  const responsesFile = responsesFileOf(operation);
  if (!responsesFile) return null;
  if (!FILE_NAME_PATTERN.test(responsesFile))
    throw new Error(`Gemini named an unexpected responses file ${JSON.stringify(responsesFile)} for batch ${batch.id}.`);
  try {
    return readLines(await client.download(responsesFile));
  } catch (err) {
    throw isGone(err)
      ? new ProviderLostBatchError(`Gemini responses file ${responsesFile} of batch ${batch.id} is gone: ${(err as Error).message}`)
      : err;
  }
}

/** Gemini's counters count requests; an embeddings batch reports OpenAI lines (several texts may be one line). */
function inLines(state: ProviderBatchState, lineCount: number | undefined): ProviderBatchState {
  if (lineCount === undefined || !state.requestCounts || state.requestCounts.total === 0) return state;
  return { ...state, requestCounts: countsInLines(state.requestCounts, lineCount, state.requestCounts.total) };
}

/** How soon to look again at a file Gemini is still processing. */
const FILE_PROCESSING_RETRY_SECONDS = 10;

function checkRequest(input: CreateBatchInput): { file: FileRecord; model: string } {
  const file = input.inputFile;
  if (!file) {
    throw badRequest(
      'Gemini batches need an input_file_id: upload the requests with files.create (provider "gemini") first.',
      'input_file_id',
      'missing_input_file',
    );
  }
  const model = resolveModel(input.model, file);
  if (input.endpoint === EMBEDDINGS_ENDPOINT) requireGeminiEmbeddingModel(model);
  return { file, model };
}

/** Gemini batches (newest first) a submit looks through for one an earlier attempt made. */
const LOOKUP_PAGES = 4;

/** The Gemini batch an earlier submit of this gateway batch made (display_name = batch id), unless it ended in failure. */
async function findSubmitted(client: GeminiClient, batchId: string): Promise<GeminiOperation | null> {
  let pageToken: string | undefined;
  for (let page = 0; page < LOOKUP_PAGES; page++) {
    const listed = await client.json<{ operations?: GeminiOperation[]; nextPageToken?: string }>(
      'GET',
      `v1beta/batches?pageSize=100${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`,
    );
    const found = (listed.operations ?? []).find((op) => displayNameOf(op) === batchId && !/FAILED|CANCELLED|EXPIRED/.test(stateOf(op)));
    if (found) return found;
    if (!listed.nextPageToken) return null;
    pageToken = listed.nextPageToken;
  }
  return null;
}

const displayNameOf = (op: GeminiOperation) => op.metadata?.displayName;
const stateOf = (op: GeminiOperation) => batchStateName(op.metadata?.state);

/** The one model of a Gemini batch: extra_body `model`, else the model every line names. */
export function resolveModel(requested: string | null, file: Pick<FileRecord, 'model' | 'id'>): string {
  const fromLines = file.model === undefined || file.model === null ? file.model : stripModelsPrefix(file.model);
  if (file.model === null) {
    throw badRequest(
      `The lines of ${file.id} name several models; a Gemini batch runs one model. Split the file by model.`,
      'input_file_id',
      'mixed_models',
    );
  }
  const model = requested ? stripModelsPrefix(requested) : fromLines;
  if (!model) throw badRequest('No model: pass "model" in the request body (extra_body) for a Gemini batch.', 'model', 'missing_model');
  if (fromLines && fromLines !== model) {
    throw badRequest(
      `model ${JSON.stringify(model)} differs from ${JSON.stringify(fromLines)} named by the lines of ${file.id}; a Gemini batch runs one model.`,
      'model',
      'model_mismatch',
    );
  }
  if (!MODEL_PATTERN.test(model))
    throw badRequest(`model ${JSON.stringify(model)} is not a valid Gemini model name.`, 'model', 'invalid_model');
  return model;
}

function stripModelsPrefix(model: string): string {
  return model.replace(/^models\//, '');
}

function fileData(stored: GeminiFile): GeminiFileData {
  return {
    geminiFile: {
      name: stored.name,
      uri: stored.uri,
      sizeBytes: stored.sizeBytes === undefined ? undefined : Number(stored.sizeBytes),
      expiresAt: rfc3339ToUnixSeconds(stored.expirationTime) ?? null,
    },
  };
}

async function* convertedLines(ctx: ProviderContext, file: FileRecord): AsyncGenerator<string> {
  for await (const { line, request } of inputRequests(ctx.blobs.readLines(file.blob))) {
    // An embeddings line with n texts is n Gemini requests (embeddings.ts); a chat line is one.
    if (file.endpoint === EMBEDDINGS_ENDPOINT) {
      for (const embed of toGeminiEmbedLines(request, line)) yield JSON.stringify(embed) + '\n';
      continue;
    }
    yield JSON.stringify(convertAtLine(line, 'unsupported_for_gemini', () => toGeminiBatchLine(request))) + '\n';
  }
}

function batchName(batch: BatchRecord): string {
  if (!batch.providerBatchId || !BATCH_NAME_PATTERN.test(batch.providerBatchId)) {
    throw new ProviderLostBatchError(`Batch ${batch.id} has no valid Gemini batch name (${JSON.stringify(batch.providerBatchId)}).`);
  }
  return batch.providerBatchId;
}

async function getOperation(client: GeminiClient, batch: BatchRecord): Promise<GeminiOperation> {
  const name = batchName(batch);
  return client.json<GeminiOperation>('GET', `v1beta/${name}`, { knownBatch: name });
}

function isGone(err: unknown): boolean {
  return err instanceof GatewayError && (err.code === 'not_found' || err.code === 'permission_denied');
}

/** Why requests without a result did not run, from the batch's final state. */
function notRunReason(state: ProviderBatchState, geminiState: string): UnansweredReason {
  switch (state.status) {
    case 'cancelled':
      return { code: 'batch_cancelled' };
    case 'expired':
      return { code: 'batch_expired', message: 'This request was not executed: the Gemini batch expired (48 h) before it ran.' };
    case 'failed':
      return { code: 'batch_failed', message: state.errors?.[0]?.message ?? undefined };
    default:
      return { code: 'batch_failed', message: `Gemini returned no result for this request (batch state ${geminiState}).` };
  }
}

export const geminiAdapter: ProviderAdapter = createGeminiAdapter();
