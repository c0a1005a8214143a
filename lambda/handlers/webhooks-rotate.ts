// POST /openai/finops/webhooks/{webhook_id}/rotate — a new whsec_ secret; the old one signs too during the overlap.
import { httpHandler, json } from '../http/handler';
import { callerOf, pathParam } from '../http/request';
import { nowSeconds } from '../time';
import { rotateSecret } from '../webhooks/registration';

export const handler = httpHandler(async (event) =>
  json(await rotateSecret(callerOf(event).tenantId, pathParam(event, 'webhook_id'), nowSeconds())),
);
