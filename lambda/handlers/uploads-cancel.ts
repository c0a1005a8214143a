// POST /openai/uploads/{upload_id}/cancel — uploads.cancel: no more parts; the stored ones are deleted.
import { httpHandler, json } from '../http/handler';
import { callerOf, pathParam } from '../http/request';
import { parseUploadId } from '../uploads/params';
import { cancelUpload } from '../uploads/operations';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  return json(await cancelUpload(caller, parseUploadId(pathParam(event, 'upload_id'))));
});
