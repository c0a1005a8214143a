// batches.create as a service: validate → reserve budget → record `validating` → start the tracker
// execution named by the batch id → answer. Nothing here talks to a provider about the batch (the
// tracker's "Submit to provider" does), so the answer comes within about a second whatever the file's
// size, and a kill at any instruction leaves either nothing (the undo stack gave everything back, or
// nothing was written yet) or one recorded batch that a retry with the same Idempotency-Key returns
// and starts (or, without a key, that batches.retrieve starts: lambda/tracker/start.ts).
import { createHash } from 'node:crypto';
import { GatewayError, badRequest, noSuchFile } from '#lambda/http/errors';
import type { Caller } from '#lambda/http/request';
import { completionWindowSeconds, type BatchCreateRequest } from './create';
import { newValidatingRecord } from './record';
import { getServices, logger, providerContext } from '#lambda/runtime';
import { adapterFor, resolveProvider } from '#lambda/providers/registry';
import type { CreateBatchInput, ProviderAdapter } from '#lambda/providers/provider';
import { checkProviderRunsEndpoint } from '#lambda/providers/endpoints';
import { FILE_ID_PATTERN } from '#lambda/ids';
import { nowSeconds } from '#lambda/time';
import type { BatchRecord, FileRecord, ProviderName } from '#contracts/records';
import { WriteConflictError } from '#lambda/store/metadata';
import { checkBudget, releaseBudget } from '#lambda/finops/budget';
import { discardBatchCredential, sealBatchCredential } from '#lambda/auth/batch-credentials';
import { ensureTrackerStarted, markTrackerStarted, startTracker } from '#lambda/tracker/start';
import { acceptMixedModels, acceptsAsJobs } from './mixed-models';

export interface CreateBatchCommand {
  caller: Caller;
  batchId: string;
  request: BatchCreateRequest;
  /** The request's parameters as sent, hashed to tell a retried create from another one under the same key. */
  body: Record<string, unknown>;
  clientKey?: string;
}

/** Steps that give back what a create took when it does not go through, last taken first. */
class UndoStack {
  private readonly steps: Array<() => Promise<unknown>> = [];
  push(step: () => Promise<unknown>): void {
    this.steps.unshift(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps) await step().catch((err) => logger.error('Undoing part of a failed create failed', err as Error));
  }
}

export async function createBatchService(command: CreateBatchCommand): Promise<BatchRecord> {
  const { caller, batchId, request } = command;
  const requestHash = hashRequest(command.body);
  const existing = await getServices().metadata.getBatch(caller.tenantId, batchId);
  if (existing) return sameRequestOrRefuse(existing, requestHash);

  const { inputFile, provider, adapter } = await resolveInput(request, caller);
  const undo = new UndoStack();
  try {
    return await recordAndStart(command, { inputFile, provider, adapter, requestHash }, undo);
  } catch (err) {
    await undo.run();
    if (err instanceof WriteConflictError) {
      // A parallel create with the same Idempotency-Key recorded this id first: answer with its batch.
      const winner = await getServices().metadata.getBatch(caller.tenantId, batchId);
      if (winner) return sameRequestOrRefuse(winner, requestHash);
    }
    throw err;
  }
}

interface ResolvedInput {
  inputFile: FileRecord | null;
  provider: ProviderName;
  adapter: ProviderAdapter;
  requestHash: string;
}

