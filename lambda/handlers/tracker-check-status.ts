// State "Check batch status": ask the provider, record what it says, decide wait / collect / done.
// A transient provider error (429, 5xx, timeout) is not a failure: the step answers "wait", with the
// poll wait and never sooner than Retry-After (lambda/tracker/lifecycle.ts), until the deadline.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { getServices, logger } from '#lambda/runtime';
import { isTerminal, TERMINAL_BATCH_STATUSES } from '#contracts/openai-types';
import { nowSeconds } from '#lambda/time';
import { decideAfterCheck, isPastDeadline, type CheckResult } from '#lambda/tracker/decide';
import { nextWaitSeconds } from '#contracts/schedule';
import { loadBatch, type TrackerInput } from '#lambda/tracker/context';
import { WriteConflictError } from '#lambda/store/metadata';
import { describeTransient, isTransient, retryWaitSeconds } from '#lambda/tracker/lifecycle';
import { releaseInFlightPlace } from '#lambda/tracker/in-flight';
import type { BatchRecord } from '#contracts/records';
import type { ProviderBatchState } from '#lambda/providers/provider';
import { cancelProviderWork, checkJobs, type JobsCheck } from '#lambda/tracker/jobs-steps';

export async function checkStatus(input: TrackerInput): Promise<CheckResult> {
  const { batch, adapter, ctx } = await loadBatch(input);
  logger.appendKeys({ batchId: batch.id, provider: batch.provider });
  if (isTerminal(batch.status)) return { next: 'done', waitSeconds: 0, outcome: null };
  const now = nowSeconds();
  if (isPastDeadline(batch, now, getServices().config.expiryGraceSeconds)) {
    logger.info('Batch passed its completion window; stopping it and keeping finished results');
    await cancelProviderWork(adapter, ctx, batch).catch((err) => logger.warn('Cancel at expiry failed', { error: (err as Error).message }));
    return { next: 'collect', waitSeconds: 0, outcome: 'expired' };
  }
  let state: ProviderBatchState;
  let jobs: JobsCheck | null = null;
  try {
    if (batch.jobs) jobs = await checkJobs({ batch, adapter, ctx });
    state = jobs ? jobs.state : await adapter.checkBatch(ctx, batch);
  } catch (err) {
    if (!isTransient(err)) throw err;
    logger.warn('Provider unavailable during the status check; checking again later', { error: describeTransient(err) });
    await getServices()
      .metadata.updateBatch(batch.id, { lastProviderError: describeTransient(err) }, TERMINAL_BATCH_STATUSES)
      .catch(() => undefined);
    return { next: 'wait', waitSeconds: retryWaitSeconds(batch, now, err), outcome: null };
  }
  if (jobs?.requeued) return requeueJobs(batch, jobs, now);
  const decision = decideAfterCheck(batch, state, now);
  if (jobs) decision.patch.jobs = jobs.jobs;
  if (decision.result.next === 'resubmit') await releaseInFlightPlace(batch as BatchRecord);
  if (decision.repeatCancel) {
    await cancelProviderWork(adapter, ctx, { ...batch, ...(jobs ? { jobs: jobs.jobs } : {}) }).catch((err) =>
      logger.warn('Repeated cancel failed; will try again', { error: (err as Error).message }),
    );
  }
  if (batch.lastProviderError) decision.patch.lastProviderError = null;
  if (Object.keys(decision.patch).length) {
    try {
      await getServices().metadata.updateBatch(batch.id, decision.patch, TERMINAL_BATCH_STATUSES);
    } catch (err) {
      if (!(err instanceof WriteConflictError)) throw err;
      // Finished meanwhile (e.g. a concurrent collect): nothing left to do.
      return { next: 'done', waitSeconds: 0, outcome: null };
    }
  }
  logger.info('Checked batch', { providerStatus: state.status, next: decision.result.next, waitSeconds: decision.result.waitSeconds });
  return decision.result;
}

/** A job of a mixed-model batch the provider sent back for a full queue: Submit makes it again (the others keep running). */
async function requeueJobs(batch: BatchRecord, jobs: JobsCheck, now: number): Promise<CheckResult> {
  await releaseInFlightPlace(batch);
  await getServices().metadata.updateBatch(
    batch.id,
    {
      jobs: jobs.jobs,
      submittedAt: null,
      requeues: (batch.requeues ?? 0) + 1,
      lastProviderError: 'provider queue full: a job is submitted again',
    },
    TERMINAL_BATCH_STATUSES,
  );
  logger.info('A job was sent back for a full provider queue; submitting it again');
  return { next: 'resubmit', waitSeconds: nextWaitSeconds(now - batch.createdAt), outcome: null };
}

export { nextWaitSeconds };
export const handler = middy(checkStatus).use(injectLambdaContext(logger, { resetKeys: true }));
