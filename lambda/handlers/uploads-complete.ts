// POST /openai/uploads/{upload_id}/complete — uploads.complete: the parts, in the given order, become
// a gateway file (validated, converted and handed to its provider like a files.create upload).
import { httpHandler, json } from '../http/handler';
import { callerOf, jsonBody, passThroughKey, pathParam } from '../http/request';
import { getServices } from '../runtime';
import { parseUploadComplete, parseUploadId } from '../uploads/params';
import { completeUpload } from '../uploads/operations';
import '../providers/all';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const uploadId = parseUploadId(pathParam(event, 'upload_id'));
  const params = parseUploadComplete(jsonBody(event));
  return json(await completeUpload(caller, uploadId, params, passThroughKey(event, getServices().config.allowProviderKeyPassThrough)));
});
