// State "Collect results": convert the provider's results into OpenAI output and error files, then
// record the terminal status. Idempotent: a finished batch is returned as it is, and result files have
// ids derived from the batch id.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { getServices, logger } from '../runtime';
import { isTerminal, type OpenAIBatch } from '../openai/types';
import { toOpenAIBatch } from '../openai/objects';
import { nowSeconds } from '../time';
import { ResultFiles } from '../tracker/result-files';
import { loadBatch, type TrackerInput } from '../tracker/context';
import type { Outcome } from '../tracker/decide';
import type { BatchRecord } from '../store/records';
import { recordBatchCost } from '../finops/record';
import { discardBatchCredential } from '../auth/batch-credentials';

const TIMESTAMP_FIELD: Record<Outcome, keyof BatchRecord> = {
  completed: 'completedAt',
  failed: 'failedAt',
  expired: 'expiredAt',
  cancelled: 'cancelledAt',
};

export async function collectResults(input: TrackerInput & { outcome: Outcome }): Promise<OpenAIBatch> {
  const { batch, adapter, ctx } = await loadBatch(input);
  logger.appendKeys({ batchId: batch.id, provider: batch.provider });
  if (isTerminal(batch.status)) return toOpenAIBatch(batch);
  const { blobs, metadata, config } = getServices();
  const sink = new ResultFiles(blobs, batch, config.filesBucket, input.outcome);
  let results;
  try {
    await adapter.collectResults(ctx, batch, sink);
    results = await sink.close();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  if (sink.duplicateCount) logger.warn('Provider returned duplicate results; kept the first of each', { duplicates: sink.duplicateCount });
  for (const file of [results.outputFile, results.errorFile]) if (file) await metadata.putFile(file).catch(async () => metadata.updateFile(file.id, file));
  const now = nowSeconds();
  const outcome = input.outcome;
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
  await discardBatchCredential(batch);
  logger.info('Batch finished', { status: outcome, requestCounts: results.requestCounts });
  return toOpenAIBatch(updated);
}

export const handler = middy(collectResults).use(injectLambdaContext(logger, { resetKeys: true }));
