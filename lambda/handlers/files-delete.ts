// DELETE /openai/files/{file_id} — removes the provider's copy, the bytes and the record.
import { httpHandler, json } from '../http/handler';
import { callerOf, passThroughKey } from '../http/request';
import { findFile } from '../http/lookup';
import { getServices, providerContext } from '../runtime';
import { adapterFor } from '../providers/registry';
import '../providers/all';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const file = await findFile(event, caller);
  const { blobs, metadata, config } = getServices();
  const adapter = adapterFor(file.provider);
  if (adapter.onFileDeleted) {
    await adapter.onFileDeleted(providerContext(file.provider, caller.tenantId, passThroughKey(event, config.allowProviderKeyPassThrough)), file);
  }
  await metadata.deleteFile(file.id);
  await blobs.delete(file.blob).catch(() => undefined);
  return json({ id: file.id, object: 'file', deleted: true });
});
