// Anthropic Message Batches behind the OpenAI Batch API. The I/O edge of the provider: conversion
// lives in request.ts / response.ts / status.ts, this file talks to Anthropic (official SDK) and to
// the gateway's blob store.
//
// One gateway batch may be several Message Batches (Anthropic takes at most 100,000 requests or
// 256 MB per batch). The client sees one batch: providerBatchId is the first Message Batch, and
// providerData (AnthropicBatchData) lists them all with the custom_id manifest that joins results
// back to the client's ids.
import Anthropic, { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import type { BatchCreateParams, MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import type {
  CreateBatchInput,
  CreatedBatch,
  ProviderAdapter,
  ProviderBatchState,
  ProviderContext,
  ResultSink,
  UnansweredReason,
} from '#lambda/providers/provider';
import type { BatchRecord, BlobLocation, FileRecord } from '#contracts/records';
import type { BatchRequestInput, BatchStatus } from '#contracts/openai-types';
import { convertLineBody } from '#lambda/providers/convert/responses-request';
import { GatewayError, badRequest, upstreamError } from '#lambda/http/errors';
import {
  ProviderLostBatchError,
  ProviderUnavailableError,
  describeError,
  isNetworkError,
  isTransientStatus,
  retryAfterSeconds,
} from '#lambda/providers/errors';
import { inputRequests } from '#lambda/batch-files/validate';
import { CHAT_ENDPOINT, TRANSLATED_CHAT_ENDPOINTS } from '#lambda/batch-files/endpoints';
import { stableToken } from '#lambda/ids';
import { nowSeconds } from '#lambda/time';
import { ConversionError, toAnthropicParams, type AnthropicMessageParams } from './request';
import { validateInlineRequests, type InlineRequest } from './inline-requests';
import { CustomIdAssigner, joinTable, sentIdOf, type CustomIdManifest } from './custom-ids';
import { SubBatchPlanner, batchLimits, requestBytes, type BatchLimits } from './limits';
import { resultToLine } from './response';
import { combinedState, toUnixSeconds } from './status';

/** What the adapter keeps in BatchRecord.providerData. */
export interface AnthropicBatchData {
  /** Every Message Batch of this gateway batch, in submission order. */
  messageBatchIds: string[];
  /** Requests per Message Batch (same order). */
  requestsPerMessageBatch: number[];
  /** The custom_id manifest, when small enough to live in the record… */
  customIds?: CustomIdManifest;
  /** …otherwise where it is stored (JSON, see ManifestBlob). */
  customIdsBlob?: BlobLocation;
}

/** The stored form of a manifest too large for the DynamoDB item (400 KB per item). */
interface ManifestBlob {
  version: 1;
  customIds: CustomIdManifest;
}

/** Manifests up to this JSON size stay in the record; larger ones go to the files bucket. */
export const MAX_INLINE_MANIFEST_BYTES = 32_000;

/** Per-call timeout for Anthropic API calls (ms), until the response headers arrive. */
const DEFAULT_TIMEOUT_MS = 20_000;

/** Results downloads interrupted mid-body are resumed (skipping lines already written) this often. */
const RESULT_DOWNLOAD_ATTEMPTS = 3;

/** Message Batches retrieved or cancelled at once. */
const PARALLEL_CALLS = 4;

const INLINE_FILE_FORMAT = 'anthropic-message-batch-requests';

/** A batch, ready to submit: its manifest and a way to produce each Message Batch's requests. */
interface SubmissionPlan {
  manifest: CustomIdManifest;
  requestCount: number;
  models: Set<string>;
  /** Yields each Message Batch's requests in turn, built only when needed (bounded memory). */
  messageBatches(): AsyncGenerator<BatchCreateParams.Request[]>;
  inputFileId?: string;
}

export const anthropicAdapter: ProviderAdapter = {
  name: 'anthropic',
  acceptsInlineRequests: true,
  runCheck: (model) => ({ group: 'anthropic', convert: (body) => toAnthropicParams({ ...body, model }) }),
  endpoints: TRANSLATED_CHAT_ENDPOINTS,

  async acceptBatch(ctx, input) {
    const inline = checkShape(input);
    if (inline === null) return {};
    // Inline requests become the batch's input file now: the record stays small and the snapshot,
    // the submit and the content endpoint all read that file.
    const plan = await planInline(ctx, input, inline, batchLimits(), null);
    const models = [...plan.models];
    return { inputFile: plan.inputFile, model: models.length === 1 ? models[0] : input.model };
  },

  async createBatch(ctx, input) {
    const inline = checkShape(input);
    const limits = batchLimits();
    let plan: SubmissionPlan;
    if (input.inputFile && isInlineRequestsFile(input.inputFile))
      plan = await planInline(ctx, input, await readInlineRequests(ctx, input.inputFile), limits, input.inputFile);
    else if (input.inputFile) plan = await planFromFile(ctx, input.inputFile, limits);
    else plan = await planInline(ctx, input, inline, limits, null);

    const manifestData = await storeManifest(ctx, input.batchId, plan.manifest);
    const client = await clientFor(ctx);
    // Message Batches an attempt cut off by a crash already made: kept, not made again.
    const made = await readCheckpoint(ctx, input.batchId);
    const messageBatchIds: string[] = [];
    try {
      for await (const requests of plan.messageBatches()) {
        if (messageBatchIds.length < made.length) {
          messageBatchIds.push(made[messageBatchIds.length]);
          continue;
        }
        const created = await client.messages.batches.create({ requests });
        messageBatchIds.push(created.id);
        await writeCheckpoint(ctx, input.batchId, messageBatchIds);
      }
    } catch (err) {
      // All or nothing: a client must not pay for half a batch that is not running.
      await cancelQuietly(ctx, client, messageBatchIds);
      await ctx.blobs.delete(checkpointLocation(ctx, input.batchId)).catch(() => undefined);
      throw createFailure(err);
    }
    ctx.logger.info('Anthropic Message Batches created', { batchId: input.batchId, messageBatchIds, requests: plan.requestCount });

    const data: AnthropicBatchData = {
      messageBatchIds,
      requestsPerMessageBatch: plan.manifest.map((part) => part.length),
      ...manifestData,
    };
    const models = [...plan.models];
    const result: CreatedBatch = {
      providerBatchId: messageBatchIds[0],
      model: models.length === 1 ? models[0] : input.model,
      status: 'in_progress',
      requestCounts: { total: plan.requestCount, completed: 0, failed: 0 },
      providerData: data as unknown as Record<string, unknown>,
    };
    if (plan.inputFileId) result.inputFileId = plan.inputFileId;
    return result;
  },

  async checkBatch(ctx, batch) {
    const data = batchData(batch);
    const client = await clientFor(ctx);
    try {
      const parts = await mapLimit(data.messageBatchIds, PARALLEL_CALLS, (id) => client.messages.batches.retrieve(id));
      return combinedState(parts);
    } catch (err) {
      // A 429 with Retry-After is not a failure: report the last known state and when to ask again.
      const retryAfter = err instanceof APIError && err.status === 429 ? retryAfterSeconds(err.headers) : undefined;
      if (retryAfter !== undefined)
        return { status: runningStatus(batch.status), retryAfterSeconds: retryAfter } satisfies ProviderBatchState;
      throw knownBatchFailure(err, batch);
    }
  },

  async cancelBatch(ctx, batch) {
    const data = batchData(batch);
    const client = await clientFor(ctx);
    await mapLimit(data.messageBatchIds, PARALLEL_CALLS, async (id) => {
      try {
        await client.messages.batches.cancel(id);
      } catch (err) {
        // Cancelling a Message Batch that already ended (or is ending) is refused; that is fine here.
        if (err instanceof APIError && (err.status === 400 || err.status === 409)) {
          const part = await retrieveKnown(client, id, batch);
          if (part.processing_status !== 'in_progress') return;
        }
        throw knownBatchFailure(err, batch);
      }
    });
  },

  async collectResults(ctx, batch, sink) {
    const data = batchData(batch);
    const manifest = await loadManifest(ctx, data);
    const client = await clientFor(ctx);
    // Client custom_ids already written: every request comes out exactly once, even when a download
    // is resumed after a reset or Anthropic repeats a line.
    const written = new Set<string>();
    const write = async (customId: string, line: Parameters<ResultSink['write']>[0]) => {
      if (written.has(customId)) return;
      written.add(customId);
      await sink.write(line);
    };

    let unanswered: UnansweredReason | undefined;
    for (const [index, messageBatchId] of data.messageBatchIds.entries()) {
      const entries = manifest?.[index] ?? null;
      const table = entries ? joinTable(entries) : null;
      const part = await retrieveKnown(client, messageBatchId, batch);
      // Only what Anthropic returned: the result sink answers the requests it reported nothing for
      // (a part still running when the tracker gave up, results archived after 29 days, a lost line).
      if (part.processing_status === 'ended' && part.results_url && !part.archived_at) {
        await streamResults(ctx, client, batch, part, table, write);
      }
      unanswered ??= notReportedReason(part);
    }
    return unanswered;
  },
};

async function streamResults(
  ctx: ProviderContext,
  client: Anthropic,
  batch: BatchRecord,
  part: MessageBatch,
  table: Map<string, string> | null,
  write: (customId: string, line: Parameters<ResultSink['write']>[0]) => Promise<void>,
): Promise<void> {
  const created = toUnixSeconds(part.ended_at) ?? nowSeconds();
  for (let attempt = 1; ; attempt++) {
    try {
      const results = await client.messages.batches.results(part.id);
      for await (const result of results) {
        const original = table ? table.get(result.custom_id) : result.custom_id;
        if (original === undefined) {
          ctx.logger.warn('Anthropic result for a custom_id this batch never sent; skipped', {
            batchId: batch.id,
            messageBatchId: part.id,
            customId: result.custom_id,
          });
          continue;
        }
        await write(original, resultToLine(result, original, { created, fallbackRequestId: `req_${stableToken(24, batch.id, original)}` }));
      }
      return;
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      const failure = knownBatchFailure(err, batch);
      if (!(failure instanceof ProviderUnavailableError) || attempt >= RESULT_DOWNLOAD_ATTEMPTS) throw failure;
      ctx.logger.warn('Anthropic results download interrupted; resuming', {
        batchId: batch.id,
        messageBatchId: part.id,
        attempt,
        error: String(err),
      });
    }
  }
}

/** Why requests of a Message Batch have no result (the sink answers them with it). */
function notReportedReason(part: MessageBatch): UnansweredReason {
  if (part.processing_status !== 'ended') {
    return { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' };
  }
  if (part.archived_at || !part.results_url) {
    return { code: 'batch_failed', message: 'Anthropic no longer holds the results of this request (results are kept 29 days).' };
  }
  return { code: 'batch_failed', message: 'Anthropic returned no result for this request.' };
}

/** The inline requests of the request (null when the batch runs from a file); refuses what can never run. */
function checkShape(input: CreateBatchInput): unknown {
  const inline = input.extras.requests;
  const hasInline = inline !== undefined && inline !== null;
  // Inline requests are Anthropic's own params, answered as chat.completions.
  if (hasInline && input.endpoint !== CHAT_ENDPOINT)
    throw badRequest(
      `Inline Anthropic requests run on ${CHAT_ENDPOINT} only; upload a file for ${input.endpoint}.`,
      'endpoint',
      'unsupported_endpoint',
    );
  if (input.inputFile && hasInline)
    throw badRequest('Give either input_file_id or requests (inline Anthropic requests), not both.', 'requests', 'invalid_request');
  if (!input.inputFile && !hasInline)
    throw badRequest(
      'Anthropic batches need either an input_file_id or inline requests (extra_body.requests).',
      'input_file_id',
      'missing_input',
    );
  return input.inputFile ? null : inline;
}

const isInlineRequestsFile = (file: FileRecord) => (file.providerData as { format?: string } | undefined)?.format === INLINE_FILE_FORMAT;

async function readInlineRequests(ctx: ProviderContext, file: FileRecord): Promise<unknown[]> {
  const requests: unknown[] = [];
  for await (const line of ctx.blobs.readLines(file.blob)) if (line.text.trim() !== '') requests.push(JSON.parse(line.text));
  return requests;
}

/** Where the ids of the Message Batches a submit made so far are kept until the record has them. */
const checkpointLocation = (ctx: ProviderContext, batchId: string): BlobLocation => ({
  bucket: ctx.config.filesBucket,
  key: `batches/${batchId}/anthropic-submitted.json`,
});

async function readCheckpoint(ctx: ProviderContext, batchId: string): Promise<string[]> {
  try {
    return (JSON.parse((await ctx.blobs.getBuffer(checkpointLocation(ctx, batchId))).toString('utf8')) as { messageBatchIds: string[] })
      .messageBatchIds;
  } catch {
    return []; // none yet
  }
}

async function writeCheckpoint(ctx: ProviderContext, batchId: string, messageBatchIds: string[]): Promise<void> {
  await ctx.blobs.put(checkpointLocation(ctx, batchId), JSON.stringify({ messageBatchIds }), 'application/json');
}

/**
 * Inline requests (extra_body.requests), as the client wrote them in Anthropic's own format. At create
 * (`file` null) they are validated and kept as the batch's input file; at submit they are read back from it.
 */
async function planInline(
  ctx: ProviderContext,
  input: CreateBatchInput,
  value: unknown,
  limits: BatchLimits,
  file: FileRecord | null,
): Promise<SubmissionPlan & { inputFile: FileRecord }> {
  const requests = validateInlineRequests(value);
  const assigner = new CustomIdAssigner();
  const planner = new SubBatchPlanner(limits);
  const manifest: CustomIdManifest = [];
  const sent: BatchCreateParams.Request[] = [];
  const models = new Set<string>();
  requests.forEach((request, i) => {
    const entry = assigner.assign(request.custom_id, i);
    const outgoing = { custom_id: sentIdOf(entry), params: request.params };
    const size = requestBytes(outgoing);
    if (!planner.fitsAlone(size))
      throw tooLarge(`requests[${i}] (custom_id ${JSON.stringify(request.custom_id)})`, size, limits, `requests[${i}]`);
    const part = planner.add(size);
    (manifest[part] ??= []).push(entry);
    sent.push(outgoing);
    models.add(request.params.model);
  });

  const inputFile = file ?? (await registerInlineInputFile(ctx, input, requests, [...models]));
  return {
    inputFile,
    manifest,
    requestCount: requests.length,
    models,
    inputFileId: inputFile.id,
    async *messageBatches() {
      let start = 0;
      for (const count of planner.counts) {
        yield sent.slice(start, start + count);
        start += count;
      }
    },
  };
}

/**
 * The inline requests become the batch's input file, so the batch has a real input_file_id whose
 * content shows exactly what was submitted: one `{custom_id, params}` line per request, in Anthropic's
 * format as the client wrote it (not converted to OpenAI lines, which would lose Anthropic-only fields).
 */
async function registerInlineInputFile(
  ctx: ProviderContext,
  input: CreateBatchInput,
  requests: InlineRequest[],
  models: string[],
): Promise<FileRecord> {
  const blob: BlobLocation = { bucket: ctx.config.filesBucket, key: `batches/${input.batchId}/anthropic-inline-requests.jsonl` };
  const body = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const { bytes } = await ctx.blobs.put(blob, body, 'application/jsonl');
  const file = {
    // Derived from the batch id: a create retried after a crash registers the same file, not a second.
    id: `file-${stableToken(24, input.batchId, 'anthropic-inline-requests')}`,
    tenantId: input.tenantId,
    provider: 'anthropic',
    filename: `${input.batchId}-anthropic-requests.jsonl`,
    purpose: 'batch',
    bytes,
    blob,
    lineCount: requests.length,
    model: models.length === 1 ? models[0] : null,
    providerData: { format: INLINE_FILE_FORMAT },
  } as const;
  try {
    return await ctx.registerFile(file);
  } catch (err) {
    // Registered by the attempt a crash cut off (same id, the same batch's requests): that record stands.
    if ((err as Error).name !== 'WriteConflict') throw err;
    return { ...file, createdAt: input.createdAt, status: 'processed', statusDetails: null, expiresAt: null };
  }
}

/**
 * An uploaded OpenAI batch file. Every line is converted (and the split planned) before anything is
 * submitted, so a line Anthropic cannot take fails the create with a 400 naming it; the lines are then
 * read and converted again, one Message Batch at a time, so memory holds at most one Message Batch.
 */
async function planFromFile(ctx: ProviderContext, file: FileRecord, limits: BatchLimits): Promise<SubmissionPlan> {
  const assigner = new CustomIdAssigner();
  const planner = new SubBatchPlanner(limits);
  const manifest: CustomIdManifest = [];
  const models = new Set<string>();
  let index = 0;
  for await (const { line, request } of inputRequests(ctx.blobs.readLines(file.blob))) {
    const params = convertLine(line, request);
    const entry = assigner.assign(request.custom_id, index);
    const size = requestBytes({ custom_id: sentIdOf(entry), params });
    if (!planner.fitsAlone(size)) throw tooLarge(`Line ${line}`, size, limits, 'input_file_id');
    (manifest[planner.add(size)] ??= []).push(entry);
    models.add(params.model);
    index += 1;
  }
  if (index === 0) throw badRequest('The input file has no requests.', 'input_file_id', 'empty_file');

  return {
    manifest,
    requestCount: index,
    models,
    async *messageBatches() {
      let part = 0;
      let position = 0;
      let requests: BatchCreateParams.Request[] = [];
      for await (const { line, request } of inputRequests(ctx.blobs.readLines(file.blob))) {
        const entries = manifest[part];
        if (!entries) throw new Error(`Input file ${file.id} changed while it was being submitted.`);
        requests.push({ custom_id: sentIdOf(entries[position]), params: convertLine(line, request) });
        position += 1;
        if (position === entries.length) {
          yield requests;
          requests = [];
          part += 1;
          position = 0;
        }
      }
      if (part !== manifest.length) throw new Error(`Input file ${file.id} changed while it was being submitted.`);
    },
  };
}

function convertLine(line: number, request: BatchRequestInput): AnthropicMessageParams {
  try {
    return convertLineBody(request, toAnthropicParams);
  } catch (err) {
    if (err instanceof ConversionError) {
      throw badRequest(`Line ${line}: body.${err.field}: ${err.message}`, 'input_file_id', 'unsupported_for_provider');
    }
    throw err;
  }
}

function tooLarge(what: string, size: number, limits: BatchLimits, param: string): GatewayError {
  return new GatewayError(
    413,
    `${what} is ${size} bytes as an Anthropic request; a Message Batch holds at most ${limits.maxBytes} bytes.`,
    'invalid_request_error',
    param,
    'request_too_large',
  );
}

/** Small manifests stay in the record; large ones go to `batches/<batchId>/anthropic-ids.json`. */
async function storeManifest(
  ctx: ProviderContext,
  batchId: string,
  manifest: CustomIdManifest,
): Promise<Pick<AnthropicBatchData, 'customIds' | 'customIdsBlob'>> {
  const json = JSON.stringify({ version: 1, customIds: manifest } satisfies ManifestBlob);
  if (Buffer.byteLength(json) <= MAX_INLINE_MANIFEST_BYTES) return { customIds: manifest };
  const location: BlobLocation = { bucket: ctx.config.filesBucket, key: `batches/${batchId}/anthropic-ids.json` };
  await ctx.blobs.put(location, json, 'application/json');
  return { customIdsBlob: location };
}

async function loadManifest(ctx: ProviderContext, data: AnthropicBatchData): Promise<CustomIdManifest | null> {
  if (data.customIds) return data.customIds;
  if (!data.customIdsBlob) return null;
  const stored = JSON.parse((await ctx.blobs.getBuffer(data.customIdsBlob)).toString('utf8')) as ManifestBlob;
  return stored.customIds;
}

/** providerData of a batch this adapter created; a record without it is a single Message Batch. */
export function batchData(batch: BatchRecord): AnthropicBatchData {
  const data = batch.providerData as Partial<AnthropicBatchData> | undefined;
  if (data && Array.isArray(data.messageBatchIds) && data.messageBatchIds.length > 0) {
    return { requestsPerMessageBatch: [], ...data, messageBatchIds: data.messageBatchIds };
  }
  if (batch.providerBatchId) return { messageBatchIds: [batch.providerBatchId], requestsPerMessageBatch: [] };
  throw new Error(`Batch ${batch.id} has no Anthropic Message Batch id.`);
}

async function clientFor(ctx: ProviderContext): Promise<Anthropic> {
  const { baseUrl, apiKey } = await ctx.credentials();
  const timeout = Number(process.env.FINOPS_ANTHROPIC_TIMEOUT_MS);
  return new Anthropic({
    baseURL: baseUrl,
    apiKey,
    // Retries belong to the caller: the tracker backs off between checks, and a handler answers the
    // client promptly instead of sleeping through Retry-After inside a 29-second Lambda.
    maxRetries: 0,
    timeout: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS,
  });
}

async function cancelQuietly(ctx: ProviderContext, client: Anthropic, ids: string[]): Promise<void> {
  for (const id of ids) {
    try {
      await client.messages.batches.cancel(id);
    } catch (err) {
      ctx.logger.error('Could not cancel a Message Batch after a failed create; it will run unattended', {
        messageBatchId: id,
        error: String(err),
      });
    }
  }
}

/** Status to report while we cannot ask (rate limited): the batch is still where we last saw it. */
function runningStatus(status: BatchStatus): BatchStatus {
  return status === 'cancelling' ? 'cancelling' : 'in_progress';
}

/** Connection failures and timeouts (APIConnectionError), 408/409/429/5xx, and a body cut off mid-download (undici's `TypeError: terminated`). */
function isTransient(err: unknown): boolean {
  if (err instanceof APIConnectionError) return true; // includes timeouts
  if (err instanceof APIError) return isTransientStatus(err.status ?? 0);
  return isNetworkError(err);
}

function unavailable(err: unknown): ProviderUnavailableError {
  const status = err instanceof APIError ? err.status : undefined;
  const retryAfter = err instanceof APIError ? retryAfterSeconds(err.headers) : undefined;
  return new ProviderUnavailableError(`Anthropic is unavailable: ${describeError(err)}`, retryAfter, status);
}

async function retrieveKnown(client: Anthropic, id: string, batch: BatchRecord): Promise<MessageBatch> {
  try {
    return await client.messages.batches.retrieve(id);
  } catch (err) {
    throw knownBatchFailure(err, batch);
  }
}

/** Errors of calls about a Message Batch we created: 404 means Anthropic lost it. */
function knownBatchFailure(err: unknown, batch: BatchRecord): Error {
  if (err instanceof ProviderUnavailableError || err instanceof ProviderLostBatchError || err instanceof GatewayError) return err;
  if (isTransient(err)) return unavailable(err);
  if (err instanceof APIError && err.status === 404) {
    return new ProviderLostBatchError(`Anthropic no longer knows the Message Batch of batch ${batch.id}: ${describeError(err)}`);
  }
  if (err instanceof APIError) return upstreamError(502, `Anthropic refused a call about batch ${batch.id}: ${describeError(err)}`);
  return err instanceof Error ? err : new Error(String(err));
}

/** Errors of batches.create: the provider's own message reaches the client. */
function createFailure(err: unknown): Error {
  if (err instanceof GatewayError || err instanceof ProviderUnavailableError) return err;
  if (isTransient(err)) return unavailable(err);
  if (err instanceof APIError) {
    const status = err.status ?? 502;
    if (status === 401 || status === 403) {
      return upstreamError(502, `Anthropic rejected the gateway's credentials: ${describeError(err)}`, 'provider_auth_error');
    }
    return new GatewayError(
      status === 413 ? 413 : 400,
      `Anthropic rejected the batch: ${describeError(err)}`,
      'invalid_request_error',
      null,
      'provider_rejected_request',
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Runs fn over items, at most `limit` at a time, keeping the order of results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
