// POST /openai/uploads/{upload_id}/parts — uploads.parts.create: one part (multipart field `data`),
// stored in S3 at once. A part may be as large as one request can carry (config.maxDirectUploadBytes).
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, pathParam, rawBody } from '#lambda/http/request';
import { getServices } from '#lambda/runtime';
import { parseUploadId } from '#lambda/uploads/params';
import { readPartData } from '#lambda/uploads/part-form';
import { addPart } from '#lambda/uploads/operations';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const uploadId = parseUploadId(pathParam(event, 'upload_id'));
  const contentType = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const data = await readPartData(contentType, rawBody(event), getServices().config.maxDirectUploadBytes);
  return json(await addPart(caller, uploadId, data));
});
