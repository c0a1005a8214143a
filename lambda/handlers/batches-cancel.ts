// POST /openai/batches/{batch_id}/cancel — records the request, asks the provider; the tracker carries
// the batch on to `cancelled` (and re-asks the provider if this first attempt does not get through).
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, jsonBody } from '#lambda/http/request';
import { batchNotCancellable, noSuchBatch } from '#lambda/http/errors';
import { findBatch } from '#lambda/http/lookup';
import { getServices, logger } from '#lambda/runtime';
import { adapterFor } from '#lambda/providers/registry';
import { cancelProviderWork } from '#lambda/tracker/jobs-steps';
import { nowSeconds } from '#lambda/time';
import { isTerminal, TERMINAL_BATCH_STATUSES } from '#contracts/openai-types';
import { toOpenAIBatch } from '#lambda/openai/objects';
import { WriteConflictError } from '#lambda/store/metadata';
import { batchProviderContext } from '#lambda/auth/batch-credentials';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const batch = await findBatch(event, caller, jsonBody(event));
  const { metadata } = getServices();
  // A cancel retried after it went through answers the batch (cancelling or cancelled), not an error.
  if (batch.status === 'cancelling' || batch.status === 'cancelled') return json(toOpenAIBatch(batch));
  if (isTerminal(batch.status)) throw batchNotCancellable(batch.status);
  let updated;
  try {
    updated = await metadata.updateBatch(
      batch.id,
      { status: 'cancelling', cancellingAt: nowSeconds(), cancelRequested: true },
      TERMINAL_BATCH_STATUSES,
    );
  } catch (err) {
    if (!(err instanceof WriteConflictError)) throw err;
    // The batch finished between our read and our write (the tracker won the race). Name the status it
    // has now: the one read before the write was still cancellable, and quoting it would contradict the
    // message.
    const current = await metadata.getBatch(caller.tenantId, batch.id);
    if (!current) throw noSuchBatch(batch.id);
    if (current.status === 'cancelled') return json(toOpenAIBatch(current));
    throw batchNotCancellable(current.status);
  }
  // Not submitted yet: the tracker's "Submit to provider" sees the request and ends the batch cancelled
  // (stopping the jobs of a mixed-model batch that reached the provider already).
  if (updated.submittedAt === null) return json(toOpenAIBatch(updated));
  try {
    await cancelProviderWork(adapterFor(batch.provider), batchProviderContext(updated), updated);
  } catch (err) {
    logger.warn('Provider cancel failed; the tracker will retry it', { batchId: batch.id, error: (err as Error).message });
  }
  return json(toOpenAIBatch(updated));
});
