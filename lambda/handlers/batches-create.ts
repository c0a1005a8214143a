// POST /openai/batches — validate, reserve, record `validating`, start the tracker, answer
// (lambda/batches/service.ts). The tracker submits the batch to the provider.
import { httpHandler, json } from '../http/handler';
import { callerOf, jsonBody, passThroughKey, type GatewayEvent } from '../http/request';
import { parseBatchCreate } from '../batches/create';
import { createBatchService } from '../batches/service';
import { getServices } from '../runtime';
import { newBatchId, stableToken } from '../ids';
import { toOpenAIBatch } from '../openai/objects';
import '../providers/all';

/** A client-chosen Idempotency-Key makes a retried create return the first batch instead of a second. */
function batchIdFor(event: GatewayEvent, tenantId: string): string {
  const key = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'idempotency-key')?.[1];
  return key ? `batch_${stableToken(24, tenantId, key)}` : newBatchId();
}

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const body = jsonBody(event);
  const request = parseBatchCreate(body);
  const clientKey = passThroughKey(event, getServices().config.allowProviderKeyPassThrough);
  const batch = await createBatchService({ caller, batchId: batchIdFor(event, caller.tenantId), request, body, clientKey });
  return json(toOpenAIBatch(batch));
});
