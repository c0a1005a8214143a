// POST /openai/batches — validate, reserve, record `validating`, start the tracker, answer
// (lambda/batches/service.ts). The tracker submits the batch to the provider. `dry_run: true` answers
// the batch's estimate after the same input checks, and records nothing.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, jsonBody, passThroughKey, type Caller, type GatewayEvent } from '#lambda/http/request';
import { parseBatchCreate, type BatchCreateRequest } from '#lambda/batches/create';
import { createBatchService, resolveInput } from '#lambda/batches/service';
import { getServices } from '#lambda/runtime';
import { idempotentBatchId, newBatchId } from '#lambda/ids';
import { toOpenAIBatch } from '#lambda/openai/objects';
import { estimateBatch } from '#lambda/finops/estimate-service';

/** A client-chosen Idempotency-Key makes a retried create return the first batch instead of a second. */
function batchIdFor(event: GatewayEvent, tenantId: string): string {
  const key = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'idempotency-key')?.[1];
  return key ? idempotentBatchId(tenantId, key) : newBatchId();
}

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const body = jsonBody(event);
  const request = parseBatchCreate(body);
  if (request.extras.dry_run === true) return json(await dryRun(request, caller)); // the estimate; nothing submitted or recorded
  const clientKey = passThroughKey(event, getServices().config.allowProviderKeyPassThrough);
  const batch = await createBatchService({ caller, batchId: batchIdFor(event, caller.tenantId), request, body, clientKey });
  return json(toOpenAIBatch(batch));
});

/** dry_run: true answers the batch's estimate (lambda/finops/estimate-service.ts). */
async function dryRun(request: BatchCreateRequest, caller: Caller) {
  const { inputFile, provider } = await resolveInput(request, caller);
  const inlineRequests = Array.isArray(request.extras.requests) ? request.extras.requests : undefined;
  return estimateBatch({
    tenantId: caller.tenantId,
    keyId: caller.keyId,
    provider,
    model: request.model ?? inputFile?.model ?? null,
    inputFile,
    inlineRequests,
    compare: request.extras.compare === true,
  });
}
