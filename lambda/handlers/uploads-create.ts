// POST /openai/uploads — uploads.create: an Upload that parts can be added to for one hour.
import { httpHandler, json } from '../http/handler';
import { callerOf, jsonBody } from '../http/request';
import { getServices } from '../runtime';
import { nowSeconds } from '../time';
import { parseUploadCreate } from '../uploads/params';
import { createUpload } from '../uploads/operations';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const params = parseUploadCreate(jsonBody(event), getServices().config.defaultProvider, nowSeconds());
  return json(await createUpload(caller, params));
});
