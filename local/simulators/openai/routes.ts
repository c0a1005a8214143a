// The OpenAI simulator's HTTP table: each route's path (under the dialect's prefix, e.g. /v1 or
// /openai/v1), its faults (`reset` before any byte, `lose_batch` for a known batch, `reset` mid-body
// for downloads) and the account call it makes. The account (account.ts) holds the state; the
// parameter checks are params.ts; what a batch line answers is requests.ts and its siblings.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  canonicalPath,
  matchRoute,
  route,
  type FaultInjector,
  type FaultKind,
  type FaultRule,
  type PathParams,
} from '#local/simulators/kit/index';
import { ApiError, type SimBatch, type SimFile, type SimulatedAccount } from './account';
import { togetherJob, type SimulatorDialect } from './dialect';
import { batchCreateParams, checkBatchInputFile, checkMetadata, checkUploadFields, limitParam, orderParam, uploadExpiry } from './params';
import { discard, fileObject, notRouted, readJson, readMultipart, sendContent, sendJson } from './wire';

export interface OpenAISimulation {
  account: SimulatedAccount;
  dialect: SimulatorDialect;
  faults: FaultInjector;
  now: () => number;
}

/** One request as a route sees it: `path` is the path as sent (what faults match and errors name). */
interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  params: PathParams;
  method: string;
  path: string;
}

type Handler = (call: Call) => Promise<void> | void;

/** The request handler of the Files and Batch routes; an unknown route is OpenAI's 404 "Invalid URL". */
export function openAIRoutes(sim: OpenAISimulation) {
  const table = [...fileRoutes(sim), ...batchRoutes(sim)];
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const found = matchRoute(table, method, canonicalPath(url.pathname));
    if (!found) return notRouted(req, method, url.pathname);
    await found.handler({ req, res, query: url.searchParams, params: found.params, method, path: url.pathname });
  };
}

function fileRoutes(sim: OpenAISimulation) {
  const { account, dialect } = sim;
  const base = `/${dialect.prefix.join('/')}`;
  const fault = faultsOf(sim);
  return [
    route<Handler>('POST', dialect.uploadAt === 'files' ? `${base}/files` : `${base}/files/upload`, async (c) => {
      if (fault.resetBefore(c)) return;
      sendJson(c.res, 200, fileObject(await uploadFile(sim, c.req)));
    }),
    route<Handler>('GET', `${base}/files`, (c) => {
      if (fault.resetBefore(c)) return;
      const query = c.query;
      const list = account.listFiles({
        limit: limitParam(query, 10_000, 10_000),
        after: query.get('after'),
        order: orderParam(query),
        purpose: query.get('purpose'),
      });
      sendJson(c.res, 200, { ...list, data: list.data.map(fileObject) });
    }),
    route<Handler>('GET', `${base}/files/{id}`, (c) => {
      if (!fault.resetBefore(c)) sendJson(c.res, 200, fileObject(account.getFile(c.params.id)));
    }),
    route<Handler>('DELETE', `${base}/files/{id}`, (c) => {
      if (fault.resetBefore(c)) return;
      account.deleteFile(c.params.id);
      sendJson(c.res, 200, { id: c.params.id, object: 'file', deleted: true });
    }),
    route<Handler>('GET', `${base}/files/{id}/content`, (c) => {
      const file = account.getFile(c.params.id);
      sendContent(c.res, file, fault.take(c, ['reset'])?.kind === 'reset');
    }),
  ];
}

function batchRoutes(sim: OpenAISimulation) {
  const { account, dialect, now } = sim;
  const base = `/${dialect.prefix.join('/')}`;
  const fault = faultsOf(sim);
  const view = <T>(object: T) => (dialect.togetherObjects ? togetherJob(object as Parameters<typeof togetherJob>[0]) : object);
  const knownBatch = async (c: Call, batchOf: (id: string) => SimBatch) => {
    await discard(c.req);
    if (fault.resetOrLose(c, account.hasBatch(c.params.id))) return;
    sendJson(c.res, 200, view(account.batchObject(batchOf(c.params.id), now())));
  };
  return [
    route<Handler>('POST', `${base}/batches`, async (c) => {
      if (fault.resetBefore(c)) return;
      const params = batchCreateParams(dialect, await readJson(c.req));
      const batch = account.createBatch({
        ...params,
        // Together's jobs carry no metadata (together-typescript BatchCreateParams): it is not kept.
        metadata: dialect.togetherObjects ? null : checkMetadata(params.metadata),
        now: now(),
      });
      const created = account.batchObject(batch, now());
      sendJson(c.res, 200, dialect.togetherObjects ? { job: togetherJob(created) } : created);
    }),
    route<Handler>('GET', `${base}/batches`, (c) => {
      if (fault.resetBefore(c)) return;
      const list = account.listBatches({ limit: limitParam(c.query, 20, 100), after: c.query.get('after') });
      const data = list.data.map((b) => account.batchObject(b, now()));
      sendJson(c.res, 200, dialect.togetherObjects ? data.map(togetherJob) : { ...list, data });
    }),
    route<Handler>('GET', `${base}/batches/{id}`, (c) => knownBatch(c, (id) => account.getBatch(id))),
    route<Handler>('POST', `${base}/batches/{id}/cancel`, (c) => knownBatch(c, (id) => account.cancelBatch(id, now()))),
  ];
}

/** Accepts a files.create form: the provider's fields and purposes, expiry, and for batch input the file's lines. */
async function uploadFile({ account, dialect, now }: OpenAISimulation, req: IncomingMessage): Promise<SimFile> {
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
    await discard(req);
    throw new ApiError(400, 'Invalid Content-Type header (expected multipart/form-data).', 'invalid_request_error', null, null);
  }
  const { fields, file: part } = await readMultipart(req);
  const { purpose, file } = checkUploadFields(dialect, fields, part);
  const createdAt = Math.floor(now() / 1000);
  const batchInput = purpose === dialect.quirks.batchFilePurpose;
  const expiresAt = uploadExpiry(fields, createdAt, batchInput);
  if (batchInput) checkBatchInputFile(dialect, file.content);
  return account.addFile({ filename: fields.file_name || file.filename, purpose, content: file.content, createdAt, expiresAt });
}

/** The faults a route applies itself (faults.intercept has answered the generic ones already). */
function faultsOf({ faults }: OpenAISimulation) {
  /**
   * Takes the next `lose_batch` / `reset` rule matching this request. A rule of a kind that cannot
   * apply here is put back, so a `lose_batch` rule without `match` waits for a batch request.
   */
  const take = (c: Call, applicable: FaultKind[]): FaultRule | undefined => {
    const rule = faults.take(c.method, c.path);
    if (!rule) return undefined;
    if (rule.kind === 'reset' || applicable.includes(rule.kind)) return rule;
    faults.add({ kind: rule.kind, match: rule.match, retryAfterSeconds: rule.retryAfterSeconds, times: 1 });
    return undefined;
  };
  /** A `reset` destroys the socket before any byte (true: the request is done); a `lose_batch` of a known batch is a 404. */
  const resetOrLose = (c: Call, knownBatch: boolean): boolean => {
    const rule = take(c, knownBatch ? ['lose_batch'] : []);
    if (!rule) return false;
    if (rule.kind === 'reset') return (c.req.socket.destroy(), true);
    throw new ApiError(404, `No such Batch object: ${c.params.id}`, 'invalid_request_error', 'id');
  };
  return { take, resetOrLose, resetBefore: (c: Call) => resetOrLose(c, false) };
}
