// POST /openai/finops/webhooks/{webhook_id}/rotate — a new whsec_ secret; the old one signs too during the overlap.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, pathParam } from '#lambda/http/request';
import { nowSeconds } from '#lambda/time';
import { rotateSecret } from '#lambda/webhooks/registration';

export const handler = httpHandler(async (event) =>
  json(await rotateSecret(callerOf(event).tenantId, pathParam(event, 'webhook_id'), nowSeconds())),
);
