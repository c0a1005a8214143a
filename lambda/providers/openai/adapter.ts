// OpenAI as a provider: OpenAI already speaks the gateway's wire format, so this adapter forwards the
// input file, passes batches through, and streams OpenAI's own output and error files back. The
// gateway keeps its own ids; OpenAI's file and batch ids stay in providerFileId / providerBatchId.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import OpenAI, { ConflictError, NotFoundError, toStreamingFile } from 'openai';
import type { Batch, BatchCreateParams } from 'openai/resources/batches';
import { badRequest } from '../../http/errors';
import { notRunLine } from '../../openai/output-lines';
import type { BatchRequestOutput } from '../../openai/types';
import { readLines } from '../../batch-files/lines';
import { isObject } from '../../batch-files/validate';
import type { BatchRecord, BlobLocation, FileRecord } from '../../store/records';
import { ProviderLostBatchError } from '../errors';
import { requestPathTimeoutMs } from '../deadlines';
import type { CreateBatchInput, CreatedBatch, ProviderAdapter, ProviderBatchState, ProviderContext, ResultSink } from '../provider';
import { mapOpenAIError, type MapContext } from './errors';
import { isKnownProviderStatus, mapBatchErrors, mapBatchStatus, mapRequestCounts } from './status';
import { OPENAI_ENDPOINTS } from '../../batch-files/endpoints';

export interface OpenAIAdapterOptions {
  /** SDK retries for idempotent calls (reads, deletes, cancels). */
  maxRetries?: number;
  /** Per-request timeout in milliseconds. */
  timeoutMs?: number;
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
  /** The gateway's copy of the input, to account for requests OpenAI's files leave out. */
  inputBlob?: BlobLocation;
}

