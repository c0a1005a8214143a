// Batches below Bedrock's minimum job size run on demand: the tracker's status check invokes the model
// for each staged record (InvokeModel with the very same modelInput a job would get), a few at a time,
// and stores every answer as its own S3 object as soon as it arrives. A check that crashes or times out
// loses only the calls in flight; the next check lists what is stored and carries on from there.
import { ConverseCommand, InvokeModelCommand, type BedrockRuntimeClient, type ConverseCommandInput } from '@aws-sdk/client-bedrock-runtime';
import type { ProviderBatchState, ProviderContext } from '#lambda/providers/provider';
import type { RequestCounts } from '#contracts/openai-types';
import { awsErrorName, awsStatusOf, isTransientAwsError, s3CallError } from './aws-errors';
import type { BedrockOutputRecord } from './records';
import { toS3Uri } from './s3-locations';

export interface OnDemandLocations {
  bucket: string;
  recordsKey: string;
  /** Results go to `<prefix>ok/<recordId>.json` or `<prefix>error/<recordId>.json`. */
  resultsPrefix: string;
  modelId: string;
  recordCount: number;
  /** How the records are written: the model's own InvokeModel body (default) or a Converse request. */
  invocation?: 'InvokeModel' | 'Converse';
}

export interface OnDemandOptions {
  /** Model calls in flight at once. */
  concurrency: number;
  /** No new call starts after this many ms, so the check returns well within its Lambda timeout. */
  startBudgetMs: number;
  /** Calls still running at this point are abandoned (and redone by the next check). */
  hardDeadlineMs: number;
}

export type Outcome = 'ok' | 'error';

export function resultKey(resultsPrefix: string, outcome: Outcome, recordId: string): string {
  return `${resultsPrefix}${outcome}/${recordId}.json`;
}

/** recordId → outcome of every record answered so far (one S3 listing). */
export async function storedResults(ctx: ProviderContext, where: OnDemandLocations): Promise<Map<string, Outcome>> {
  let keys: string[];
  try {
    keys = await ctx.blobs.list(where.bucket, where.resultsPrefix);
  } catch (err) {
    throw s3CallError(err, 'list', toS3Uri({ bucket: where.bucket, key: where.resultsPrefix }));
  }
  const done = new Map<string, Outcome>();
  for (const key of keys) {
    const match = /(ok|error)\/([A-Za-z0-9]+)\.json$/.exec(key.slice(where.resultsPrefix.length));
    // An ok result wins over an error one if a retried call left both.
    if (match && done.get(match[2]) !== 'ok') done.set(match[2], match[1] as Outcome);
  }
  return done;
}

/**
 * A cancel lands while a check may be running records: batches.cancel leaves this marker beside the
 * answers, and a running check looks for it before it starts more calls and before it reports the run
 * complete, so a cancelled batch never ends `completed` with every line run.
 */
export function cancelMarkerKey(resultsPrefix: string): string {
  return `${resultsPrefix}cancel-requested`;
}

export async function requestOnDemandCancel(ctx: ProviderContext, where: OnDemandLocations): Promise<void> {
  const location = { bucket: where.bucket, key: cancelMarkerKey(where.resultsPrefix) };
  try {
    await ctx.blobs.put(location, '{}', 'application/json');
  } catch (err) {
    throw s3CallError(err, 'write', toS3Uri(location));
  }
}

/** Whether a cancel was requested, reading the marker at most every CANCEL_CHECK_MS. */
function cancelWatch(ctx: ProviderContext, where: OnDemandLocations, known: boolean) {
  let seen = known;
  let checkedAt = 0;
  return async (force = false): Promise<boolean> => {
    if (seen || (!force && Date.now() - checkedAt < CANCEL_CHECK_MS)) return seen;
    checkedAt = Date.now();
    seen = (await ctx.blobs.size({ bucket: where.bucket, key: cancelMarkerKey(where.resultsPrefix) }).catch(() => null)) !== null;
    return seen;
  };
}

const CANCEL_CHECK_MS = 200;

export function countsOf(done: Map<string, Outcome>, total: number, notRun = 0): RequestCounts {
  let completed = 0;
  for (const outcome of done.values()) if (outcome === 'ok') completed += 1;
  return { total, completed, failed: done.size - completed + notRun };
}

