// The tracker steps of a mixed-model batch (lambda/tracker/jobs.ts): submit each job durably, poll
// them all, cancel them all, collect them all into the one result sink. Every job's progress is
// written to the batch record as soon as it is made, so a step cut off anywhere continues from there.
import { getServices, logger } from '#lambda/runtime';
import { GatewayError } from '#lambda/http/errors';
import { isTerminal, TERMINAL_BATCH_STATUSES, type BatchError } from '#contracts/openai-types';
import type { ProviderAdapter, ProviderBatchState, ProviderContext, UnansweredReason } from '#lambda/providers/provider';
import type { BatchRecord, FileRecord, ProviderJob } from '#contracts/records';
import { isQueueFull } from './decide';
import { inputCustomIds } from './custom-ids';
import { notRunLine } from '#lambda/openai/output-lines';
import { isTransient } from './lifecycle';
import type { ResultFiles } from './result-files';
import { submissionInput } from './submission';
import {
  atProvider,
  batchStatusOf,
  commonMetadata,
  runsAsJobs,
  jobBatch,
  jobErrors,
  jobFile,
  jobInput,
  splitByModel,
  stillRunning,
  sumCounts,
} from './jobs';

export interface JobsContext {
  batch: BatchRecord;
  adapter: ProviderAdapter;
  ctx: ProviderContext;
}

async function saveJobs(batch: BatchRecord, jobs: ProviderJob[]): Promise<void> {
  await getServices().metadata.updateBatch(batch.id, { jobs }, TERMINAL_BATCH_STATUSES);
}

/**
 * Submits every job not submitted yet, one after the other, recording each as soon as its provider
 * accepted (or refused) it. A transient error stops here (thrown: the step waits and comes back to
 * the same job, whose adapter finds a job an earlier attempt made). `refuse` turns a permanent
 * error into the job's errors entry (null: not a refusal, thrown). Returns every job.
 */
export async function submitJobs(
  { batch, adapter, ctx }: JobsContext,
  now: number,
  refuse: (err: unknown) => BatchError | null,
): Promise<ProviderJob[]> {
  const input = await submissionInput(batch);
  const jobs = batch.jobs ? [...batch.jobs] : await splitByModel(getServices().blobs, batch, input.inputFile!);
  if (!batch.jobs) {
    await saveJobs(batch, jobs);
    logger.info('Split the mixed-model input into one provider job per model', { models: jobs.map((j) => j.model) });
  }
  for (const [i, job] of jobs.entries()) {
    if (job.submittedAt !== null) continue;
    try {
      jobs[i] = await stageJobInput({ batch, adapter, ctx }, jobs, i, input.inputFile, input.extras);
      const created = await adapter.createBatch(ctx, jobInput(input, jobs[i]));
      jobs[i] = {
        ...jobs[i],
        providerBatchId: created.providerBatchId,
        providerData: created.providerData ?? {},
        submittedAt: now,
        // A job the provider reports finished already is still collected by the tracker.
        status: isTerminal(created.status) ? 'in_progress' : created.status,
        requestCounts: created.requestCounts.total > 0 ? created.requestCounts : jobs[i].requestCounts,
        metadata: created.metadata ?? null,
      };
      logger.info('Provider job submitted', { job: job.key, model: job.model, providerBatchId: created.providerBatchId });
    } catch (err) {
      if (isTransient(err)) throw err;
      const rejection = refuse(err);
      if (!rejection) throw err;
      const line = rejection.line === null ? null : await originalLineOf(getServices().blobs, input.inputFile!, job.model, rejection.line);
      const message = line === null ? rejection.message : rejection.message.replace(/\bLine \d+\b/, `Line ${line}`);
      jobs[i] = {
        ...job,
        submittedAt: now,
        status: 'failed',
        errors: [{ ...rejection, message: `${job.model}: ${message}`, line }],
        requestCounts: { ...job.requestCounts, failed: job.requestCounts.total },
      };
      logger.info('Provider job refused', { job: job.key, model: job.model, code: rejection.code });
    }
    await saveJobs(batch, jobs);
  }
  return jobs;
}