export function createOpenAIAdapter(options: OpenAIAdapterOptions = {}): ProviderAdapter {
  const maxRetries = options.maxRetries ?? 2;

  async function client(ctx: ProviderContext): Promise<OpenAI> {
    const { baseUrl, apiKey } = await ctx.credentials();
    // The tracker's calls: a 15-minute function retries them itself. FINOPS_OPENAI_TIMEOUT_MS lowers it (tests).
    const timeout = options.timeoutMs ?? (Number(process.env.FINOPS_OPENAI_TIMEOUT_MS) || 60_000);
    return new OpenAI({ baseURL: baseUrl, apiKey, maxRetries, timeout });
  }

  /** Runs one SDK call and translates its failure. */
  async function call<T>(context: MapContext, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapOpenAIError(err, context);
    }
  }

  function requireProviderBatchId(batch: BatchRecord): string {
    if (!batch.providerBatchId) throw new ProviderLostBatchError(`Batch ${batch.id} has no OpenAI batch id; it was never submitted to OpenAI.`);
    return batch.providerBatchId;
  }

  function batchData(batch: Batch, inputBlob?: BlobLocation): OpenAIBatchData {
    return { outputFileId: batch.output_file_id ?? null, errorFileId: batch.error_file_id ?? null, providerStatus: batch.status, ...(inputBlob ? { inputBlob } : {}) };
  }

  return {
    name: 'openai',
    acceptsInlineRequests: false,
    endpoints: OPENAI_ENDPOINTS,

    async onFileStored(ctx, file) {
      // Only batch inputs run on OpenAI; other purposes have nothing to forward.
      if (file.purpose !== 'batch') return {};
      const openai = await client(ctx);
      // Streamed straight from the gateway's copy: the file is never held whole in memory. A streamed
      // body cannot be replayed, so the SDK does not retry it; the error tells the caller to.
      const uploaded = await call({ operation: 'upload_file' }, async () => {
        const body = await ctx.blobs.get(file.blob);
        return openai.files.create({ file: toStreamingFile(body, file.filename || `${file.id}.jsonl`, { type: 'application/jsonl' }), purpose: 'batch' }, { timeout: requestPathTimeoutMs(), maxRetries: 0 });
      });
      ctx.logger.info('file forwarded to OpenAI', { fileId: file.id, providerFileId: uploaded.id, bytes: uploaded.bytes });
      return { providerFileId: uploaded.id };
    },

    async onFileDeleted(ctx, file) {
      const providerFileId = file.providerFileId;
      if (!providerFileId) return;
      const openai = await client(ctx);
      await call({ operation: 'delete_file' }, async () => {
        try {
          await openai.files.delete(providerFileId, { timeout: requestPathTimeoutMs(), maxRetries: 0 });
        } catch (err) {
          if (err instanceof NotFoundError) return; // already gone: deleting is idempotent
          throw err;
        }
      });
    },

    async acceptBatch(_ctx, input) {
      checkRequest(input);
      return {};
    },

    async createBatch(ctx, input: CreateBatchInput): Promise<CreatedBatch> {
      const { inputFile, providerFileId } = checkRequest(input);
      const openai = await client(ctx);
      // OpenAI takes no idempotency key: a submit retried after a lost answer finds the batch by the
      // gateway batch id in its metadata instead of creating a second one.
      const created = (await findSubmitted(openai, input)) ?? await call({ operation: 'create_batch' }, () =>
        openai.batches.create(
          {
            input_file_id: providerFileId,
            endpoint: input.endpoint as BatchCreateParams['endpoint'],
            completion_window: input.completionWindow as BatchCreateParams['completion_window'],
            metadata: providerMetadata(input.metadata, input.batchId),
          },
          // No idempotency key upstream: a retried create after a lost answer would start a second paid
          // batch. Fail once and let the caller decide.
          { maxRetries: 0 },
        ),
      );
      ctx.logger.info('batch submitted to OpenAI', { batchId: input.batchId, providerBatchId: created.id, status: created.status });
      return {
        providerBatchId: created.id,
        model: input.model ?? inputFile.model ?? created.model ?? null,
        status: mapBatchStatus(created.status),
        requestCounts: mapRequestCounts(created.request_counts),
        providerData: { ...batchData(created, inputFile.blob) },
      };
    },

    async checkBatch(ctx, batch): Promise<ProviderBatchState> {
      const providerBatchId = requireProviderBatchId(batch);
      const openai = await client(ctx);
      const current = await call({ operation: 'check_batch', providerBatchId }, () => openai.batches.retrieve(providerBatchId));
      if (!isKnownProviderStatus(current.status)) {
        ctx.logger.warn('unknown OpenAI batch status, still polling', { batchId: batch.id, providerStatus: current.status });
      }
      const previous = batch.providerData as Partial<OpenAIBatchData> | undefined;
      const errors = mapBatchErrors(current.errors);
      return {
        status: mapBatchStatus(current.status),
        requestCounts: mapRequestCounts(current.request_counts),
        ...(errors.length > 0 ? { errors } : {}),
        ...(current.in_progress_at ? { inProgressAt: current.in_progress_at } : {}),
        providerData: { ...batchData(current, previous?.inputBlob) },
      };
    },

    async cancelBatch(ctx, batch) {
      const providerBatchId = requireProviderBatchId(batch);
      const openai = await client(ctx);
      await call({ operation: 'cancel_batch', providerBatchId }, async () => {
        try {
          // Also called by batches.cancel while its client waits: bounded like every request-path call.
          await openai.batches.cancel(providerBatchId, { timeout: requestPathTimeoutMs(), maxRetries: 0 });
        } catch (err) {
          // OpenAI refuses to cancel a batch that already finished; that is the outcome we wanted.
          if (err instanceof ConflictError) return;
          throw err;
        }
      });
    },

    async collectResults(ctx, batch, sink: ResultSink) {
      const providerBatchId = requireProviderBatchId(batch);
      const openai = await client(ctx);
      const current = await call({ operation: 'check_batch', providerBatchId }, () => openai.batches.retrieve(providerBatchId));
      const seen = new Set<string>();
      for (const fileId of [current.output_file_id, current.error_file_id]) {
        if (!fileId) continue;
        await call({ operation: 'collect_results' }, async () => {
          const response = await openai.files.content(fileId);
          if (!response.body) return;
          // Line by line from the HTTP body: memory stays bounded whatever the file size.
          const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
          for await (const line of readLines(body)) {
            if (line.text.trim() === '') continue;
            const result = parseResultLine(line.text, fileId, line.number);
            if (seen.has(result.custom_id)) continue; // exactly once, even if OpenAI repeated a line
            seen.add(result.custom_id);
            await sink.write(result);
          }
        });
      }
      await writeMissingRequests(ctx, batch, current, seen, sink);
    },
  };
}

function checkRequest(input: CreateBatchInput): { inputFile: FileRecord; providerFileId: string } {
  const inputFile = input.inputFile;
  if (!inputFile) {
    throw badRequest('The openai provider runs batches from an uploaded file: set input_file_id to a file uploaded with purpose "batch" (inline requests are not supported for openai).', 'input_file_id');
  }
  const providerFileId = requireProviderFile(inputFile);
  if (input.model && inputFile.model && input.model !== inputFile.model) {
    throw badRequest(`model ${input.model} differs from the model of the input file's requests (${inputFile.model}); OpenAI runs the model named in each request.`, 'model');
  }
  return { inputFile, providerFileId };
}

