// The rules of a batch's life that every tracker step shares: when it was submitted, how long a
// transient provider error may be ridden out, and how long to wait before the next try.
//
// Retry policy (README "Batch tracker"): a transient provider error (429, 5xx, timeout, network, a
// full provider queue) never ends a batch. The step answers "wait" with the same wait a status check
// would choose (clamp(age / 10, 60 s, 15 min), never sooner than Retry-After), so an outage costs no
// more transitions than healthy polling, for as long as the batch can still finish: until its
// completion window plus FINOPS_EXPIRY_GRACE_SECONDS. Collecting a finished batch's results may go on
// for COLLECT_GRACE_SECONDS more (providers keep results for weeks). Only then does it end `expired`.
import { ProviderUnavailableError, describeError } from '#lambda/providers/errors';
import type { BatchRecord } from '#contracts/records';
import { nextWaitSeconds } from '#contracts/schedule';

/** Results of a batch the provider finished may be fetched this long after the batch's deadline. */
export const COLLECT_GRACE_SECONDS = 24 * 3600;

/** Whether the provider batch exists: batches recorded before the workflow submitted them have no submittedAt at all. */
export const isSubmitted = (batch: Pick<BatchRecord, 'submittedAt'>) => batch.submittedAt !== null;

/** Past this instant the batch can no longer finish: it ends `expired`, keeping what finished. */
export const deadlineOf = (batch: Pick<BatchRecord, 'expiresAt'>, graceSeconds: number) => batch.expiresAt + graceSeconds;

/** Whether an error is one to wait out (the adapters raise every 429/5xx/timeout/queue-full as ProviderUnavailable). */
export const isTransient = (err: unknown): err is ProviderUnavailableError =>
  err instanceof ProviderUnavailableError || (err as Error | null)?.name === 'ProviderUnavailable';

/** The wait before trying again after a transient error: the poll wait, honouring Retry-After. */
export function retryWaitSeconds(batch: Pick<BatchRecord, 'createdAt'>, now: number, err: unknown): number {
  const retryAfter = (err as ProviderUnavailableError | null)?.retryAfterSeconds;
  return nextWaitSeconds(now - batch.createdAt, retryAfter);
}

/** What operators see of the error being ridden out (no stack, bounded). */
export const describeTransient = (err: unknown) => describeError(err, 300);
