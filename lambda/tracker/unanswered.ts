// When tracking fails for good (the provider lost the batch, results could not be fetched after every
// retry), the batch is marked failed. Without more, a client could not tell which of its requests ran:
// so every request of the input comes out as an error line (`batch_failed`, with the reason), exactly
// once, in the batch's error file. Result files an earlier "Collect results" attempt already registered
// are complete (they are registered only after both were written) and are kept as they are.
import { resultFileId } from '#lambda/ids';
import type { RequestCounts } from '#contracts/openai-types';
import type { BlobStore } from '#lambda/store/blobs';
import type { MetadataStore } from '#lambda/store/metadata';
import type { BatchRecord } from '#contracts/records';
import { ResultFiles } from './result-files';

export interface UnansweredResults {
  outputFileId: string | null;
  errorFileId: string | null;
  requestCounts?: RequestCounts;
}

/** custom_id of an input line (OpenAI JSONL, or the `{custom_id, params}` lines of inline requests). */
export function customIdOf(text: string): string | null {
  if (text.trim() === '') return null;
  try {
    const value = JSON.parse(text) as { custom_id?: unknown };
    return typeof value?.custom_id === 'string' ? value.custom_id : null;
  } catch {
    return null; // inputs are validated on upload; a line without a request has nothing to answer
  }
}

/**
 * The result files of a batch whose tracking failed: the ones already registered, else an error file
 * answering every input request with `message`. Null when there is no input left to read (deleted).
 */
export async function answerEveryRequest(
  batch: BatchRecord,
  message: string,
  deps: { metadata: MetadataStore; blobs: BlobStore; bucket: string },
): Promise<UnansweredResults | null> {
  const { metadata, blobs, bucket } = deps;
  const [output, error] = await Promise.all([
    metadata.getFileById(resultFileId(batch.id, 'output')),
    metadata.getFileById(resultFileId(batch.id, 'error')),
  ]);
  if (output || error) return { outputFileId: output?.id ?? null, errorFileId: error?.id ?? null };

  // The sink answers every request when it closes: from the custom_id snapshot, else from the input file.
  const input = batch.customIdsBlob ? null : batch.inputFileId ? await metadata.getFileById(batch.inputFileId) : null;
  if (!batch.customIdsBlob && (!input || input.tenantId !== batch.tenantId)) return null;
  const sink = new ResultFiles(blobs, batch, bucket, 'failed', message, input?.blob);
  let results;
  try {
    results = await sink.close();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  if (results.errorFile) await metadata.putFile(results.errorFile);
  return { outputFileId: null, errorFileId: results.errorFile?.id ?? null, requestCounts: results.requestCounts };
}
