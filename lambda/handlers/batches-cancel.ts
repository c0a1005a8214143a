// POST /openai/batches/{batch_id}/cancel — records the request, asks the provider; the tracker carries
// the batch on to `cancelled` (and re-asks the provider if this first attempt does not get through).
import { httpHandler, json } from '../http/handler';
import { callerOf, jsonBody, passThroughKey } from '../http/request';
import { badRequest } from '../http/errors';
import { findBatch } from '../http/lookup';
import { getServices, logger, providerContext } from '../runtime';
import { adapterFor } from '../providers/registry';
import { nowSeconds } from '../time';
import { isTerminal, TERMINAL_BATCH_STATUSES } from '../openai/types';
import { toOpenAIBatch } from '../openai/objects';
import { WriteConflictError } from '../store/metadata';
import '../providers/all';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const batch = await findBatch(event, caller, jsonBody(event));
  const { metadata, config } = getServices();
  const notCancellable = () => badRequest(`Batch ${batch.id} cannot be cancelled: its status is '${batch.status}'. Only validating, in_progress and finalizing batches can be cancelled.`, 'batch_id', 'batch_not_cancellable');
  if (isTerminal(batch.status)) throw notCancellable();
  if (batch.status === 'cancelling') return json(toOpenAIBatch(batch));
  let updated;
  try {
    updated = await metadata.updateBatch(batch.id, { status: 'cancelling', cancellingAt: nowSeconds(), cancelRequested: true }, TERMINAL_BATCH_STATUSES);
  } catch (err) {
    if (err instanceof WriteConflictError) throw notCancellable(); // finished meanwhile
    throw err;
  }
  try {
    await adapterFor(batch.provider).cancelBatch(providerContext(batch.provider, caller.tenantId, passThroughKey(event, config.allowProviderKeyPassThrough)), updated);
  } catch (err) {
    logger.warn('Provider cancel failed; the tracker will retry it', { batchId: batch.id, error: (err as Error).message });
  }
  return json(toOpenAIBatch(updated));
});
