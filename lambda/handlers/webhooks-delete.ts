// DELETE /openai/finops/webhooks/{webhook_id} — deliveries already queued for it are dropped.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, pathParam } from '#lambda/http/request';
import { removeEndpoint } from '#lambda/webhooks/registration';

export const handler = httpHandler(async (event) => json(await removeEndpoint(callerOf(event).tenantId, pathParam(event, 'webhook_id'))));
