// Vertex AI BatchPredictionJob → the gateway's view of it. Pure: no I/O.
//
// JobState (cloud.google.com/vertex-ai/docs/reference/rest/v1/JobState, 12 values):
//   UNSPECIFIED, QUEUED ("just created or resumed, processing has not yet begun"), PENDING ("the
//   service is preparing to run the job")                          → validating
//   RUNNING, PAUSED ("stopped, can be resumed"), UPDATING ("goes back to RUNNING") → in_progress
//   CANCELLING ("may only go to SUCCEEDED, FAILED or CANCELLED")      → cancelling
//   SUCCEEDED, PARTIALLY_SUCCEEDED ("some results may be missing due to errors") → completed: the
//     rows that ran are in the predictions files, the missing ones become not-run error lines
//   FAILED → failed, CANCELLED → cancelled, EXPIRED → expired (queued 72 h without capacity)
// A state added later keeps the batch polled rather than ended on a guess.
import type { BatchError, BatchStatus, RequestCounts } from '#contracts/openai-types';
import type { ProviderBatchState } from '#lambda/providers/provider';
import { rfc3339ToUnixSeconds } from '#lambda/providers/gemini/status';
import type { Int64, VertexBatchPredictionJob, VertexCompletionStats } from './types';

const STATUS_BY_STATE: Record<string, BatchStatus> = {
  JOB_STATE_UNSPECIFIED: 'validating',
  JOB_STATE_QUEUED: 'validating',
  JOB_STATE_PENDING: 'validating',
  JOB_STATE_RUNNING: 'in_progress',
  JOB_STATE_PAUSED: 'in_progress',
  JOB_STATE_UPDATING: 'in_progress',
  JOB_STATE_CANCELLING: 'cancelling',
  JOB_STATE_SUCCEEDED: 'completed',
  JOB_STATE_PARTIALLY_SUCCEEDED: 'completed',
  JOB_STATE_FAILED: 'failed',
  JOB_STATE_CANCELLED: 'cancelled',
  JOB_STATE_EXPIRED: 'expired',
};

/** States after which the job writes nothing more. */
export const TERMINAL_JOB_STATES = new Set([
  'JOB_STATE_SUCCEEDED',
  'JOB_STATE_PARTIALLY_SUCCEEDED',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_EXPIRED',
]);

export function toBatchStatus(state: string | undefined): BatchStatus {
  return STATUS_BY_STATE[state ?? 'JOB_STATE_UNSPECIFIED'] ?? 'in_progress';
}

/** An int64 JSON string as a count; absent, malformed or -1 ("unknown") is undefined. */
export function parseCount(value: Int64 | undefined): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value);
  if (!/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** completionStats → request_counts; total is successful + failed + incomplete (unknowns count as 0). */
export function toRequestCounts(stats: VertexCompletionStats | undefined, knownTotal = 0): RequestCounts {
  const completed = parseCount(stats?.successfulCount) ?? 0;
  const failed = parseCount(stats?.failedCount) ?? 0;
  const incomplete = parseCount(stats?.incompleteCount) ?? 0;
  return { total: Math.max(knownTotal, completed + failed + incomplete), completed, failed };
}

/** google.rpc codes by name, for the message of a failed job. */
const RPC_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

function jobErrors(job: VertexBatchPredictionJob, status: BatchStatus): BatchError[] {
  if (status !== 'failed') return [];
  const error = job.error;
  const name = typeof error?.code === 'number' ? RPC_NAMES[error.code] : error?.status;
  const message = error?.message
    ? `Vertex AI: ${error.message}${name ? ` (${name})` : ''}`
    : 'Vertex AI reported the batch prediction job as failed without a reason.';
  return [{ code: 'provider_error', message, param: null, line: null }];
}

export function toProviderBatchState(job: VertexBatchPredictionJob, knownTotal = 0): ProviderBatchState {
  const status = toBatchStatus(job.state);
  const result: ProviderBatchState = {
    status,
    requestCounts: toRequestCounts(job.completionStats, knownTotal),
    providerData: {
      state: job.state ?? 'JOB_STATE_UNSPECIFIED',
      outputDirectory: job.outputInfo?.gcsOutputDirectory ?? null,
      endTime: rfc3339ToUnixSeconds(job.endTime) ?? null,
    },
  };
  const inProgressAt = rfc3339ToUnixSeconds(job.startTime);
  if (inProgressAt !== undefined && status !== 'validating') result.inProgressAt = inProgressAt;
  const errors = jobErrors(job, status);
  if (errors.length) result.errors = errors;
  return result;
}
