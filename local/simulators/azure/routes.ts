// The Azure simulator's HTTP table, all under /openai with a required `?api-version=`: Files and Batch
// routes over the resource (resource.ts), after the checks Azure makes first (the Entra ID token
// endpoint needs no key; then the key, the api-version, the path) and the faults a route applies
// (`reset` before any byte, or mid-body for a download; `lose_batch` for a batch the resource knows).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { canonicalPath, matchRoute, route, type FaultInjector, type PathParams } from '#local/simulators/kit/index';
import { ApiError } from '#local/simulators/openai/account';
import { limitParam } from '#local/simulators/openai/params';
import { discard, sendContent, sendJson } from '#local/simulators/openai/wire';
import type { AzureResource } from './resource';
import { AZURE_BATCH_API_VERSIONS } from './rules';
import { authorize, resourceNotFound, tokenGrant, type AzureCredentials } from './wire';

interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  params: PathParams;
  /** A `reset` fault to apply mid-body (downloads only). */
  resetMidBody: boolean;
}

/** What a route answers: the JSON to send, or undefined when it answered itself. */
type Handler = (call: Call) => Promise<unknown> | unknown;

const TOKEN_PATH = /^\/[^/]+\/oauth2\/v2\.0\/token$/;

export function azureRoutes(resource: AzureResource, sim: { faults: FaultInjector; credentials: AzureCredentials; now: () => number }) {
  const table = [...fileRoutes(resource), ...batchRoutes(resource, sim.now)];
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    if (TOKEN_PATH.test(url.pathname) && method === 'POST')
      return tokenGrant(req, res, decodeURIComponent(url.pathname.split('/')[1]), sim.credentials);
    await authorize(req, sim.credentials);
    await checkApiVersion(req, url.searchParams.get('api-version'));
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (segments[0] !== 'openai' || segments.length > 4) throw (await discard(req), resourceNotFound());
    const [, collection, id, action] = segments;
    const fault = sim.faults.take(method, url.pathname);
    if (fault?.kind === 'reset' && action !== 'content') return void req.socket.destroy();
    const lost = fault?.kind === 'lose_batch' && collection === 'batches' && id !== undefined && resource.account.hasBatch(id);
    if (lost) throw (await discard(req), new ApiError(404, `Batch ${id} not found.`, 'invalid_request_error', null, 'NotFound'));
    resource.account.settle(sim.now());
    resource.completeErrorFiles();
    const found = matchRoute(table, method, canonicalPath(url.pathname));
    if (!found) throw (await discard(req), resourceNotFound());
    const answer = await found.handler({ req, res, query: url.searchParams, params: found.params, resetMidBody: fault?.kind === 'reset' });
    if (answer !== undefined) sendJson(res, 200, answer);
  };
}

/** No api-version: 404 "Resource not found"; one without the Batch API: 400 "API version not supported". */
async function checkApiVersion(req: IncomingMessage, version: string | null): Promise<void> {
  if (!version) throw (await discard(req), resourceNotFound());
  if (!AZURE_BATCH_API_VERSIONS.includes(version))
    throw (await discard(req), new ApiError(400, 'API version not supported', 'invalid_request_error', null, 'BadRequest'));
}

function fileRoutes({ account, fileObject, upload }: AzureResource) {
  return [
    route<Handler>('POST', '/openai/files', (c) => upload(c.req)),
    route<Handler>('GET', '/openai/files', ({ query }) =>
      listOf(
        account.listFiles({
          limit: limitParam(query, 10_000, 10_000),
          after: query.get('after'),
          order: query.get('order') === 'asc' ? 'asc' : 'desc',
          purpose: query.get('purpose'),
        }),
        fileObject,
      ),
    ),
    route<Handler>('GET', '/openai/files/{id}/content', async (c) => {
      await discard(c.req);
      sendContent(c.res, account.getFile(c.params.id), c.resetMidBody);
    }),
    route<Handler>('GET', '/openai/files/{id}', async (c) => (await discard(c.req), fileObject(account.getFile(c.params.id)))),
    route<Handler>('DELETE', '/openai/files/{id}', async (c) => {
      await discard(c.req);
      account.deleteFile(c.params.id);
      return { id: c.params.id, object: 'file', deleted: true };
    }),
  ];
}

function batchRoutes({ account, batchObject, createBatch }: AzureResource, now: () => number) {
  return [
    route<Handler>('POST', '/openai/batches', (c) => createBatch(c.req)),
    route<Handler>('GET', '/openai/batches', async ({ req, query }) => {
      await discard(req);
      return listOf(account.listBatches({ limit: limitParam(query, 20, 100), after: query.get('after') }), (b) => batchObject(b.id));
    }),
    route<Handler>('GET', '/openai/batches/{id}', async (c) => (await discard(c.req), batchObject(c.params.id))),
    route<Handler>('POST', '/openai/batches/{id}/cancel', async (c) => {
      await discard(c.req);
      account.cancelBatch(c.params.id, now());
      return batchObject(c.params.id);
    }),
  ];
}

function listOf<T, U>(list: { data: T[]; first_id: string | null; last_id: string | null; has_more: boolean }, view: (item: T) => U) {
  return { object: 'list', data: list.data.map(view), first_id: list.first_id, last_id: list.last_id, has_more: list.has_more };
}
