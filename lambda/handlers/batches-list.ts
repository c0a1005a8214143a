// GET /openai/batches — the caller's batches, newest first, cursor-paginated. Gateway extensions:
// ?provider=, ?model= and ?status= (one of OpenAI's batch statuses) keep only matching batches.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, queryOf } from '#lambda/http/request';
import { optionalString, parseAfter, parseBatchStatus, parseLimit } from '#lambda/http/params';
import { getServices } from '#lambda/runtime';
import { resolveProvider } from '#lambda/providers/registry';
import { toListPage, toOpenAIBatch } from '#lambda/openai/objects';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const query = queryOf(event);
  const where: Record<string, string> = {};
  if (query.provider !== undefined) where.provider = resolveProvider(query.provider, getServices().config.defaultProvider);
  const model = optionalString(query.model, 'model');
  if (model) where.model = model;
  const status = parseBatchStatus(query.status);
  if (status) where.status = status;
  const page = await getServices().metadata.listBatches(caller.tenantId, {
    limit: parseLimit(query.limit, 20, 100),
    after: parseAfter(query.after, 'batch'),
    where,
  });
  return json(toListPage(page.items, page.hasMore, toOpenAIBatch));
});
