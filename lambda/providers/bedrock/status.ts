// Bedrock ModelInvocationJobStatus → OpenAI batch status (spec bedrock.md §2 and spec/README.md).
import type { BatchStatus } from '#contracts/openai-types';
import type { BatchRecord } from '#contracts/records';

export const BEDROCK_JOB_STATUSES = [
  'Submitted',
  'Validating',
  'Scheduled',
  'InProgress',
  'Completed',
  'PartiallyCompleted',
  'Failed',
  'Stopping',
  'Stopped',
  'Expired',
] as const;
export type BedrockJobStatus = (typeof BEDROCK_JOB_STATUSES)[number];

const TO_OPENAI: Record<BedrockJobStatus, BatchStatus> = {
  Submitted: 'validating',
  Validating: 'validating',
  Scheduled: 'in_progress',
  InProgress: 'in_progress',
  // The tracker shows `finalizing` while it converts the output, then `completed`.
  Completed: 'completed',
  // Not every record ran in time: still `completed`, the unprocessed ones go to the error file as batch_expired.
  PartiallyCompleted: 'completed',
  Failed: 'failed',
  Stopping: 'cancelling',
  Stopped: 'cancelled',
  Expired: 'expired',
};

/**
 * The OpenAI status for a Bedrock job status. A status this gateway does not know yet (a newer API)
 * counts as still running, so the tracker keeps polling instead of ending a job that is not done.
 */
export function toOpenAIStatus(status: string | undefined): BatchStatus {
  return TO_OPENAI[status as BedrockJobStatus] ?? 'in_progress';
}

export type NotRunCode = 'batch_expired' | 'batch_cancelled' | 'batch_failed';

/** Why a record has no output line, from the status the job ended in. */
export function notRunCodeFor(status: string | undefined): NotRunCode {
  switch (status) {
    case 'Stopping':
    case 'Stopped':
      return 'batch_cancelled';
    case 'PartiallyCompleted':
    case 'Expired':
      return 'batch_expired';
    default:
      return 'batch_failed';
  }
}

/**
 * Why a record of this batch has no result. The client's cancel and the tracker's stop at the
 * deadline both end a job as Stopped; only the batch record tells them apart. Without a job status
 * (on-demand runs) a record left over at the end ran out of time, unless the batch failed.
 */
export function notRunCodeForBatch(
  batch: Pick<BatchRecord, 'cancelRequested' | 'expiresAt' | 'status'>,
  jobStatus: string | undefined,
  now: number,
): NotRunCode {
  if (batch.cancelRequested || batch.status === 'cancelling' || batch.status === 'cancelled') return 'batch_cancelled';
  if (now > batch.expiresAt) return 'batch_expired';
  if (jobStatus === undefined) return batch.status === 'failed' ? 'batch_failed' : 'batch_expired';
  return notRunCodeFor(jobStatus);
}
