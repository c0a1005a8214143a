// GET /openai/finops/budgets — this UTC month's budget use of every key of the caller's tenant
// (lambda/finops/budget-use.ts). Keys are shown by id and name only, never by hash.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf } from '#lambda/http/request';
import { getServices } from '#lambda/runtime';
import { budgetUse } from '#lambda/finops/budget-use';
import { finopsStore } from '#lambda/finops/store';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const month = new Date().toISOString().slice(0, 7);
  const store = finopsStore();
  const keys = (await getServices().metadata.listKeys()).filter((key) => key.tenantId === caller.tenantId);
  const rows = await store.usageRows(caller.tenantId, `${month}-01`, `${month}-31`);
  const reserved = new Map(await Promise.all(keys.map(async (key) => [key.keyId, await store.reservedMicros(key.keyId, month)] as const)));
  return json(budgetUse(month, keys, rows, reserved));
});
