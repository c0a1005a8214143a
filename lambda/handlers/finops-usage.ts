// GET /openai/finops/usage?start=YYYY-MM-DD&end=YYYY-MM-DD&group_by=provider|model|key|day|endpoint[&interval=day]
// The caller's tenant only: one Query on the tenant's daily usage aggregates, grouped and summed.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, queryOf } from '#lambda/http/request';
import { buildUsageReport, parseUsageQuery } from '#lambda/finops/report';
import { finopsStore } from '#lambda/finops/store';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const query = parseUsageQuery(queryOf(event), new Date().toISOString().slice(0, 10));
  const rows = await finopsStore().usageRows(caller.tenantId, query.start, query.end);
  return json(buildUsageReport(rows, query));
});
