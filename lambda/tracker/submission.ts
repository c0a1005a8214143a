// What "Submit to provider" hands the adapter: the create request as batches.create recorded it.
import { getServices } from '#lambda/runtime';
import type { CreateBatchInput } from '#lambda/providers/provider';
import type { BatchRecord } from '#contracts/records';

export class InputFileGoneError extends Error {
  override readonly name = 'InputFileGone';
}

export async function submissionInput(batch: BatchRecord): Promise<CreateBatchInput> {
  const { metadata, blobs } = getServices();
  // Read by id: the owner may have deleted the file meanwhile (hidden, but kept while this batch runs).
  const inputFile = batch.inputFileId ? await metadata.getFileById(batch.inputFileId) : null;
  if (batch.inputFileId && (!inputFile || inputFile.tenantId !== batch.tenantId)) {
    throw new InputFileGoneError(`The input file ${batch.inputFileId} of batch ${batch.id} no longer exists.`);
  }
  let extras = batch.submission?.extras ?? {};
  if (batch.submission?.extrasBlob)
    extras = JSON.parse((await blobs.getBuffer(batch.submission.extrasBlob)).toString('utf8')) as Record<string, unknown>;
  return {
    batchId: batch.id,
    tenantId: batch.tenantId,
    endpoint: batch.endpoint,
    completionWindow: batch.completionWindow,
    inputFile,
    model: batch.model,
    extras,
    metadata: batch.metadata,
    createdAt: batch.createdAt,
    expiresAt: batch.expiresAt,
  };
}
