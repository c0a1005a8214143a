// Gemini batch Operation → the gateway's view of it (spec §2.3-2.5, §5). Pure: no I/O.
import type { BatchError, BatchStatus, RequestCounts } from '#contracts/openai-types';
import type { ProviderBatchState } from '#lambda/providers/provider';
import type { GeminiBatchStats, GeminiOperation } from './types';
import { toUnixSeconds } from '#lambda/time';

/** Gemini's state without its prefix: the wire says BATCH_STATE_*, the SDK and guide say JOB_STATE_*. */
export function batchStateName(state: string | undefined): string {
  return (state ?? 'UNSPECIFIED').replace(/^(BATCH|JOB)_STATE_/, '');
}

const STATUS_BY_STATE: Record<string, BatchStatus> = {
  PENDING: 'validating',
  RUNNING: 'in_progress',
  // The gateway passes through `finalizing` itself while it writes the output files.
  SUCCEEDED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  EXPIRED: 'expired',
};

export function toBatchStatus(state: string | undefined): BatchStatus {
  // UNSPECIFIED or a state added later: keep polling rather than end the batch on a guess.
  return STATUS_BY_STATE[batchStateName(state)] ?? 'in_progress';
}

/** int64 JSON strings ("12"); proto3 omits zero counts, so missing means 0. */
export function parseInt64(value: string | number | undefined): number {
  if (value === undefined || value === null || value === '') return 0;
  const parsed = typeof value === 'number' ? value : Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed : 0;
}

export function toRequestCounts(stats: GeminiBatchStats | undefined): RequestCounts {
  return {
    total: parseInt64(stats?.requestCount),
    completed: parseInt64(stats?.successfulRequestCount),
    failed: parseInt64(stats?.failedRequestCount),
  };
}

/** RFC 3339 (possibly with nanoseconds) → Unix seconds; undefined when absent or unparseable. */
export const rfc3339ToUnixSeconds = (value: string | undefined): number | undefined => toUnixSeconds(value) ?? undefined;

/** The responses file of a finished batch: read both places the API has been seen to put it. */
export function responsesFileOf(operation: GeminiOperation): string | undefined {
  return operation.metadata?.output?.responsesFile ?? operation.response?.responsesFile;
}

export function toProviderBatchState(operation: GeminiOperation): ProviderBatchState {
  const metadata = operation.metadata ?? {};
  const state = batchStateName(metadata.state);
  let status = toBatchStatus(metadata.state);
  const errors: BatchError[] = [];
  if (operation.error) {
    // A finished Operation with an error is a failed batch whatever its metadata says.
    if (operation.done) status = 'failed';
    errors.push({
      code: 'provider_error',
      message: `Gemini: ${operation.error.message ?? 'the batch failed'}${operation.error.status ? ` (${operation.error.status})` : ''}`,
      param: null,
      line: null,
    });
  } else if (status === 'failed') {
    errors.push({ code: 'provider_error', message: 'Gemini reported the batch as failed without a reason.', param: null, line: null });
  }

  const result: ProviderBatchState = {
    status,
    requestCounts: toRequestCounts(metadata.batchStats),
    providerData: {
      state,
      responsesFile: responsesFileOf(operation) ?? null,
      createTime: rfc3339ToUnixSeconds(metadata.createTime) ?? null,
      endTime: rfc3339ToUnixSeconds(metadata.endTime) ?? null,
    },
  };
  if (errors.length) result.errors = errors;
  return result;
}
