// GET /openai/finops/webhooks — the caller's endpoints, without secrets.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf } from '#lambda/http/request';
import { listEndpoints } from '#lambda/webhooks/registration';

export const handler = httpHandler(async (event) => json(await listEndpoints(callerOf(event).tenantId)));
