// State "Submit to provider": convert and stage the input, create the provider batch, record it.
// A provider that is throttled, down, slow or full (its queue, its quota, the stack's in-flight cap)
// keeps the batch `validating`: the step answers "wait" and the workflow tries again, until the batch's
// window plus grace has passed (then `expired`, every request answered). A provider (or conversion)
// that refuses the batch for good ends it `failed` with OpenAI's errors list. The adapters make a
// retried submit find the provider batch an earlier attempt made instead of creating a second.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { getServices, logger } from '#lambda/runtime';
import { GatewayError } from '#lambda/http/errors';
import { isTerminal, TERMINAL_BATCH_STATUSES, type BatchError } from '#contracts/openai-types';
import { nowSeconds } from '#lambda/time';
import { loadBatch, type LoadedBatch, type TrackerInput } from '#lambda/tracker/context';
import { deadlineOf, describeTransient, isSubmitted, isTransient, retryWaitSeconds } from '#lambda/tracker/lifecycle';
import { InputFileGoneError, submissionInput } from '#lambda/tracker/submission';
import { releaseInFlightPlace, takeInFlightPlace } from '#lambda/tracker/in-flight';
import { submittedPatch } from '#lambda/batches/record';
import { nextWaitSeconds } from '#contracts/schedule';
import type { Outcome } from '#lambda/tracker/decide';
import type { BatchRecord } from '#contracts/records';
import { runsAsJobsNow, stopSubmittedJobs, submitJobs, jobsSubmittedPatch, type JobsContext } from '#lambda/tracker/jobs-steps';
import { atProvider, jobErrors } from '#lambda/tracker/jobs';

export interface SubmitResult {
  next: 'submitted' | 'wait' | 'collect' | 'done';
  waitSeconds: number;
  outcome: Outcome | null;
}

const decide = (next: SubmitResult['next'], waitSeconds = 0, outcome: Outcome | null = null): SubmitResult => ({
  next,
  waitSeconds,
  outcome,
});

export async function submitBatch(input: TrackerInput): Promise<SubmitResult> {
  const loaded = await loadBatch(input);
  const { batch } = loaded;
  logger.appendKeys({ batchId: batch.id, provider: batch.provider });
  if (isTerminal(batch.status)) return decide('done');
  if (isSubmitted(batch)) return decide('submitted');
  const now = nowSeconds();
  if (batch.cancelRequested) {
    await stopSubmittedJobs(loaded);
    return endUnsubmitted(batch, 'cancelled');
  }
  if (now > deadlineOf(batch, getServices().config.expiryGraceSeconds)) {
    logger.warn('Batch could not be submitted within its completion window; it expires', { lastProviderError: batch.lastProviderError });
    await stopSubmittedJobs(loaded);
    return endUnsubmitted(batch, 'expired');
  }
  if (!(await takeInFlightPlace(batch))) {
    logger.info('The in-flight cap for this provider is reached; the batch waits in validating');
    await note(batch, 'Waiting for room: the gateway caps the batches in flight at this provider.');
    return decide('wait', nextWaitSeconds(now - batch.createdAt));
  }
  return submitNow(loaded, now);
}

async function submitNow({ batch, adapter, ctx }: LoadedBatch, now: number): Promise<SubmitResult> {
  try {
    if (await runsAsJobsNow(batch, adapter)) return await submitEveryJob({ batch, adapter, ctx }, now);
    const created = await adapter.createBatch(ctx, await submissionInput(batch));
    await getServices().metadata.updateBatch(batch.id, submittedPatch(batch, created, nowSeconds()), TERMINAL_BATCH_STATUSES);
    logger.info('Batch submitted to the provider', { status: created.status, requests: created.requestCounts.total });
    return decide('submitted');
  } catch (err) {
    if (isTransient(err)) {
      // A full provider queues the batch; a throttled or unavailable one is waited out.
      logger.warn('Provider could not take the batch now; trying again later', { error: describeTransient(err) });
      await releaseInFlightPlace(batch);
      await note(batch, describeTransient(err));
      return decide('wait', retryWaitSeconds(batch, now, err));
    }
    const rejection = rejectionOf(err);
    if (!rejection) throw err;
    logger.info('The batch was refused', { code: rejection.code, message: rejection.message });
    await releaseInFlightPlace(batch);
    return endUnsubmitted(batch, 'failed', [rejection]);
  }
}

/** A mixed-model batch: one provider job per model, each recorded as soon as it is made (tracker/jobs-steps.ts). */
async function submitEveryJob(loaded: JobsContext, now: number): Promise<SubmitResult> {
  const { batch } = loaded;
  const jobs = await submitJobs(loaded, now, rejectionOf);
  if (!jobs.some(atProvider)) {
    logger.info('Every job of the batch was refused', { jobs: jobs.length });
    await releaseInFlightPlace(batch);
    return endUnsubmitted({ ...batch, jobs }, 'failed', jobErrors(jobs));
  }
  await getServices().metadata.updateBatch(batch.id, jobsSubmittedPatch(batch, jobs, nowSeconds()), TERMINAL_BATCH_STATUSES);
  logger.info('Batch submitted to the provider as one job per model', {
    jobs: jobs.map((j) => ({ model: j.model, status: j.status, requests: j.requestCounts.total })),
  });
  return decide('submitted');
}

/** A refusal that a retry cannot change, as an entry of OpenAI's `errors` list (line from "Line N" when named). */
export function rejectionOf(err: unknown): BatchError | null {
  if (err instanceof InputFileGoneError) return { code: 'input_file_deleted', message: err.message, param: 'input_file_id', line: null };
  // The provider refusing the credentials the batch runs with (a wrong pass-through key) is as permanent.
  if (err instanceof GatewayError && (err.code === 'provider_auth_error' || err.code === 'provider_permission_error'))
    return { code: err.code, message: err.message, param: null, line: null };
  if (!(err instanceof GatewayError) || err.status >= 500 || err.status === 429) return null;
  const line = /\bLine (\d+)\b/.exec(err.message);
  return { code: err.code ?? 'invalid_request', message: err.message, param: err.param, line: line ? Number(line[1]) : null };
}

/** The batch ends before anything ran at the provider: Collect results answers every request from the snapshot. */
async function endUnsubmitted(batch: BatchRecord, outcome: Outcome, errors?: BatchError[]): Promise<SubmitResult> {
  if (errors) await getServices().metadata.updateBatch(batch.id, { errors: [...(batch.errors ?? []), ...errors] }, TERMINAL_BATCH_STATUSES);
  return decide('collect', 0, outcome);
}

/** What the batch is waiting for, for operators (best effort). */
async function note(batch: BatchRecord, why: string): Promise<void> {
  await getServices()
    .metadata.updateBatch(batch.id, { lastProviderError: why }, TERMINAL_BATCH_STATUSES)
    .catch(() => undefined);
}

export const handler = middy(submitBatch).use(injectLambdaContext(logger, { resetKeys: true }));
