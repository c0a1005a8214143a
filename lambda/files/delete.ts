// Removing a gateway file: the provider's copy, the gateway's bytes and the record. files.delete and
// the expiry sweep both come here, so an expired file goes exactly as a deleted one does.
import { getServices, providerContext, type PassThroughKey } from '../runtime';
import { adapterFor } from '../providers/registry';
import type { FileRecord } from '../store/records';

export async function deleteGatewayFile(file: FileRecord, passThroughKey?: PassThroughKey): Promise<void> {
  const { blobs, metadata } = getServices();
  const adapter = adapterFor(file.provider);
  if (adapter.onFileDeleted) await adapter.onFileDeleted(providerContext(file.provider, file.tenantId, passThroughKey), file);
  await metadata.deleteFile(file);
  await blobs.delete(file.blob).catch(() => undefined);
}
