// State "Prepare input": snapshot the custom_ids of the batch's input beside its results, so that
// every request is answered exactly once whatever happens to the input file later (deleted, expired)
// and whether or not the provider ever runs the batch. Idempotent: a snapshot already taken is kept.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { getServices, logger } from '#lambda/runtime';
import { isTerminal } from '#contracts/openai-types';
import { isSubmitted } from '#lambda/tracker/lifecycle';
import { nowSeconds } from '#lambda/time';
import { snapshotCustomIds } from '#lambda/tracker/custom-ids';
import { BatchNotFoundError, type TrackerInput } from '#lambda/tracker/context';

export async function prepareInput(input: TrackerInput): Promise<{ next: 'submit' }> {
  const { metadata, blobs, config } = getServices();
  const batch = await metadata.getBatchById(input.batchId);
  if (!batch) throw new BatchNotFoundError(`Batch ${input.batchId} is not in the metadata table.`);
  logger.appendKeys({ batchId: batch.id, provider: batch.provider });
  // The execution runs: nobody needs to start it again (lambda/tracker/start.ts).
  if (batch.trackerStartedAt === null) await metadata.updateBatch(batch.id, { trackerStartedAt: nowSeconds() });
  if (isTerminal(batch.status) || isSubmitted(batch) || batch.customIdsBlob) return { next: 'submit' };
  const file = batch.inputFileId ? await metadata.getFileById(batch.inputFileId) : null;
  // Nothing to snapshot (the file vanished before the batch started): Submit says so on the batch.
  if (!file || file.tenantId !== batch.tenantId) return { next: 'submit' };
  const { blob, count } = await snapshotCustomIds(blobs, batch, file, config.filesBucket);
  await metadata.updateBatch(batch.id, { customIdsBlob: blob, requestCounts: { ...batch.requestCounts, total: count } });
  logger.info('Snapshotted the custom_ids of the input', { requests: count });
  return { next: 'submit' };
}

export const handler = middy(prepareInput).use(injectLambdaContext(logger, { resetKeys: true }));
