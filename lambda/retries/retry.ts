// POST /batches/{id}/retry: a new batch of the original input's lines that failed (as chosen by
// error_codes; never a line that succeeded), linked both ways in metadata (retry_of / retried_by).
// The new batch is created by ONE call into batches.create itself (its handler, with the caller's
// identity and a derived Idempotency-Key), so it goes through exactly the same checks, budget,
// submission and tracking as any other batch, and a repeated retry answers the same new batch.
import { Readable } from 'node:stream';
import type { Context } from 'aws-lambda';
import { badRequest, conflict } from '#lambda/http/errors';
import { json, type HttpResult } from '#lambda/http/handler';
import type { Caller, GatewayEvent } from '#lambda/http/request';
import { getServices, logger } from '#lambda/runtime';
import { resolveProvider } from '#lambda/providers/registry';
import { ingestBatchFile } from '#lambda/files/ingest';
import { deleteGatewayFile } from '#lambda/files/delete';
import { idempotentBatchId, stableToken } from '#lambda/ids';
import { toOpenAIBatch } from '#lambda/openai/objects';
import { isTerminal } from '#contracts/openai-types';
import type { BatchRecord, FileRecord, ProviderName } from '#contracts/records';
import { RetrySelection, type RetryOptions } from './select';

const MAX_METADATA_PAIRS = 16;
/** A line of the record batches.create keeps of inline requests ({custom_id, params}), not OpenAI JSONL ({custom_id, method, url, body}). */
const isInlineRequest = (line: Record<string, unknown>) => line.params !== undefined && line.body === undefined;

async function* jsonLines(file: FileRecord | null): AsyncGenerator<{ text: string; value: Record<string, unknown> }> {
  if (!file) return;
  for await (const line of getServices().blobs.readLines(file.blob)) {
    if (line.text.trim() === '') continue;
    try {
      yield { text: line.text, value: JSON.parse(line.text) };
    } catch {
      /* the gateway wrote or validated these files; a broken line cannot be retried */
    }
  }
}

async function selectionOf(caller: Caller, batch: BatchRecord, options: RetryOptions): Promise<RetrySelection> {
  const { metadata } = getServices();
  const selection = new RetrySelection(options.errorCodes);
  const errorFile = batch.errorFileId ? await metadata.getFile(caller.tenantId, batch.errorFileId) : null;
  if (!errorFile) throw badRequest(`Batch ${batch.id} has no failed requests to retry.`, null, 'nothing_to_retry');
  for await (const { value } of jsonLines(errorFile)) selection.addErrorLine(value);
  for await (const { value } of jsonLines(batch.outputFileId ? await metadata.getFile(caller.tenantId, batch.outputFileId) : null))
    selection.addOutputLine(value);
  if (selection.size === 0) {
    const seen = [...selection.seenCodes.keys()].slice(0, 20).join(', ');
    throw badRequest(
      `No failed request of batch ${batch.id} matches error_codes ${JSON.stringify(options.errorCodes)}. Its failures have: ${seen || 'none'}.`,
      'error_codes',
      'nothing_to_retry',
    );
  }
  return selection;
}

/** The original input's lines to run again, as a new file for the target provider (or inline requests). */
async function retryInput(caller: Caller, batch: BatchRecord, selection: RetrySelection, provider: ProviderName, newModel: string | null) {
  const input = await getServices().metadata.getFile(caller.tenantId, batch.inputFileId);
  if (!input)
    throw badRequest(
      `The input file ${batch.inputFileId} of batch ${batch.id} has been deleted, so its failed requests cannot be rebuilt.`,
      null,
      'input_file_deleted',
    );
  const picked: string[] = [];
  const requests: unknown[] = [];
  for await (const { text, value } of jsonLines(input)) {
    if (typeof value.custom_id !== 'string' || !selection.includes(value.custom_id)) continue;
    if (isInlineRequest(value)) requests.push(newModel ? { ...value, params: { ...(value.params as object), model: newModel } } : value);
    // A line keeps its bytes, unless `model` asks for another model: then its body names that one.
    else picked.push(newModel ? JSON.stringify({ ...value, body: { ...(value.body as object), model: newModel } }) : text);
  }
  if (requests.length > 0) {
    if (provider !== 'anthropic')
      throw badRequest(
        `Batch ${batch.id} ran inline Anthropic requests; they can be retried on provider 'anthropic' only.`,
        'provider',
        'provider_mismatch',
      );
    return { inputFileId: '', requests, file: null };
  }
  const file = await ingestBatchFile({
    tenantId: caller.tenantId,
    provider,
    filename: `${batch.id}-retry.jsonl`,
    purpose: 'batch',
    extras: {},
    write: async (location) =>
      (await getServices().blobs.put(location, Readable.from(picked.map((l) => `${l}\n`)), 'application/jsonl')).bytes,
  });
  return { inputFileId: file.id, requests: undefined, file };
}