/** Gives the provider its copy of the job's lines once (OpenAI and Gemini upload files), recorded before the job is created. */
async function stageJobInput(
  { batch, adapter, ctx }: JobsContext,
  jobs: ProviderJob[],
  i: number,
  original: FileRecord | null,
  extras: Record<string, unknown>,
): Promise<ProviderJob> {
  const job = jobs[i];
  if (!adapter.onFileStored || job.input.staged) return job;
  const copy = await adapter.onFileStored(ctx, jobFile(batch, job, original), extras);
  jobs[i] = {
    ...job,
    input: {
      ...job.input,
      staged: true,
      ...(copy.providerFileId ? { providerFileId: copy.providerFileId } : {}),
      ...(copy.providerData ? { providerData: copy.providerData } : {}),
    },
  };
  await saveJobs(batch, jobs);
  return jobs[i];
}

/** The line of the original file that is the n-th line of `model` (a job's line numbers are its own file's). */
export async function originalLineOf(
  blobs: Parameters<typeof splitByModel>[0],
  file: FileRecord,
  model: string,
  n: number,
): Promise<number | null> {
  let seen = 0;
  for await (const line of blobs.readLines(file.blob)) {
    if (line.text.trim() === '' || !line.text.includes(JSON.stringify(model))) continue;
    let named: unknown;
    try {
      named = (JSON.parse(line.text) as { body?: { model?: unknown } }).body?.model;
    } catch {
      continue;
    }
    if (named === model && ++seen === n) return line.number;
  }
  return null;
}

/** The record once every job was submitted: the combined status and counts, each job's refusal in `errors`. */
export function jobsSubmittedPatch(batch: BatchRecord, jobs: ProviderJob[], now: number): Partial<BatchRecord> {
  const status = batchStatusOf(jobs.map((j) => j.status));
  const errors = jobErrors(jobs);
  const shared = commonMetadata(jobs);
  return {
    jobs,
    ...(Object.keys(shared).length ? { metadata: { ...(batch.metadata ?? {}), ...shared } } : {}),
    status: isTerminal(status) ? 'in_progress' : status,
    inProgressAt: batch.inProgressAt ?? (jobs.some((j) => atProvider(j) && j.status === 'in_progress') ? now : null),
    requestCounts: sumCounts(jobs),
    providerBatchId: null,
    submittedAt: now,
    lastProviderError: null,
    ...(errors.length ? { errors: [...(batch.errors ?? []), ...errors] } : {}),
  };
}

export interface JobsCheck {
  /** The jobs' combined state, for decideAfterCheck. */
  state: ProviderBatchState;
  jobs: ProviderJob[];
  /** A job the provider sent back for a full queue (OpenAI token_limit_exceeded): submit it again. */
  requeued: boolean;
}

/**
 * Polls every running job at once (a Bedrock on-demand job runs its calls inside its check, so they
 * run side by side within the step's time). A job whose provider is unavailable keeps its last
 * state; when every poll failed so, the error is thrown (the step waits). A permanent error is thrown.
 */
