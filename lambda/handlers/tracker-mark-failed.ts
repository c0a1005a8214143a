// State "Mark batch failed": tracking hit a permanent error (retries exhausted, provider lost the
// batch, …). Record `failed` with an error that says why, so the client is never left polling.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { getServices, logger } from '#lambda/runtime';
import { isTerminal, type OpenAIBatch } from '#contracts/openai-types';
import { toOpenAIBatch } from '#lambda/openai/objects';
import { nowSeconds } from '#lambda/time';
import { loadBatch, type TrackerInput } from '#lambda/tracker/context';
import { recordBatchCost } from '#lambda/finops/record';
import { answerEveryRequest } from '#lambda/tracker/unanswered';
import type { BatchRecord } from '#contracts/records';
import { discardBatchCredential } from '#lambda/auth/batch-credentials';
import { releaseInFlightPlace } from '#lambda/tracker/in-flight';

interface StepError {
  Error?: string;
  Cause?: string;
}

/** Turns a Step Functions error into a message for the client, without stack traces or internals. */
export function describeTrackingError(error: StepError | undefined): string {
  let detail = error?.Error ?? 'UnknownError';
  try {
    const cause = JSON.parse(error?.Cause ?? '') as { errorType?: string; errorMessage?: string };
    if (cause.errorMessage) detail = `${cause.errorType ?? detail}: ${cause.errorMessage}`;
  } catch {
    if (error?.Cause) detail = `${detail}: ${error.Cause}`;
  }
  return `The gateway could not track this batch to completion (${detail.slice(0, 400)}).`;
}

/** The `errors` code for a tracking failure: a lost batch says so; anything else is generic. */
export function trackingErrorCode(error: StepError | undefined): string {
  return error?.Error === 'ProviderLostBatch' ? 'provider_lost_batch' : 'tracking_failed';
}

export async function markFailed(input: TrackerInput & { error?: StepError }): Promise<OpenAIBatch> {
  const { batch } = await loadBatch(input);
  logger.appendKeys({ batchId: batch.id, provider: batch.provider });
  if (isTerminal(batch.status)) return toOpenAIBatch(batch);
  const message = describeTrackingError(input.error);
  logger.error('Batch tracking failed', { reason: message });
  const { metadata, blobs, config } = getServices();
  // Every request still gets exactly one answer line (see tracker/unanswered.ts). Failing to write them
  // must not keep the batch from being marked failed: the client would poll forever.
  const results = await answerEveryRequest(batch, message, { metadata, blobs, bucket: config.filesBucket }).catch((err) => {
    logger.error('Could not write error lines for the requests of a failed batch', err as Error);
    return null;
  });
  const patch: Partial<BatchRecord> = {
    status: 'failed',
    failedAt: nowSeconds(),
    errors: [...(batch.errors ?? []), { code: trackingErrorCode(input.error), message, param: null, line: null }],
    ...(results ?? {}),
  };
  // Failed batches count in the usage aggregates and metrics too (with no tokens).
  const cost = await recordBatchCost({ ...batch, ...patch } as BatchRecord, {});
  const updated = await metadata.updateBatch(batch.id, cost ? { ...patch, cost } : patch);
  // This function only writes the table (it talks to no provider): an input file its owner deleted
  // meanwhile stays hidden, its bytes kept (see README "Batch tracker").
  await releaseInFlightPlace(updated).catch((err) => logger.error('Could not give back the in-flight place', err as Error));
  await discardBatchCredential(batch);
  return toOpenAIBatch(updated);
}

export const handler = middy(markFailed).use(injectLambdaContext(logger, { resetKeys: true }));
