// POST /openai/finops/webhooks — register an endpoint; the answer carries its whsec_ secret, once.
import { httpHandler, json } from '../http/handler';
import { callerOf, jsonBody } from '../http/request';
import { nowSeconds } from '../time';
import { parseEndpointSpec, registerEndpoint } from '../webhooks/registration';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const spec = await parseEndpointSpec(jsonBody(event));
  return json(await registerEndpoint(caller.tenantId, spec, nowSeconds()));
});
