// POST /openai/batches — validate, submit to the provider, record, start the tracker.
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { httpHandler, json } from '../http/handler';
import { callerOf, jsonBody, passThroughKey, type Caller, type GatewayEvent } from '../http/request';
import { badRequest, noSuchFile, GatewayError } from '../http/errors';
import { parseBatchCreate, COMPLETION_WINDOW_SECONDS, type BatchCreateRequest } from '../batches/create';
import { newBatchRecord } from '../batches/record';
import { getServices, logger, providerContext } from '../runtime';
import { adapterFor, resolveProvider } from '../providers/registry';
import type { ProviderAdapter } from '../providers/provider';
import { newBatchId, stableToken, FILE_ID_PATTERN } from '../ids';
import { nowSeconds } from '../time';
import { toOpenAIBatch } from '../openai/objects';
import type { BatchRecord, FileRecord, ProviderName } from '../store/records';
import { WriteConflictError } from '../store/metadata';
import { checkBudget, releaseBudget } from '../finops/budget';
import { discardBatchCredential, sealBatchCredential } from '../auth/batch-credentials';
import { estimateBatch } from '../finops/estimate-service';
import '../providers/all';

/** A client-chosen Idempotency-Key makes a retried create return the first batch instead of a second. */
function batchIdFor(event: GatewayEvent, tenantId: string): string {
  const key = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'idempotency-key')?.[1];
  return key ? `batch_${stableToken(24, tenantId, key)}` : newBatchId();
}

