// OpenAI batch → gateway vocabulary. Pure data mapping, no I/O.
// OpenAI already speaks our vocabulary; the one difference is `finalizing`: upstream it means the
// output files are still being written, so nothing can be collected yet and the tracker must keep
// polling. We report it as `in_progress` and produce our own `finalizing` while we collect.
import type { BatchError, BatchStatus, RequestCounts } from '#contracts/openai-types';

/** Provider status → the status the gateway records. Unknown (future) statuses keep the tracker polling. */
const STATUS_MAP: Record<string, BatchStatus> = {
  validating: 'validating',
  in_progress: 'in_progress',
  finalizing: 'in_progress',
  completed: 'completed',
  failed: 'failed',
  expired: 'expired',
  cancelling: 'cancelling',
  cancelled: 'cancelled',
};

export function isKnownProviderStatus(providerStatus: string): boolean {
  // Own keys only: `constructor` or `toString` are not statuses.
  return Object.hasOwn(STATUS_MAP, providerStatus);
}

export function mapBatchStatus(providerStatus: string): BatchStatus {
  return isKnownProviderStatus(providerStatus) ? STATUS_MAP[providerStatus] : 'in_progress';
}

/** The SDK's request_counts (optional, and missing while validating). */
export function mapRequestCounts(counts: { total?: number; completed?: number; failed?: number } | null | undefined): RequestCounts {
  return { total: counts?.total ?? 0, completed: counts?.completed ?? 0, failed: counts?.failed ?? 0 };
}

interface ProviderBatchError {
  code?: string | null;
  message?: string | null;
  param?: string | null;
  line?: number | null;
}

/** `batch.errors` (validation failures of a `failed` batch) → our BatchError list with every key set. */
export function mapBatchErrors(errors: { data?: ProviderBatchError[] | null } | null | undefined, provider = 'OpenAI'): BatchError[] {
  return (errors?.data ?? []).map((e) => ({
    code: e.code || 'provider_error',
    message: e.message || `${provider} reported an error for this batch without a message.`,
    param: e.param ?? null,
    line: e.line ?? null,
  }));
}
