// GET /openai/finops/webhooks — the caller's endpoints, without secrets.
import { httpHandler, json } from '../http/handler';
import { callerOf } from '../http/request';
import { listEndpoints } from '../webhooks/registration';

export const handler = httpHandler(async (event) => json(await listEndpoints(callerOf(event).tenantId)));