/** The input file (or none, for inline requests) and the provider that will run the batch. */
async function resolveInput(request: BatchCreateRequest, caller: Caller): Promise<{ inputFile: FileRecord | null; provider: ProviderName; adapter: ProviderAdapter }> {
  const { config, metadata } = getServices();
  let inputFile: FileRecord | null = null;
  if (request.inputFileId !== '') {
    if (!FILE_ID_PATTERN.test(request.inputFileId)) throw badRequest(`Invalid 'input_file_id': ${JSON.stringify(request.inputFileId.slice(0, 80))} is not a file id.`, 'input_file_id', 'invalid_id');
    inputFile = await metadata.getFile(caller.tenantId, request.inputFileId);
    if (!inputFile) throw Object.assign(noSuchFile(request.inputFileId), { param: 'input_file_id' });
  }
  // A file knows its provider; `provider` may be omitted, but must not contradict it.
  const provider = resolveProvider(request.provider, inputFile?.provider ?? config.defaultProvider);
  const adapter = adapterFor(provider);
  if (inputFile) {
    if (inputFile.provider !== provider) {
      throw badRequest(`File ${inputFile.id} was uploaded for provider '${inputFile.provider}'; create the batch with provider '${inputFile.provider}' or upload the file again for '${provider}'.`, 'input_file_id', 'provider_mismatch');
    }
    if (inputFile.purpose !== 'batch') throw badRequest(`File ${inputFile.id} has purpose '${inputFile.purpose}'; a batch needs a file uploaded with purpose "batch".`, 'input_file_id', 'invalid_purpose');
    if (inputFile.status !== 'processed') {
      throw badRequest(`File ${inputFile.id} is ${inputFile.status}${inputFile.statusDetails ? ` (${inputFile.statusDetails})` : ''}; a batch needs a processed input file. Wait until files.retrieve shows "processed".`, 'input_file_id', 'file_not_ready');
    }
    if (inputFile.endpoint && inputFile.endpoint !== request.endpoint) {
      throw badRequest(`The requests in ${inputFile.id} use url ${inputFile.endpoint}, but the batch endpoint is ${request.endpoint}.`, 'endpoint', 'url_mismatch');
    }
  } else if (!adapter.acceptsInlineRequests) {
    throw badRequest(`Missing 'input_file_id': provider '${provider}' runs batches from an uploaded file (purpose "batch").`, 'input_file_id', 'missing_required_parameter');
  }
  return { inputFile, provider, adapter };
}

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const { config, metadata } = getServices();
  const request = parseBatchCreate(jsonBody(event));
  if (request.extras.dry_run === true) return json(await dryRun(request, caller)); // the estimate; nothing submitted or recorded
  const batchId = batchIdFor(event, caller.tenantId);
  const existing = await metadata.getBatch(caller.tenantId, batchId);
  if (existing) return json(toOpenAIBatch(existing));

  const { inputFile, provider, adapter } = await resolveInput(request, caller);
  const budgetReservation = await checkBudget({
    tenantId: caller.tenantId,
    keyId: caller.keyId,
    provider,
    model: request.model ?? inputFile?.model ?? null,
    inputFile,
    inlineRequests: Array.isArray(request.extras.requests) ? request.extras.requests : undefined,
  });

  const clientKey = passThroughKey(event, config.allowProviderKeyPassThrough);
  const ctx = providerContext(provider, caller.tenantId, clientKey);
  // The tracker works for hours after this request is gone: a client's own provider key is sealed in
  // the credential vault first (nothing submitted if that fails); the batch records only the reference.
  const providerCredentialRef = clientKey
    ? await sealBatchCredential(clientKey, { tenantId: caller.tenantId, provider }, config.expiryGraceSeconds).catch(async (err) => {
        await releaseBudget(budgetReservation);
        throw err;
      })
    : null;
  // What a create that does not go through must give back: the sealed key and the budget it reserved.
  const undoCreate = async () => {
    await discardBatchCredential({ id: batchId, providerCredentialRef });
    await releaseBudget(budgetReservation);
  };

  const createdAt = nowSeconds();
  const input = {
    batchId,
    tenantId: caller.tenantId,
    endpoint: request.endpoint,
    completionWindow: request.completionWindow,
    inputFile,
    model: request.model,
    extras: request.extras,
    metadata: request.metadata,
    createdAt,
    expiresAt: createdAt + COMPLETION_WINDOW_SECONDS,
  };
  const created = await adapter.createBatch(ctx, input).catch(async (err) => {
    await undoCreate();
    throw err;
  });
  const batch: BatchRecord = {
    ...newBatchRecord(input, created, { tenantId: caller.tenantId, provider, keyId: caller.keyId }),
    ...(providerCredentialRef ? { providerCredentialRef } : {}),
    ...(budgetReservation ? { budgetReservation } : {}),
    ...(request.outputExpiresAfterSeconds !== null ? { outputExpiresAfterSeconds: request.outputExpiresAfterSeconds } : {}),
  };

  // Never leave a provider batch running (and billing) without a gateway batch that tracks it.
  const abandon = async (why: string, err: unknown) => {
    // Losing a race with a parallel retry (same Idempotency-Key) is expected, not an error.
    if (err instanceof WriteConflictError) logger.info(`${why}: a parallel create with the same id won; cancelling this one at the provider`);
    else logger.error(`${why}; cancelling it at the provider`, err as Error);
    await adapter.cancelBatch(ctx, batch).catch((cancelErr) => logger.error('Cancel after failed create also failed', cancelErr as Error));
  };
  try {
    await metadata.putBatch(batch);
  } catch (err) {
    // A parallel create with the same Idempotency-Key recorded this id first: answer with its batch,
    // and never delete a record this request did not write.
    const winner = err instanceof WriteConflictError ? await metadata.getBatch(caller.tenantId, batchId) : null;
    if (winner) {
      // A provider that is idempotent itself (Bedrock's clientRequestToken) gave both creates the same
      // job: it is the winner's, so it keeps running. Only a provider batch of this request's own goes.
      if (winner.providerBatchId !== batch.providerBatchId) await abandon('Could not record a submitted batch', err);
      else logger.info('A parallel create with the same id won with the same provider batch; nothing to cancel');
      await undoCreate(); // the winner holds its own sealed key and reservation
      return json(toOpenAIBatch(winner));
    }
    await abandon('Could not record a submitted batch', err);
    await undoCreate();
    throw new GatewayError(500, 'The batch could not be recorded after submission; it was cancelled at the provider. Retry the request.', 'server_error');
  }
  try {
    await startTracker(batch);
  } catch (err) {
    await abandon('Could not start tracking a submitted batch', err);
    await metadata.deleteBatch(batch).catch(() => undefined); // this request wrote it
    await undoCreate();
    throw new GatewayError(500, 'The batch could not be tracked after submission; it was cancelled at the provider. Retry the request.', 'server_error');
  }
  return json(toOpenAIBatch(batch));
});

/** dry_run: true answers the batch's estimate (lambda/finops/estimate-service.ts) after the same input checks as a real create. */
async function dryRun(request: BatchCreateRequest, caller: Caller) {
  const { inputFile, provider } = await resolveInput(request, caller);
  const inlineRequests = Array.isArray(request.extras.requests) ? request.extras.requests : undefined;
  return estimateBatch({ tenantId: caller.tenantId, keyId: caller.keyId, provider, model: request.model ?? inputFile?.model ?? null, inputFile, inlineRequests, compare: request.extras.compare === true });
}

async function startTracker(batch: BatchRecord): Promise<void> {
  const { config, sfn } = getServices();
  try {
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: config.stateMachineArn,
        name: batch.id,
        input: JSON.stringify({ batchId: batch.id, provider: batch.provider }),
      }),
    );
  } catch (err) {
    if (err instanceof ExecutionAlreadyExists || (err as Error).name === 'ExecutionAlreadyExists') return; // a retried create
    throw err;
  }
}