async function recordAndStart(command: CreateBatchCommand, resolved: ResolvedInput, undo: UndoStack): Promise<BatchRecord> {
  const { caller, batchId, request, clientKey } = command;
  const { metadata, blobs } = getServices();
  const { provider, adapter } = resolved;
  const { budgetReservation, providerCredentialRef } = await reserveAndSeal(command, resolved, undo);

  const createdAt = nowSeconds();
  const input: CreateBatchInput = {
    batchId,
    tenantId: caller.tenantId,
    endpoint: request.endpoint,
    completionWindow: request.completionWindow,
    inputFile: resolved.inputFile,
    model: request.model,
    extras: request.extras,
    metadata: request.metadata,
    createdAt,
    expiresAt: createdAt + completionWindowSeconds(request.completionWindow),
  };
  const context = providerContext(provider, caller.tenantId, clientKey);
  const accepted =
    (await (acceptsAsJobs(adapter, input) ? acceptMixedModels(adapter, context, input) : adapter.acceptBatch?.(context, input))) ?? {};
  if (accepted.inputFile) undo.push(() => metadata.deleteFile(accepted.inputFile!).then(() => blobs.delete(accepted.inputFile!.blob)));
  const extras = accepted.inputFile ? withoutInlineRequests(request.extras) : request.extras;
  const submission = await storeSubmission(batchId, caller.tenantId, extras);
  if (submission.extrasBlob) undo.push(() => blobs.delete(submission.extrasBlob!));

  const batch = newValidatingRecord(
    {
      ...input,
      inputFile: accepted.inputFile ?? resolved.inputFile,
      model: accepted.model ?? input.model,
      expiresAt: accepted.expiresAt ?? input.expiresAt,
      metadata: input.metadata || accepted.metadata ? { ...(input.metadata ?? {}), ...(accepted.metadata ?? {}) } : null,
    },
    {
      owner: { tenantId: caller.tenantId, provider, keyId: caller.keyId },
      requestHash: resolved.requestHash,
      submission,
      providerCredentialRef,
      budgetReservation,
      outputExpiresAfterSeconds: request.outputExpiresAfterSeconds,
    },
  );
  // A mixed-model file: the batch shows its models (and runs one job per model where the provider needs it).
  if (resolved.inputFile?.model === null && resolved.inputFile.models) batch.models = resolved.inputFile.models;
  await metadata.putBatch(batch);
  return startRecorded(batch);
}

/** The budget reservation and, for a client's own provider key, its sealed copy; both undone if the create fails later. */
async function reserveAndSeal({ caller, batchId, request, clientKey }: CreateBatchCommand, resolved: ResolvedInput, undo: UndoStack) {
  const { provider } = resolved;
  const budgetReservation = await checkBudget({
    tenantId: caller.tenantId,
    keyId: caller.keyId,
    provider,
    model: request.model ?? resolved.inputFile?.model ?? null,
    inputFile: resolved.inputFile,
    inlineRequests: Array.isArray(request.extras.requests) ? request.extras.requests : undefined,
  });
  undo.push(() => releaseBudget(budgetReservation));
  // The tracker works for hours after this request is gone: a client's own provider key is sealed in
  // the credential vault; the batch records only the reference.
  const providerCredentialRef = clientKey
    ? await sealBatchCredential(
        clientKey,
        { tenantId: caller.tenantId, provider },
        getServices().config.expiryGraceSeconds,
        undefined,
        completionWindowSeconds(request.completionWindow),
      )
    : null;
  if (providerCredentialRef) undo.push(() => discardBatchCredential({ id: batchId, providerCredentialRef }));
  return { budgetReservation, providerCredentialRef };
}

/** From here the batch exists: a failure to start the tracker is repaired (retry or retrieve), not undone. */
async function startRecorded(batch: BatchRecord): Promise<BatchRecord> {
  try {
    await startTracker(batch);
    return await markTrackerStarted(batch);
  } catch (err) {
    logger.error('Batch recorded, but its tracker could not be started; a retry or a retrieve starts it', err as Error);
    return batch;
  }
}

/** The same Idempotency-Key with the same parameters returns the batch (starting its tracker if a create was cut off); other parameters are refused. */
async function sameRequestOrRefuse(batch: BatchRecord, requestHash: string): Promise<BatchRecord> {
  if (batch.requestHash && batch.requestHash !== requestHash) {
    throw new GatewayError(
      422,
      `This Idempotency-Key was already used for batch ${batch.id} with different parameters. Send the same parameters to get that batch, or use a new key for a new batch.`,
      'invalid_request_error',
      'Idempotency-Key',
      'idempotency_key_reused',
    );
  }
  return ensureTrackerStarted(batch, nowSeconds(), 0);
}

