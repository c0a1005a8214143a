// Removing a gateway file: the provider's copy, the gateway's bytes and the record. files.delete and
// the expiry sweep both come here, so an expired file goes exactly as a deleted one does.
// A file an unfinished batch still runs from is only hidden (deletedAt): the provider may still be
// reading its copy and the tracker its bytes. The batch's end (releaseBatchInput) removes it.
import { getServices, providerContext, type PassThroughKey } from '#lambda/runtime';
import { adapterFor } from '#lambda/providers/registry';
import type { ProviderContext } from '#lambda/providers/provider';
import type { BatchRecord, FileRecord } from '#contracts/records';
import { isTerminal } from '#contracts/openai-types';
import { nowSeconds } from '#lambda/time';

export async function deleteGatewayFile(file: FileRecord, passThroughKey?: PassThroughKey): Promise<void> {
  if (await usedByUnfinishedBatch(file)) {
    await getServices().metadata.updateFile(file.id, { deletedAt: nowSeconds() });
    return;
  }
  await removeFile(file, providerContext(file.provider, file.tenantId, passThroughKey));
}

/** When a batch ends: its input file, if its owner deleted it meanwhile, goes now unless another unfinished batch uses it. */
export async function releaseBatchInput(batch: BatchRecord, ctx: ProviderContext): Promise<void> {
  if (!batch.inputFileId) return;
  const file = await getServices().metadata.getFileById(batch.inputFileId);
  if (!file?.deletedAt || file.tenantId !== batch.tenantId) return;
  if (await usedByUnfinishedBatch(file, batch.id)) return;
  await removeFile(file, ctx);
}

async function removeFile(file: FileRecord, ctx: ProviderContext): Promise<void> {
  const { blobs, metadata } = getServices();
  const adapter = adapterFor(file.provider);
  if (adapter.onFileDeleted) await adapter.onFileDeleted(ctx, file);
  await metadata.deleteFile(file);
  await blobs.delete(file.blob).catch(() => undefined);
}

/** Whether a batch of the file's owner other than `except` runs from the file and has not ended. */
async function usedByUnfinishedBatch(file: FileRecord, except?: string): Promise<boolean> {
  if (file.purpose !== 'batch') return false;
  const { metadata } = getServices();
  let after: string | undefined;
  for (;;) {
    const page = await metadata.listBatches(file.tenantId, { limit: 100, after, where: { inputFileId: file.id } });
    if (page.items.some((b) => b.id !== except && !isTerminal(b.status))) return true;
    if (!page.hasMore || page.items.length === 0) return false;
    after = page.items[page.items.length - 1].id;
  }
}
