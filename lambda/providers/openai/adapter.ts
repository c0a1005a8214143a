// OpenAI as a provider: OpenAI already speaks the gateway's wire format, so this adapter forwards the
// input file, passes batches through, and streams OpenAI's own output and error files back. The
// gateway keeps its own ids; OpenAI's file and batch ids stay in providerFileId / providerBatchId.
// The same adapter serves every OpenAI-shaped batch provider of the catalog (Groq, Together AI):
// createOpenAIAdapter(name) reads its quirks (contracts/providers.ts) and its wire dialect (wire.ts).
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import OpenAI, { ConflictError, NotFoundError } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { badRequest } from '#lambda/http/errors';
import type { BatchRequestOutput } from '#contracts/openai-types';
import { readLines } from '#lambda/batch-files/lines';
import { isObject } from '#lambda/batch-files/validate';
import type { BatchRecord, BlobLocation, FileRecord } from '#contracts/records';
import { ProviderLostBatchError } from '#lambda/providers/errors';
import { requestPathTimeoutMs } from '#lambda/providers/deadlines';
import type {
  CreateBatchInput,
  CreatedBatch,
  ProviderAdapter,
  ProviderBatchState,
  ProviderContext,
  ResultSink,
  UnansweredReason,
} from '#lambda/providers/provider';
import { mapOpenAIError, type MapContext } from './errors';
import { isKnownProviderStatus, mapBatchErrors, mapBatchStatus, mapRequestCounts } from './status';
import { batchWire, type BatchWire } from './wire';
import { checkCompatibleBatch, checkCompatibleFile } from './quirks';
import { PROVIDER_CATALOG, openaiCompatibleQuirks, type OpenAICompatibleQuirks, type ProviderName } from '#contracts/providers';

export interface OpenAIAdapterOptions {
  /** SDK retries for idempotent calls (reads, deletes, cancels). */
  maxRetries?: number;
  /** Per-request timeout in milliseconds. */
  timeoutMs?: number;
  // A provider of OpenAI's shape with its own client and habits (Azure OpenAI: lambda/providers/azure/):
  /** Its SDK client (default: `new OpenAI` from the context's base URL and key). */
  client?: (ctx: ProviderContext, options: { maxRetries: number; timeout: number }) => Promise<OpenAI>;
  /** Rewrites each line of a batch input file on its way to the provider (default: sent as stored). */
  uploadLine?: (text: string) => string;
  /** Before a batch is created from the provider's copy of the input (e.g. wait until it is processed). */
  beforeCreate?: (openai: OpenAI, providerFileId: string) => Promise<void>;
  /** Its own meaning of some errors, tried before OpenAI's (null: OpenAI's mapping applies). */
  mapError?: (err: unknown, context: MapContext) => Error | null;
}

/** Metadata key naming the gateway batch on the OpenAI side, so an operator can match the two. */
export const GATEWAY_BATCH_METADATA_KEY = 'finops_batch_id';
const MAX_METADATA_PAIRS = 16;

/** What the adapter keeps in BatchRecord.providerData. */
export interface OpenAIBatchData {
  outputFileId: string | null;
  errorFileId: string | null;
  /** OpenAI's own status word (e.g. `finalizing`), for operators; the gateway status is mapped. */
  providerStatus: string;
  /** The gateway's copy of the input (kept on records for operators; the result sink answers what OpenAI's files leave out). */
  inputBlob?: BlobLocation;
}

/** What the adapter's functions share: the provider, its catalog quirks and wire dialect, and the options. */
interface OpenAIShaped {
  name: ProviderName;
  display: string;
  quirks: OpenAICompatibleQuirks;
  wire: BatchWire;
  options: OpenAIAdapterOptions;
}

/** An adapter for a catalog provider of OpenAI's shape (its entry has `openaiCompatible` quirks). */
export function createOpenAIAdapter(name: ProviderName = 'openai', options: OpenAIAdapterOptions = {}): ProviderAdapter {
  const quirks: OpenAICompatibleQuirks | null = openaiCompatibleQuirks(name);
  if (!quirks) throw new Error(`createOpenAIAdapter: provider '${name}' has no openaiCompatible quirks in the catalog`);
  const shaped: OpenAIShaped = { name, display: PROVIDER_CATALOG[name].displayName, quirks, wire: batchWire(quirks), options };
  return {
    name,
    acceptsInlineRequests: false,
    runCheck: () => ({ group: name, convert: (body) => body }), // lines are passed through unchanged
    // Every endpoint the catalog lists for this provider runs natively (contracts/providers.ts).
    endpoints: Object.fromEntries(quirks.endpoints.map((e) => [e, 'native' as const])),
    onFileStored: (ctx, file) => onFileStored(shaped, ctx, file),
    onFileDeleted: (ctx, file) => onFileDeleted(shaped, ctx, file),
    acceptBatch: async (_ctx, input) => {
      checkRequest(name, shaped.display, input);
      checkCompatibleBatch(shaped.display, quirks, input);
      return {};
    },
    createBatch: (ctx, input) => createBatch(shaped, ctx, input),
    checkBatch: (ctx, batch) => checkBatch(shaped, ctx, batch),
    cancelBatch: (ctx, batch) => cancelBatch(shaped, ctx, batch),
    collectResults: (ctx, batch, sink) => collectResults(shaped, ctx, batch, sink),
    // "Each input file can only include requests to a single model" (platform.openai.com/docs/guides/batch).
    oneModelPerJob: true,
  };
}