/** OpenAI batches of this gateway batch that may still run (one sent back for a full queue does not count). */
const REUSABLE = (batch: Batch) => !['failed', 'expired', 'cancelled', 'cancelling'].includes(batch.status);
/** Batches listed newest first: the look-up stops at ones created this long before the gateway batch. */
const LOOKUP_SLACK_SECONDS = 300;

/** The OpenAI batch an earlier submit of this gateway batch made, found by `metadata.finops_batch_id`. */
async function findSubmitted(openai: OpenAI, input: CreateBatchInput): Promise<Batch | null> {
  if (!(GATEWAY_BATCH_METADATA_KEY in providerMetadata(input.metadata, input.batchId)) || input.metadata?.[GATEWAY_BATCH_METADATA_KEY]) return null;
  try {
    for await (const batch of openai.batches.list({ limit: 100 })) {
      if (batch.created_at < input.createdAt - LOOKUP_SLACK_SECONDS) return null;
      if (batch.metadata?.[GATEWAY_BATCH_METADATA_KEY] === input.batchId && REUSABLE(batch)) return batch;
    }
    return null;
  } catch (err) {
    throw mapOpenAIError(err, { operation: 'check_batch' });
  }
}

/**
 * Every input request must come out exactly once. OpenAI's files cover the requests it knew about;
 * a failed batch has no files at all, and a cancelled one may leave requests out. Those come out
 * as error lines, read from the gateway's copy of the input (only custom_ids are kept in memory).
 */
async function writeMissingRequests(ctx: ProviderContext, batch: BatchRecord, current: Batch, seen: Set<string>, sink: ResultSink): Promise<void> {
  const inputBlob = (batch.providerData as Partial<OpenAIBatchData> | undefined)?.inputBlob;
  if (!inputBlob) {
    ctx.logger.warn('no input copy recorded; cannot account for requests missing from OpenAI results', { batchId: batch.id });
    return;
  }
  const code = current.status === 'cancelled' ? 'batch_cancelled' : current.status === 'expired' ? 'batch_expired' : 'batch_failed';
  let missing = 0;
  for await (const line of ctx.blobs.readLines(inputBlob)) {
    if (line.text.trim() === '') continue;
    const customId = customIdOf(line.text);
    if (customId === null || seen.has(customId)) continue;
    seen.add(customId);
    missing += 1;
    await sink.write(notRunLine(customId, code));
  }
  if (missing > 0) ctx.logger.info('requests missing from OpenAI results written as errors', { batchId: batch.id, missing, code });
}

function customIdOf(text: string): string | null {
  try {
    const value = JSON.parse(text) as { custom_id?: unknown };
    return typeof value.custom_id === 'string' ? value.custom_id : null;
  } catch {
    return null; // the gateway validated its input; a bad line here has no request to account for
  }
}

function requireProviderFile(file: FileRecord): string {
  if (!file.providerFileId) {
    throw badRequest(`File ${file.id} was not uploaded to OpenAI (it was stored for provider ${file.provider}); upload it again with provider "openai".`, 'input_file_id');
  }
  return file.providerFileId;
}

/** The client's metadata, plus the gateway batch id when there is room (OpenAI allows 16 pairs). */
export function providerMetadata(metadata: Record<string, string> | null, batchId: string): Record<string, string> {
  const out = { ...(metadata ?? {}) };
  if (Object.keys(out).length < MAX_METADATA_PAIRS && !(GATEWAY_BATCH_METADATA_KEY in out)) out[GATEWAY_BATCH_METADATA_KEY] = batchId;
  return out;
}

/** One line of an OpenAI output/error file → a sink line (OpenAI's line id dropped; the gateway assigns ids). */
export function parseResultLine(text: string, fileId: string, lineNumber: number): Omit<BatchRequestOutput, 'id'> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`OpenAI result file ${fileId} line ${lineNumber} is not valid JSON.`);
  }
  if (!isObject(value) || typeof value.custom_id !== 'string') {
    throw new Error(`OpenAI result file ${fileId} line ${lineNumber} has no custom_id.`);
  }
  const response = isObject(value.response) ? (value.response as BatchRequestOutput['response']) : null;
  const error = isObject(value.error) ? (value.error as BatchRequestOutput['error']) : null;
  return { custom_id: value.custom_id, response, error };
}

export const openaiAdapter: ProviderAdapter = createOpenAIAdapter();
