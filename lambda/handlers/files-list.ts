// GET /openai/files — the caller's files, newest first, cursor-paginated.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, queryOf } from '#lambda/http/request';
import { optionalString, parseAfter, parseLimit, parseOrder } from '#lambda/http/params';
import { getServices } from '#lambda/runtime';
import { resolveProvider } from '#lambda/providers/registry';
import { toListPage, toOpenAIFile } from '#lambda/openai/objects';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const query = queryOf(event);
  const where: Record<string, string> = {};
  if (query.provider !== undefined) where.provider = resolveProvider(query.provider, getServices().config.defaultProvider);
  const purpose = optionalString(query.purpose, 'purpose');
  if (purpose) where.purpose = purpose;
  const page = await getServices().metadata.listFiles(caller.tenantId, {
    limit: parseLimit(query.limit, 10_000, 10_000),
    after: parseAfter(query.after, 'file'),
    order: parseOrder(query.order),
    where,
  });
  return json(toListPage(page.items, page.hasMore, toOpenAIFile));
});
