// Collecting an adapter's results as the tracker does: the adapter streams what the provider returned
// into the result sink (lambda/tracker/result-files.ts), which answers every other request of the
// input from the custom_id snapshot "Prepare input" takes. Returns the lines of both files.
import type { BatchRequestOutput } from '#contracts/openai-types';
import type { ProviderAdapter, ProviderContext } from '#lambda/providers/provider';
import type { BatchRecord, FileRecord } from '#contracts/records';
import { snapshotCustomIds } from '#lambda/tracker/custom-ids';
import type { Outcome } from '#lambda/tracker/decide';
import { ResultFiles } from '#lambda/tracker/result-files';
import { inputFiles } from './records';
import type { CredentialKind } from '#contracts/providers';

/** The batch's input file: one built by test/support/records.ts, or one the adapter registered (inline requests). */
function inputOf(batch: BatchRecord, ctx: object & { registered?: FileRecord[] }): FileRecord {
  const file = inputFiles.get(batch.inputFileId) ?? ctx.registered?.find((f) => f.id === batch.inputFileId);
  if (!file) throw new Error(`test: no input file ${batch.inputFileId} for batch ${batch.id}`);
  return file;
}

export async function collectThroughSink<K extends CredentialKind = 'api-key'>(
  adapter: ProviderAdapter<K>,
  ctx: ProviderContext<K>,
  batch: BatchRecord,
  outcome: Outcome = 'completed',
): Promise<Array<Omit<BatchRequestOutput, 'id'>>> {
  // Beside the input (a bucket the test's blob store has), as the tracker keeps them in the files bucket.
  const input = inputOf(batch, ctx);
  if (!batch.customIdsBlob) batch.customIdsBlob = (await snapshotCustomIds(ctx.blobs, batch, input, input.blob.bucket)).blob;
  const sink = new ResultFiles(ctx.blobs, batch, input.blob.bucket, outcome);
  const unanswered = await adapter.collectResults(ctx, batch, sink);
  const results = await sink.close(unanswered ?? undefined);
  const lines: Array<Omit<BatchRequestOutput, 'id'>> = [];
  for (const file of [results.outputFile, results.errorFile]) {
    if (!file) continue;
    for await (const line of ctx.blobs.readLines(file.blob)) {
      if (line.text.trim() === '') continue;
      const { id: _id, ...rest } = JSON.parse(line.text) as BatchRequestOutput;
      lines.push(rest);
    }
  }
  return lines;
}
