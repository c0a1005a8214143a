// State "Mark batch failed": tracking hit a permanent error (retries exhausted, provider lost the
// batch, …). Record `failed` with an error that says why, so the client is never left polling.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { getServices, logger } from '../runtime';
import { isTerminal, type OpenAIBatch } from '../openai/types';
import { toOpenAIBatch } from '../openai/objects';
import { nowSeconds } from '../time';
import { loadBatch, type TrackerInput } from '../tracker/context';
import { recordBatchCost } from '../finops/record';
import type { BatchRecord } from '../store/records';

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

export async function markFailed(input: TrackerInput & { error?: StepError }): Promise<OpenAIBatch> {
  const { batch } = await loadBatch(input);
  logger.appendKeys({ batchId: batch.id, provider: batch.provider });
  if (isTerminal(batch.status)) return toOpenAIBatch(batch);
  const message = describeTrackingError(input.error);
  logger.error('Batch tracking failed', { reason: message });
  const patch: Partial<BatchRecord> = {
    status: 'failed',
    failedAt: nowSeconds(),
    errors: [...(batch.errors ?? []), { code: 'tracking_failed', message, param: null, line: null }],
  };
  // Failed batches count in the usage aggregates and metrics too (with no tokens).
  const cost = await recordBatchCost({ ...batch, ...patch } as BatchRecord, {});
  const updated = await getServices().metadata.updateBatch(batch.id, cost ? { ...patch, cost } : patch);
  return toOpenAIBatch(updated);
}

export const handler = middy(markFailed).use(injectLambdaContext(logger, { resetKeys: true }));