/** The error context, naming the provider. */
function mapContextOf({ display }: OpenAIShaped, context: MapContext): MapContext {
  return { provider: display, ...context };
}

/** The provider's own meaning of an error first (Azure), else OpenAI's. */
function mapErrorOf({ options }: OpenAIShaped): (err: unknown, context: MapContext) => Error {
  return (err, context) => options.mapError?.(err, context) ?? mapOpenAIError(err, context);
}

/** Runs one SDK call of this provider and translates its failure. */
function call<T>(shaped: OpenAIShaped, context: MapContext, fn: () => Promise<T>): Promise<T> {
  return callMapped(mapContextOf(shaped, context), fn, mapErrorOf(shaped));
}

async function client({ options }: OpenAIShaped, ctx: ProviderContext): Promise<OpenAI> {
  const maxRetries = options.maxRetries ?? 2;
  // The tracker's calls: a 15-minute function retries them itself. FINOPS_OPENAI_TIMEOUT_MS lowers it (tests).
  const timeout = options.timeoutMs ?? (Number(process.env.FINOPS_OPENAI_TIMEOUT_MS) || 60_000);
  if (options.client) return options.client(ctx, { maxRetries, timeout });
  const { baseUrl, apiKey } = await ctx.credentials();
  return new OpenAI({ baseURL: baseUrl, apiKey, maxRetries, timeout });
}

function requireProviderBatchId({ display }: OpenAIShaped, batch: BatchRecord): string {
  if (!batch.providerBatchId)
    throw new ProviderLostBatchError(`Batch ${batch.id} has no ${display} batch id; it was never submitted to ${display}.`);
  return batch.providerBatchId;
}

function batchData(batch: Batch, inputBlob?: BlobLocation): OpenAIBatchData {
  return {
    outputFileId: batch.output_file_id ?? null,
    errorFileId: batch.error_file_id ?? null,
    providerStatus: batch.status,
    ...(inputBlob ? { inputBlob } : {}),
  };
}

async function onFileStored(shaped: OpenAIShaped, ctx: ProviderContext, file: FileRecord): Promise<Partial<FileRecord>> {
  const { display, quirks, wire, options } = shaped;
  // Only batch inputs run on the provider; other purposes have nothing to forward.
  if (file.purpose !== 'batch') return {};
  checkCompatibleFile(display, quirks, file);
  const openai = await client(shaped, ctx);
  // Streamed straight from the gateway's copy: the file is never held whole in memory.
  const uploaded = await call(shaped, { operation: 'upload_file' }, async () => {
    const stored = await ctx.blobs.get(file.blob);
    const body = options.uploadLine ? Readable.from(rewriteLines(stored, options.uploadLine)) : stored;
    return wire.uploadFile(openai, { body, filename: file.filename || `${file.id}.jsonl`, timeoutMs: requestPathTimeoutMs() });
  });
  ctx.logger.info(`file forwarded to ${display}`, { fileId: file.id, providerFileId: uploaded.id, bytes: uploaded.bytes });
  return { providerFileId: uploaded.id };
}

async function onFileDeleted(shaped: OpenAIShaped, ctx: ProviderContext, file: FileRecord): Promise<void> {
  const providerFileId = file.providerFileId;
  if (!providerFileId) return;
  const openai = await client(shaped, ctx);
  await call(shaped, { operation: 'delete_file' }, async () => {
    try {
      await openai.files.delete(providerFileId, { timeout: requestPathTimeoutMs(), maxRetries: 0 });
    } catch (err) {
      if (err instanceof NotFoundError) return; // already gone: deleting is idempotent
      throw err;
    }
  });
}

