// DELETE /openai/files/{file_id} — removes the provider's copy, the bytes and the record.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, passThroughKey } from '#lambda/http/request';
import { findFile } from '#lambda/http/lookup';
import { getServices } from '#lambda/runtime';
import { deleteGatewayFile } from '#lambda/files/delete';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const file = await findFile(event, caller);
  await deleteGatewayFile(file, passThroughKey(event, getServices().config.allowProviderKeyPassThrough));
  return json({ id: file.id, object: 'file', deleted: true });
});
