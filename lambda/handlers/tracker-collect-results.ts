// State "Collect results": convert the provider's results into OpenAI output and error files, then
// record the terminal status. Idempotent: a finished batch is returned as it is, and result files have
// ids derived from the batch id. A provider that is unavailable while its results are fetched is
// waited out ("wait"), up to COLLECT_GRACE_SECONDS past the batch's deadline; after that, and for a
// batch that never reached the provider, the requests nobody answered come out as error lines.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { getServices, logger } from '#lambda/runtime';
import { isTerminal, type OpenAIBatch } from '#contracts/openai-types';
import { toOpenAIBatch } from '#lambda/openai/objects';
import { nowSeconds } from '#lambda/time';
import { ResultFiles } from '#lambda/tracker/result-files';
import { loadBatch, type TrackerInput } from '#lambda/tracker/context';
import type { Outcome } from '#lambda/tracker/decide';
import type { BatchRecord } from '#contracts/records';
import { recordBatchCost } from '#lambda/finops/record';
import { discardBatchCredential } from '#lambda/auth/batch-credentials';
import {
  COLLECT_GRACE_SECONDS,
  deadlineOf,
  describeTransient,
  isSubmitted,
  isTransient,
  retryWaitSeconds,
} from '#lambda/tracker/lifecycle';
import { releaseInFlightPlace } from '#lambda/tracker/in-flight';
import { releaseBatchInput } from '#lambda/files/delete';
import type { LoadedBatch } from '#lambda/tracker/context';
import { collectJobs, releaseJobInputs } from '#lambda/tracker/jobs-steps';

export interface CollectResult {
  next: 'announce' | 'wait';
  waitSeconds: number;
  /** The batch as the client sees it now (what "Announce batch finished" puts on the bus). */
  batch: OpenAIBatch | null;
}

const TIMESTAMP_FIELD: Record<Outcome, keyof BatchRecord> = {
  completed: 'completedAt',
  failed: 'failedAt',
  expired: 'expiredAt',
  cancelled: 'cancelledAt',
};

export async function collectResults(input: TrackerInput & { outcome: Outcome }): Promise<CollectResult> {
  const loaded = await loadBatch(input);
  const { batch } = loaded;
  logger.appendKeys({ batchId: batch.id, provider: batch.provider });
  if (isTerminal(batch.status)) return { next: 'announce', waitSeconds: 0, batch: toOpenAIBatch(batch) };
  const now = nowSeconds();
  // Past this, a provider that still cannot hand over results is given up on: what it holds is lost.
  const giveUpAt = deadlineOf(batch, getServices().config.expiryGraceSeconds) + COLLECT_GRACE_SECONDS;
  try {
    return {
      next: 'announce',
      waitSeconds: 0,
      batch: await collectAndRecord(loaded, input.outcome, isSubmitted(batch) && now <= giveUpAt),
    };
  } catch (err) {
    if (!isTransient(err) || now > giveUpAt) throw err;
    logger.warn('Provider unavailable while collecting results; trying again later', { error: describeTransient(err) });
    return { next: 'wait', waitSeconds: retryWaitSeconds(batch, now, err), batch: null };
  }
}

async function collectAndRecord({ batch, adapter, ctx }: LoadedBatch, outcome: Outcome, fromProvider: boolean): Promise<OpenAIBatch> {
  const { blobs, metadata, config } = getServices();
  // A batch that never reached the provider has no results: the sink answers every request from the
  // custom_id snapshot, with the reason the batch was refused (if it was).
  // Batches recorded before the snapshot existed answer from their input file.
  const inputBlob = batch.customIdsBlob || !batch.inputFileId ? undefined : (await metadata.getFileById(batch.inputFileId))?.blob;
  const sink = new ResultFiles(blobs, batch, config.filesBucket, outcome, fromProvider ? undefined : batch.errors?.[0]?.message, inputBlob);
  let results;
  try {
    const unanswered = batch.jobs
      ? await collectJobs({ batch, adapter, ctx }, sink, fromProvider)
      : fromProvider
        ? await adapter.collectResults(ctx, batch, sink)
        : undefined;
    results = await sink.close(unanswered ?? undefined);
  } catch (err) {
    await sink.abort();
    throw err;
  }
  if (sink.duplicateCount) logger.warn('Provider returned duplicate results; kept the first of each', { duplicates: sink.duplicateCount });
  if (sink.filledInCount) logger.info('Requests without a provider result answered as errors', { requests: sink.filledInCount });
  for (const file of [results.outputFile, results.errorFile])
    if (file) await metadata.putFile(file).catch(async () => metadata.updateFile(file.id, file));
  const now = nowSeconds();
  const patch: Partial<BatchRecord> = {
    status: outcome,
    [TIMESTAMP_FIELD[outcome]]: now,
    outputFileId: results.outputFile?.id ?? null,
    errorFileId: results.errorFile?.id ?? null,
    requestCounts: results.requestCounts,
    usage: results.usage,
  };
  if (outcome === 'completed' && !batch.finalizingAt) patch.finalizingAt = now;
  const cost = await recordBatchCost({ ...batch, ...patch } as BatchRecord, results.usageByModel);
  if (cost) patch.cost = cost;
  const updated = await metadata.updateBatch(batch.id, patch);
  await afterTheEnd(updated, ctx);
  await releaseJobInputs(updated, adapter, ctx);
  logger.info('Batch finished', { status: outcome, requestCounts: results.requestCounts });
  return toOpenAIBatch(updated);
}

/** What a batch held while it ran and gives back at its end (each step idempotent and best effort). */
export async function afterTheEnd(batch: BatchRecord, ctx: LoadedBatch['ctx']): Promise<void> {
  await releaseInFlightPlace(batch).catch((err) => logger.error('Could not give back the in-flight place', err as Error));
  await releaseBatchInput(batch, ctx).catch((err) => logger.error('Could not remove the input file its owner deleted', err as Error));
  await discardBatchCredential(batch);
}

export const handler = middy(collectResults).use(injectLambdaContext(logger, { resetKeys: true }));
