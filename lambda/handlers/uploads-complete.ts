// POST /openai/uploads/{upload_id}/complete — uploads.complete: the parts, in the given order, become
// a gateway file (validated, converted and handed to its provider like a files.create upload).
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, jsonBody, passThroughKey, pathParam } from '#lambda/http/request';
import { getServices } from '#lambda/runtime';
import { parseUploadComplete, parseUploadId } from '#lambda/uploads/params';
import { completeUpload, findUpload } from '#lambda/uploads/operations';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const uploadId = parseUploadId(pathParam(event, 'upload_id'));
  let params: ReturnType<typeof parseUploadComplete>;
  try {
    params = parseUploadComplete(jsonBody(event));
  } catch (err) {
    // An unknown upload is a 404 whatever the body says (as OpenAI answers for any unknown id); only
    // a bad body for an upload that exists is the 400.
    await findUpload(caller, uploadId);
    throw err;
  }
  return json(await completeUpload(caller, uploadId, params, passThroughKey(event, getServices().config.allowProviderKeyPassThrough)));
});