async function createBatch(shaped: OpenAIShaped, ctx: ProviderContext, input: CreateBatchInput): Promise<CreatedBatch> {
  const { name, display, wire, options } = shaped;
  const { inputFile, providerFileId } = checkRequest(name, display, input);
  const openai = await client(shaped, ctx);
  // No idempotency key upstream: a submit retried after a lost answer finds the batch by the
  // gateway batch id in its metadata (or, without metadata, by its input file) instead of creating a second one.
  const created =
    (await findSubmitted(wire, openai, input, providerFileId, mapContextOf(shaped, { operation: 'check_batch' }), mapErrorOf(shaped))) ??
    (await call(shaped, { operation: 'create_batch' }, async () => {
      await options.beforeCreate?.(openai, providerFileId);
      return wire.createBatch(openai, {
        input_file_id: providerFileId,
        endpoint: input.endpoint,
        completion_window: input.completionWindow,
        metadata: providerMetadata(input.metadata, input.batchId),
      });
    }));
  ctx.logger.info(`batch submitted to ${display}`, { batchId: input.batchId, providerBatchId: created.id, status: created.status });
  return {
    providerBatchId: created.id,
    model: input.model ?? inputFile.model ?? created.model ?? null,
    status: mapBatchStatus(created.status),
    requestCounts: mapRequestCounts(created.request_counts),
    providerData: { ...batchData(created, inputFile.blob) },
  };
}

/** The provider's batch as it is now. */
async function retrieve(shaped: OpenAIShaped, openai: OpenAI, providerBatchId: string): Promise<Batch> {
  return call(shaped, { operation: 'check_batch', providerBatchId }, () => shaped.wire.retrieveBatch(openai, providerBatchId));
}

async function checkBatch(shaped: OpenAIShaped, ctx: ProviderContext, batch: BatchRecord): Promise<ProviderBatchState> {
  const { display } = shaped;
  const providerBatchId = requireProviderBatchId(shaped, batch);
  const current = await retrieve(shaped, await client(shaped, ctx), providerBatchId);
  if (!isKnownProviderStatus(current.status)) {
    ctx.logger.warn(`unknown ${display} batch status, still polling`, { batchId: batch.id, providerStatus: current.status });
  }
  const previous = batch.providerData as Partial<OpenAIBatchData> | undefined;
  const errors = mapBatchErrors(current.errors, display);
  return {
    status: mapBatchStatus(current.status),
    requestCounts: mapRequestCounts(current.request_counts),
    ...(errors.length > 0 ? { errors } : {}),
    ...(current.in_progress_at ? { inProgressAt: current.in_progress_at } : {}),
    providerData: { ...batchData(current, previous?.inputBlob) },
  };
}

async function cancelBatch(shaped: OpenAIShaped, ctx: ProviderContext, batch: BatchRecord): Promise<void> {
  const providerBatchId = requireProviderBatchId(shaped, batch);
  const openai = await client(shaped, ctx);
  await call(shaped, { operation: 'cancel_batch', providerBatchId }, async () => {
    try {
      // Also called by batches.cancel while its client waits: bounded like every request-path call.
      await shaped.wire.cancelBatch(openai, providerBatchId, requestPathTimeoutMs());
    } catch (err) {
      // OpenAI refuses to cancel a batch that already finished; that is the outcome we wanted.
      if (err instanceof ConflictError) return;
      throw err;
    }
  });
}

async function collectResults(shaped: OpenAIShaped, ctx: ProviderContext, batch: BatchRecord, sink: ResultSink): Promise<UnansweredReason> {
  const providerBatchId = requireProviderBatchId(shaped, batch);
  const openai = await client(shaped, ctx);
  const current = await retrieve(shaped, openai, providerBatchId);
  const seen = new Set<string>();
  for (const fileId of [current.output_file_id, current.error_file_id]) {
    if (fileId) await call(shaped, { operation: 'collect_results' }, () => streamResultFile(shaped, openai, fileId, seen, sink));
  }
  return unansweredReason(current);
}

/** One output or error file of the provider, line by line from the HTTP body (memory stays bounded whatever its size). */
async function streamResultFile(shaped: OpenAIShaped, openai: OpenAI, fileId: string, seen: Set<string>, sink: ResultSink): Promise<void> {
  const response = await openai.files.content(fileId);
  if (!response.body) return;
  const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
  for await (const line of readLines(body)) {
    if (line.text.trim() === '') continue;
    const result = parseResultLine(line.text, fileId, line.number, shaped.display);
    if (seen.has(result.custom_id)) continue; // exactly once, even if OpenAI repeated a line
    seen.add(result.custom_id);
    await sink.write(result);
  }
}

/** Runs one SDK call and translates its failure. */
async function callMapped<T>(context: MapContext, fn: () => Promise<T>, mapError = mapOpenAIError): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapError(err, context);
  }
}