/** SHA-256 of the parameters with keys in a fixed order (a client may serialize them in any order). */
export function hashRequest(body: Record<string, unknown>): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
          )
        : value;
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('hex');
}

function withoutInlineRequests(extras: Record<string, unknown>): Record<string, unknown> {
  const { requests: _requests, ...rest } = extras;
  return rest;
}

/** Extras up to this JSON size ride in the batch record. */
const MAX_RECORDED_EXTRAS_BYTES = 32_000;

/** The extras ride in the record when small; a large set (DynamoDB items hold 400 KB) goes to the files bucket. */
async function storeSubmission(
  batchId: string,
  tenantId: string,
  extras: Record<string, unknown>,
): Promise<NonNullable<BatchRecord['submission']>> {
  const text = JSON.stringify(extras);
  if (text.length <= MAX_RECORDED_EXTRAS_BYTES) return { extras };
  const { config, blobs } = getServices();
  const extrasBlob = { bucket: config.filesBucket, key: `batches/${tenantId}/${batchId}/extras.json` };
  await blobs.put(extrasBlob, text, 'application/json');
  return { extrasBlob };
}

/** The input file (or none, for inline requests) and the provider that will run the batch. */
export async function resolveInput(request: BatchCreateRequest, caller: Caller): Promise<Omit<ResolvedInput, 'requestHash'>> {
  const { config, metadata } = getServices();
  let inputFile: FileRecord | null = null;
  if (request.inputFileId !== '') {
    if (!FILE_ID_PATTERN.test(request.inputFileId))
      throw badRequest(
        `Invalid 'input_file_id': ${JSON.stringify(request.inputFileId.slice(0, 80))} is not a file id.`,
        'input_file_id',
        'invalid_id',
      );
    inputFile = await metadata.getFile(caller.tenantId, request.inputFileId);
    if (!inputFile) throw Object.assign(noSuchFile(request.inputFileId), { param: 'input_file_id' });
  }
  // A file knows its provider; `provider` may be omitted, but must not contradict it.
  const provider = resolveProvider(request.provider, inputFile?.provider ?? config.defaultProvider);
  const adapter = adapterFor(provider);
  checkProviderRunsEndpoint(adapter, request.endpoint);
  if (inputFile) checkInputFile(inputFile, provider, request);
  else if (!adapter.acceptsInlineRequests) {
    throw badRequest(
      `Missing 'input_file_id': provider '${provider}' runs batches from an uploaded file (purpose "batch").`,
      'input_file_id',
      'missing_required_parameter',
    );
  }
  return { inputFile, provider, adapter };
}

function checkInputFile(inputFile: FileRecord, provider: ProviderName, request: BatchCreateRequest): void {
  if (inputFile.provider !== provider) {
    throw badRequest(
      `File ${inputFile.id} was uploaded for provider '${inputFile.provider}'; create the batch with provider '${inputFile.provider}' or upload the file again for '${provider}'.`,
      'input_file_id',
      'provider_mismatch',
    );
  }
  if (inputFile.purpose !== 'batch')
    throw badRequest(
      `File ${inputFile.id} has purpose '${inputFile.purpose}'; a batch needs a file uploaded with purpose "batch".`,
      'input_file_id',
      'invalid_purpose',
    );
  if (inputFile.status !== 'processed') {
    throw badRequest(
      `File ${inputFile.id} is ${inputFile.status}${inputFile.statusDetails ? ` (${inputFile.statusDetails})` : ''}; a batch needs a processed input file. Wait until files.retrieve shows "processed".`,
      'input_file_id',
      'file_not_ready',
    );
  }
  if (inputFile.endpoint && inputFile.endpoint !== request.endpoint) {
    throw badRequest(
      `The requests in ${inputFile.id} use url ${inputFile.endpoint}, but the batch endpoint is ${request.endpoint}.`,
      'endpoint',
      'url_mismatch',
    );
  }
}
