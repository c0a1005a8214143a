// The snapshot of a batch's custom_ids, taken by "Prepare input": one JSON string a line, beside the
// batch's results. With it the result sink answers every request exactly once whatever happened to
// the input file (deleted by its owner, expired) and whether or not the provider ever ran the batch.
import type { BlobStore } from '#lambda/store/blobs';
import type { BatchRecord, BlobLocation, FileRecord } from '#contracts/records';
import { customIdOf } from './unanswered';

export const customIdsLocation = (batch: Pick<BatchRecord, 'id' | 'tenantId'>, bucket: string): BlobLocation => ({
  bucket,
  key: `batches/${batch.tenantId}/${batch.id}/custom_ids.jsonl`,
});

/** Streams the input once; memory holds only the ids seen (to drop repeats, which validation refuses anyway). */
export async function snapshotCustomIds(
  blobs: BlobStore,
  batch: BatchRecord,
  input: FileRecord,
  bucket: string,
): Promise<{ blob: BlobLocation; count: number }> {
  const blob = customIdsLocation(batch, bucket);
  const writer = blobs.openLineWriter(blob);
  let count = 0;
  try {
    for await (const customId of inputCustomIds(blobs, input.blob)) {
      count += 1;
      await writer.writeLine(JSON.stringify(customId));
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return { blob, count };
}

export async function* snapshottedCustomIds(blobs: BlobStore, blob: BlobLocation): AsyncGenerator<string> {
  for await (const line of blobs.readLines(blob)) {
    if (line.text.trim() !== '') yield JSON.parse(line.text) as string;
  }
}

/** The custom_ids of an input file itself, each once (batches recorded before the snapshot existed). */
export async function* inputCustomIds(blobs: BlobStore, input: BlobLocation): AsyncGenerator<string> {
  const seen = new Set<string>();
  for await (const line of blobs.readLines(input)) {
    const customId = customIdOf(line.text);
    if (customId === null || seen.has(customId)) continue;
    seen.add(customId);
    yield customId;
  }
}