function checkRequest(name: ProviderName, display: string, input: CreateBatchInput): { inputFile: FileRecord; providerFileId: string } {
  const inputFile = input.inputFile;
  if (!inputFile) {
    throw badRequest(
      `The ${name} provider runs batches from an uploaded file: set input_file_id to a file uploaded with purpose "batch" (inline requests are not supported for ${name}).`,
      'input_file_id',
    );
  }
  const providerFileId = requireProviderFile(name, display, inputFile);
  if (input.model && inputFile.model && input.model !== inputFile.model) {
    throw badRequest(
      `model ${input.model} differs from the model of the input file's requests (${inputFile.model}); ${display} runs the model named in each request.`,
      'model',
    );
  }
  return { inputFile, providerFileId };
}

/** OpenAI batches of this gateway batch that may still run (one sent back for a full queue does not count). */
const REUSABLE = (batch: Batch) => !['failed', 'expired', 'cancelled', 'cancelling'].includes(batch.status);
/** Batches listed newest first: the look-up stops at ones created this long before the gateway batch. */
const LOOKUP_SLACK_SECONDS = 300;

/**
 * The provider batch an earlier submit of this gateway batch made, found by `metadata.finops_batch_id`;
 * a provider without batch metadata (Together) by its input file, among batches made after the gateway batch.
 */
async function findSubmitted(
  wire: BatchWire,
  openai: OpenAI,
  input: CreateBatchInput,
  providerFileId: string,
  context: MapContext,
  mapError = mapOpenAIError,
): Promise<Batch | null> {
  const byMetadata = wire.batchMetadata;
  if (
    byMetadata &&
    (!(GATEWAY_BATCH_METADATA_KEY in providerMetadata(input.metadata, input.batchId)) || input.metadata?.[GATEWAY_BATCH_METADATA_KEY])
  )
    return null;
  const ours = (batch: Batch) =>
    byMetadata
      ? batch.metadata?.[GATEWAY_BATCH_METADATA_KEY] === input.batchId
      : batch.input_file_id === providerFileId && batch.created_at >= input.createdAt;
  try {
    for await (const batch of wire.listBatches(openai)) {
      if (batch.created_at < input.createdAt - LOOKUP_SLACK_SECONDS) return null;
      if (ours(batch) && REUSABLE(batch)) return batch;
    }
    return null;
  } catch (err) {
    throw mapError(err, context);
  }
}

/**
 * A failed batch has no files at all, and a cancelled or expired one may leave requests out: the
 * result sink answers those (from the custom_id snapshot) with the reason OpenAI's status gives.
 */
function unansweredReason(current: Batch): UnansweredReason {
  return { code: current.status === 'cancelled' ? 'batch_cancelled' : current.status === 'expired' ? 'batch_expired' : 'batch_failed' };
}

function requireProviderFile(name: ProviderName, display: string, file: FileRecord): string {
  if (!file.providerFileId) {
    throw badRequest(
      `File ${file.id} was not uploaded to ${display} (it was stored for provider ${file.provider}); upload it again with provider "${name}".`,
      'input_file_id',
    );
  }
  return file.providerFileId;
}

/** A stored JSONL body, line by line through `rewrite` (streamed: memory stays bounded). */
async function* rewriteLines(body: Readable, rewrite: (text: string) => string): AsyncGenerator<string> {
  for await (const line of readLines(body)) yield `${rewrite(line.text)}\n`;
}

/** The client's metadata, plus the gateway batch id when there is room (OpenAI allows 16 pairs). */
export function providerMetadata(metadata: Record<string, string> | null, batchId: string): Record<string, string> {
  const out = { ...(metadata ?? {}) };
  if (Object.keys(out).length < MAX_METADATA_PAIRS && !(GATEWAY_BATCH_METADATA_KEY in out)) out[GATEWAY_BATCH_METADATA_KEY] = batchId;
  return out;
}

/** One line of an OpenAI output/error file → a sink line (OpenAI's line id dropped; the gateway assigns ids). */
export function parseResultLine(text: string, fileId: string, lineNumber: number, display = 'OpenAI'): Omit<BatchRequestOutput, 'id'> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${display} result file ${fileId} line ${lineNumber} is not valid JSON.`);
  }
  if (!isObject(value) || typeof value.custom_id !== 'string') {
    throw new Error(`${display} result file ${fileId} line ${lineNumber} has no custom_id.`);
  }
  const response = isObject(value.response) ? (value.response as BatchRequestOutput['response']) : null;
  const error = isObject(value.error) ? (value.error as BatchRequestOutput['error']) : null;
  return { custom_id: value.custom_id, response, error };
}

export const openaiAdapter: ProviderAdapter = createOpenAIAdapter('openai');
