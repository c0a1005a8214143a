// POST /openai/uploads/{upload_id}/cancel — uploads.cancel: no more parts; the stored ones are deleted.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, pathParam } from '#lambda/http/request';
import { parseUploadId } from '#lambda/uploads/params';
import { cancelUpload } from '#lambda/uploads/operations';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  return json(await cancelUpload(caller, parseUploadId(pathParam(event, 'upload_id'))));
});
