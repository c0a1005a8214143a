// POST /openai/finops/webhooks — register an endpoint; the answer carries its whsec_ secret, once.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, jsonBody } from '#lambda/http/request';
import { nowSeconds } from '#lambda/time';
import { parseEndpointSpec, registerEndpoint } from '#lambda/webhooks/registration';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const spec = await parseEndpointSpec(jsonBody(event));
  return json(await registerEndpoint(caller.tenantId, spec, nowSeconds()));
});
