// POST /openai/uploads — uploads.create: an Upload that parts can be added to for one hour.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, jsonBody } from '#lambda/http/request';
import { getServices } from '#lambda/runtime';
import { nowSeconds } from '#lambda/time';
import { parseUploadCreate } from '#lambda/uploads/params';
import { createUpload } from '#lambda/uploads/operations';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const params = parseUploadCreate(jsonBody(event), getServices().config.defaultProvider, nowSeconds());
  return json(await createUpload(caller, params));
});
