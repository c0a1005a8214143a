// Loading what a tracker step works on. The tracker acts for the batch's owner.
import { getServices } from '#lambda/runtime';
import { batchProviderContext } from '#lambda/auth/batch-credentials';
import { adapterFor } from '#lambda/providers/registry';
import type { BatchRecord } from '#contracts/records';

export interface TrackerInput {
  batchId: string;
  provider: string;
}

export class BatchNotFoundError extends Error {
  override readonly name = 'BatchNotFound';
}

export async function loadBatch(input: TrackerInput) {
  const batch = await getServices().metadata.getBatchById(input.batchId);
  if (!batch) throw new BatchNotFoundError(`Batch ${input.batchId} is not in the metadata table.`);
  return { batch, adapter: adapterFor(batch.provider), ctx: batchProviderContext(batch) };
}

export type LoadedBatch = Awaited<ReturnType<typeof loadBatch>> & { batch: BatchRecord };