/** Runs as many pending records as the budget allows and reports where the batch stands. */
export async function advanceOnDemand(
  ctx: ProviderContext,
  runtime: BedrockRuntimeClient,
  where: OnDemandLocations,
  cancelRequested: boolean,
  options: OnDemandOptions,
): Promise<ProviderBatchState> {
  const started = Date.now();
  const done = await storedResults(ctx, where);
  const cancelled = cancelWatch(ctx, where, cancelRequested);
  // Nothing runs after a cancel; collectResults writes the rest as batch_cancelled.
  const cancelledState = (): ProviderBatchState => ({
    status: 'cancelled',
    requestCounts: countsOf(done, where.recordCount, where.recordCount - done.size),
  });
  if (await cancelled(true)) return cancelledState();

  const inFlight = new Set<Promise<void>>();
  let postponed = 0;
  let throttled = false;
  let failure: unknown = null;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.hardDeadlineMs);
  try {
    for await (const line of ctx.blobs.readLines({ bucket: where.bucket, key: where.recordsKey })) {
      if (line.text.trim() === '') continue;
      const record = JSON.parse(line.text) as { recordId: string; modelInput: unknown };
      if (done.has(record.recordId)) continue;
      if (failure || Date.now() - started > options.startBudgetMs || (await cancelled())) {
        postponed += 1;
        continue;
      }
      while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
      const call = invokeOne(ctx, runtime, where, record, deadline.signal)
        .then((outcome) => {
          if (outcome === 'retry') {
            postponed += 1;
            if (!deadline.signal.aborted) throttled = true;
          } else done.set(record.recordId, outcome);
        })
        .catch((err) => {
          failure ??= err;
        })
        .finally(() => inFlight.delete(call));
      inFlight.add(call);
    }
    await Promise.all(inFlight);
  } catch (err) {
    throw s3CallError(err, 'read', toS3Uri({ bucket: where.bucket, key: where.recordsKey }));
  } finally {
    await Promise.allSettled(inFlight);
    clearTimeout(timer);
  }
  if (failure) throw failure;
  if (await cancelled(true)) return cancelledState();

  const counts = countsOf(done, where.recordCount);
  if (done.size >= where.recordCount) return { status: 'completed', requestCounts: counts };
  ctx.logger.info('On-demand Bedrock batch continues in the next check', { answered: done.size, postponed, total: where.recordCount });
  // Throttled calls: give the on-demand quota a moment before the next round.
  return { status: 'in_progress', requestCounts: counts, ...(throttled ? { retryAfterSeconds: THROTTLED_RETRY_SECONDS } : {}) };
}

const THROTTLED_RETRY_SECONDS = 30;

/**
 * One model call. Returns the stored outcome, or 'retry' when a later check should try again
 * (throttled after the SDK's own retries, 5xx, timed out, or abandoned at the deadline).
 */
async function invokeOne(
  ctx: ProviderContext,
  runtime: BedrockRuntimeClient,
  where: OnDemandLocations,
  record: { recordId: string; modelInput: unknown },
  abortSignal: AbortSignal,
): Promise<Outcome | 'retry'> {
  let result: BedrockOutputRecord;
  try {
    if (where.invocation === 'Converse') {
      // The record is a Converse request body, as a Converse-type job would read it (converse.ts).
      const { $metadata: _metadata, ...output } = await runtime.send(
        new ConverseCommand({ ...converseInput(record.modelInput), modelId: where.modelId }),
        { abortSignal },
      );
      result = { recordId: record.recordId, modelOutput: output };
    } else {
      const response = await runtime.send(
        new InvokeModelCommand({
          modelId: where.modelId,
          contentType: 'application/json',
          accept: 'application/json',
          body: new TextEncoder().encode(JSON.stringify(record.modelInput)),
        }),
        { abortSignal },
      );
      result = outputRecord(record.recordId, response.body);
    }
  } catch (err) {
    const status = awsStatusOf(err);
    // Only a 4xx answer from Bedrock (validation, access, unknown model) is the request's final answer,
    // recorded like a batch job's error record. Throttling, 5xx, timeouts and dropped connections are
    // tried again by a later check.
    if (abortSignal.aborted || status === undefined || status >= 500 || isTransientAwsError(err)) {
      ctx.logger.warn('On-demand Bedrock call postponed', {
        recordId: record.recordId,
        error: awsErrorName(err),
        message: (err as Error)?.message,
      });
      return 'retry';
    }
    result = { recordId: record.recordId, error: { errorCode: status, errorMessage: `${awsErrorName(err)}: ${(err as Error).message}` } };
  }
  const outcome: Outcome = result.error ? 'error' : 'ok';
  const key = resultKey(where.resultsPrefix, outcome, record.recordId);
  try {
    await ctx.blobs.put({ bucket: where.bucket, key }, JSON.stringify(result), 'application/json');
  } catch (err) {
    throw s3CallError(err, 'write', toS3Uri({ bucket: where.bucket, key }));
  }
  return outcome;
}

/** An InvokeModel answer as the record a batch job would have written for it. */
function outputRecord(recordId: string, body: Uint8Array | undefined): BedrockOutputRecord {
  try {
    return { recordId, modelOutput: JSON.parse(new TextDecoder().decode(body ?? new Uint8Array())) };
  } catch {
    return { recordId, error: { errorCode: 502, errorMessage: 'Bedrock answered with a body that is not JSON.' } };
  }
}

/**
 * A stored Converse record as the SDK's Converse input: image bytes are base64 in the JSONL record (as a
 * job reads them) and raw bytes in the SDK, which base64-encodes them itself.
 */
function converseInput(modelInput: unknown): Omit<ConverseCommandInput, 'modelId'> {
  const input = modelInput as { messages?: Array<{ content?: Array<{ image?: { source?: { bytes?: unknown } } }> }> };
  for (const message of input.messages ?? []) {
    for (const block of message.content ?? []) {
      const source = block.image?.source;
      if (source && typeof source.bytes === 'string') source.bytes = Buffer.from(source.bytes, 'base64');
    }
  }
  return input as Omit<ConverseCommandInput, 'modelId'>;
}