export async function checkJobs({ batch, adapter, ctx }: JobsContext): Promise<JobsCheck> {
  const jobs = [...(batch.jobs ?? [])];
  const polled = jobs.map((job, i) => ({ job, i })).filter(({ job }) => stillRunning(job));
  const settled = await Promise.allSettled(polled.map(({ job }) => adapter.checkBatch(ctx, jobBatch(batch, job))));
  let requeued = false;
  let retryAfterSeconds: number | undefined;
  const unavailable: unknown[] = [];
  for (const [n, result] of settled.entries()) {
    const { job, i } = polled[n];
    if (result.status === 'rejected') {
      if (!isTransient(result.reason)) throw result.reason;
      unavailable.push(result.reason);
      const retryAfter = (result.reason as { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retryAfter !== undefined) retryAfterSeconds = Math.max(retryAfterSeconds ?? 0, retryAfter);
      continue;
    }
    const state = result.value;
    if (isQueueFull(state) && !batch.cancelRequested) {
      jobs[i] = {
        ...job,
        providerBatchId: null,
        providerData: undefined,
        submittedAt: null,
        status: 'validating',
        errors: null,
        input: { ...job.input },
      };
      requeued = true;
      continue;
    }
    jobs[i] = {
      ...job,
      status: state.status,
      ...(state.requestCounts ? { requestCounts: state.requestCounts } : {}),
      ...(state.providerData ? { providerData: { ...(job.providerData ?? {}), ...state.providerData } } : {}),
      ...(state.errors?.length ? { errors: state.errors } : {}),
    };
    if (state.retryAfterSeconds !== undefined) retryAfterSeconds = Math.max(retryAfterSeconds ?? 0, state.retryAfterSeconds);
  }
  if (polled.length > 0 && unavailable.length === polled.length) throw unavailable[0];
  const errors = jobErrors(jobs);
  return {
    jobs,
    requeued,
    state: {
      status: batchStatusOf(jobs.map((j) => j.status)),
      requestCounts: sumCounts(jobs),
      ...(errors.length ? { errors } : {}),
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    },
  };
}

/** Asks the provider to cancel the batch: every running job of a mixed-model batch (each tried; the first failure thrown after). */
export async function cancelProviderWork(adapter: ProviderAdapter, ctx: ProviderContext, batch: BatchRecord): Promise<void> {
  if (!batch.jobs) return adapter.cancelBatch(ctx, batch);
  const settled = await Promise.allSettled(batch.jobs.filter(stillRunning).map((job) => adapter.cancelBatch(ctx, jobBatch(batch, job))));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * A batch that ends before it was fully submitted (cancelled, past its window) may already have jobs
 * at the provider (a submit cut off between two jobs): they are stopped, best effort.
 */
export async function stopSubmittedJobs({ batch, adapter, ctx }: JobsContext): Promise<void> {
  if (!batch.jobs?.some(stillRunning)) return;
  await cancelProviderWork(adapter, ctx, batch).catch((err) =>
    logger.warn('Could not stop the jobs already submitted; they end at the provider on their own', { error: (err as Error).message }),
  );
}

/**
 * Streams every job's results into the one sink, each line counted on its job's model, and answers
 * the lines of a job its provider refused with that refusal. `fromProvider` false: the batch is given
 * up on, nothing is fetched. Returns the first reason an adapter gave for what its provider left out
 * (the sink answers those lines with it).
 */
export async function collectJobs(
  { batch, adapter, ctx }: JobsContext,
  sink: ResultFiles,
  fromProvider = true,
): Promise<UnansweredReason | undefined> {
  let reason: UnansweredReason | undefined;
  for (const job of batch.jobs ?? []) {
    if (!atProvider(job)) {
      await answerRefusedJob(job, sink);
      continue;
    }
    if (!fromProvider) continue;
    try {
      const given = await adapter.collectResults(ctx, jobBatch(batch, job), sink.forModel(job.model));
      reason ??= given ?? undefined;
    } catch (err) {
      // A job still running when the batch ended (expired, cancelled meanwhile) may have nothing to
      // hand over yet: its lines are answered by the sink. Anything else is the step's error.
      if (isTransient(err) || isTerminal(job.status) || !(err instanceof Error) || err instanceof GatewayError) throw err;
      logger.warn('A job that had not finished could not be collected; its requests are answered as not run', {
        job: job.key,
        error: err.message,
      });
    }
  }
  return reason;
}

/** A job its provider refused: each of its lines answered with the refusal (read from the job's own file). */
async function answerRefusedJob(job: ProviderJob, sink: ResultFiles): Promise<void> {
  const message = job.errors?.[0]?.message;
  if (job.submittedAt === null || !message) return; // never submitted: the sink answers its lines by the outcome
  for await (const customId of inputCustomIds(getServices().blobs, job.input.blob))
    await sink.forModel(job.model).write(notRunLine(customId, 'batch_failed', message));
}

/** At the end: the jobs' split files and the providers' copies of them go (best effort, idempotent). */
export async function releaseJobInputs(batch: BatchRecord, adapter: ProviderAdapter, ctx: ProviderContext): Promise<void> {
  const { blobs } = getServices();
  for (const job of batch.jobs ?? []) {
    if (job.input.providerFileId && adapter.onFileDeleted)
      await adapter
        .onFileDeleted(ctx, jobFile(batch, job))
        .catch((err) => logger.warn('Could not delete a job input copy at the provider', { job: job.key, error: (err as Error).message }));
    await blobs.delete(job.input.blob).catch(() => undefined);
  }
}

/** Whether the batch runs (or is to run) as one provider job per model. */
export async function runsAsJobsNow(batch: BatchRecord, adapter: ProviderAdapter): Promise<boolean> {
  if (batch.jobs) return true;
  if (!adapter.oneModelPerJob || batch.model !== null || !batch.inputFileId) return false;
  const file = await getServices().metadata.getFileById(batch.inputFileId);
  return runsAsJobs(adapter, file, batch.model);
}
