// Starting a batch's tracker execution. Named after the batch id, so starting it again is harmless:
// Step Functions answers a second StartExecution with the same name and input as the running one, and
// one for an execution that already ended with ExecutionAlreadyExists, which means it ran.
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { getServices, logger } from '#lambda/runtime';
import { nowSeconds } from '#lambda/time';
import type { BatchRecord } from '#contracts/records';

export async function startTracker(batch: Pick<BatchRecord, 'id' | 'provider'>): Promise<void> {
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
    if (err instanceof ExecutionAlreadyExists || (err as Error).name === 'ExecutionAlreadyExists') return;
    throw err;
  }
}

/** Records that the execution runs, so that nobody needs to start it again. */
export async function markTrackerStarted(batch: BatchRecord): Promise<BatchRecord> {
  return getServices().metadata.updateBatch(batch.id, { trackerStartedAt: nowSeconds() });
}

/** A create cut off between recording the batch and starting its tracker left this many seconds ago at least. */
const CUT_OFF_AFTER_SECONDS = 30;

/**
 * Repairs a batch whose create was cut off after recording it (kill, Lambda timeout): retrieve and a
 * retried create call this, and the tracker starts ("Prepare input" then records trackerStartedAt, so
 * this costs one idempotent StartExecution at most until the execution runs).
 */
export async function ensureTrackerStarted(
  batch: BatchRecord,
  now = nowSeconds(),
  minAgeSeconds = CUT_OFF_AFTER_SECONDS,
): Promise<BatchRecord> {
  if (batch.trackerStartedAt !== null || batch.status !== 'validating' || now - batch.createdAt < minAgeSeconds) return batch;
  logger.warn('Batch was recorded but its tracker never started; starting it now', { batchId: batch.id });
  await startTracker(batch);
  return batch;
}