/** The original's metadata with `retry_of` (when it fits OpenAI's 16 pairs), for the new batch. */
function newMetadata(batch: BatchRecord): Record<string, string> {
  const { retried_by: _by, retry_of: _of, ...carried } = batch.metadata ?? {};
  return Object.keys(carried).length < MAX_METADATA_PAIRS ? { ...carried, retry_of: batch.id } : { retry_of: batch.id };
}

/** The batches.create handler, which the retry calls as a client would (passed in: a service never imports a handler). */
export type CreateBatchHandler = (event: GatewayEvent, context: Context) => Promise<HttpResult>;

export async function retryBatch(
  event: GatewayEvent,
  context: Context,
  caller: Caller,
  batch: BatchRecord,
  options: RetryOptions,
  createBatch: CreateBatchHandler,
): Promise<HttpResult> {
  if (!isTerminal(batch.status)) throw conflict(`Batch ${batch.id} is ${batch.status}; retry it once it has ended.`, 'batch_not_finished');
  const provider = resolveProvider(options.provider, batch.provider);
  // The same provider keeps the model the batch ran on; another provider takes `model` or the lines' own.
  const model = options.model ?? (provider === batch.provider ? batch.model : null);
  const idempotencyKey = `retry:${stableToken(32, batch.id, JSON.stringify(options.errorCodes), provider, model ?? '')}`;
  // Asked again: answer the retry made the first time. Building its input file again would give the
  // create another input_file_id, which the Idempotency-Key refuses (422) as other parameters.
  const earlier = await getServices().metadata.getBatch(caller.tenantId, idempotentBatchId(caller.tenantId, idempotencyKey));
  if (earlier) {
    await linkOriginal(batch, earlier.id);
    return json(toOpenAIBatch(earlier), 200);
  }
  const selection = await selectionOf(caller, batch, options);
  const input = await retryInput(caller, batch, selection, provider, options.model);
  const body = {
    input_file_id: input.inputFileId,
    endpoint: batch.endpoint,
    completion_window: '24h',
    provider,
    ...(model ? { model } : {}),
    ...(input.requests ? { requests: input.requests } : {}),
    metadata: newMetadata(batch),
  };
  // The caller's own headers (identity, pass-through key) without its content framing or Idempotency-Key.
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).filter(
      ([name]) => !['idempotency-key', 'content-type', 'content-length'].includes(name.toLowerCase()),
    ),
  );
  const created = await createBatch(
    {
      ...event,
      resource: '/openai/batches',
      path: '/openai/batches',
      pathParameters: null,
      body: JSON.stringify(body),
      isBase64Encoded: false,
      headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      multiValueHeaders: {},
    },
    context,
  );
  const newBatch = created.statusCode === 200 ? (JSON.parse(created.body) as { id: string; input_file_id: string }) : null;
  // A create that failed, or answered an earlier retry's batch (same key), leaves our new file unused.
  if (input.file && newBatch?.input_file_id !== input.file.id)
    await deleteGatewayFile(input.file).catch((err) =>
      logger.warn('Could not delete an unused retry input file', { fileId: input.file!.id, error: (err as Error).message }),
    );
  if (!newBatch) return created;
  await linkOriginal(batch, newBatch.id);
  logger.info('Batch retried', { batchId: batch.id, retryBatchId: newBatch.id, requests: selection.size, provider });
  return json(JSON.parse(created.body), 200);
}

/** `retried_by` on the original (the latest retry), when its metadata has room. */
async function linkOriginal(batch: BatchRecord, retryId: string): Promise<void> {
  const current = batch.metadata ?? {};
  if (current.retried_by === retryId) return;
  if (current.retried_by === undefined && Object.keys(current).length >= MAX_METADATA_PAIRS) {
    logger.warn('The original batch has 16 metadata pairs already; retried_by not recorded', { batchId: batch.id, retryBatchId: retryId });
    return;
  }
  await getServices().metadata.updateBatch(batch.id, { metadata: { ...current, retried_by: retryId } });
}
