// GET /openai/console/session — what the web console needs to know about the key it was given: the
// key's id and name, its tenant, and (deployed) the AWS console address of a batch's execution. The
// console calls it first: a refused key gets the authorizer's 401 and the console says so.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf } from '#lambda/http/request';
import { getServices } from '#lambda/runtime';
import { finopsStore } from '#lambda/finops/store';
import { awsConsoleLinksEnabled, executionUrlTemplate } from '#lambda/console/links';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const key = await finopsStore().keyById(caller.keyId);
  const { config } = getServices();
  return json({
    object: 'console.session',
    key_id: caller.keyId,
    key_name: key && key.tenantId === caller.tenantId ? key.name : null,
    tenant_id: caller.tenantId,
    default_provider: config.defaultProvider,
    execution_url_template: executionUrlTemplate(config.stateMachineArn, awsConsoleLinksEnabled()),
  });
});
