// The Message Batches API's HTTP surface: which method and path call what on the account, and how the
// results file streams (with the `reset` fault cutting it mid-body). Authentication and the
// anthropic-version header are checked before any route (./index.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, type FaultInjector, type FaultRule } from '#local/simulators/kit/index';
import type { AnthropicAccount, SimBatch } from './account';
import { AnthropicError, invalidRequest, json, token } from './wire';

export interface AnthropicRoutes {
  account: AnthropicAccount;
  faults: FaultInjector;
  /** Bytes a create body may have. */
  maxBytesPerBatch: number;
}

/** What a request on one Message Batch does, by `METHOD action` (action: '', '/cancel' or '/results'). */
type BatchAction = (ctx: AnthropicRoutes, res: ServerResponse, batch: SimBatch, fault: FaultRule | undefined) => Promise<void> | void;

const BATCH_ACTIONS: Record<string, BatchAction> = {
  'GET ': ({ account }, res, batch) => json(res, 200, account.view(batch)),
  'DELETE ': ({ account }, res, batch) => json(res, 200, account.remove(batch)),
  'POST /cancel': ({ account }, res, batch) => json(res, 200, account.cancel(batch)),
  'GET /results': ({ account }, res, batch, fault) => streamResults(res, account.resultLines(batch), fault?.kind === 'reset'),
};

const BATCH_PATH = /^\/v1\/messages\/batches\/([^/]+)(\/cancel|\/results)?$/;

/** Answers one authenticated request; throws an AnthropicError for an error answer. */
export async function routeRequest(ctx: AnthropicRoutes, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname;
  if (path === '/v1/messages/batches' && method === 'POST')
    return json(res, 200, ctx.account.create(await jsonBody(req, ctx.maxBytesPerBatch)));
  if (path === '/v1/messages/batches' && method === 'GET') return json(res, 200, ctx.account.list(url.searchParams));
  const match = BATCH_PATH.exec(path);
  if (!match) throw new AnthropicError(404, 'not_found_error', `No route for ${method} ${path}.`);
  const [, id, action = ''] = match;
  const batch = ctx.account.known(id);
  const fault = ctx.faults.take(method, path);
  if (fault?.kind === 'lose_batch') throw new AnthropicError(404, 'not_found_error', `Message Batch ${id} not found.`);
  if (fault?.kind === 'reset' && action !== '/results') {
    req.socket.destroy();
    return;
  }
  const act = BATCH_ACTIONS[`${method} ${action}`];
  if (!act) throw new AnthropicError(405, 'invalid_request_error', `Method ${method} is not allowed on ${path}.`);
  return act(ctx, res, batch, fault);
}

/** A create body: at most `maxBytes` (Anthropic's 413 request_too_large beyond), and JSON. */
async function jsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = (limit: number) =>
    new AnthropicError(413, 'request_too_large', `Request exceeds the maximum allowed number of bytes (${limit}).`);
  const raw = await readBody(req, maxBytes, tooLarge);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw invalidRequest('The request body is not valid JSON.');
  }
}

/** The results file as JSONL; a reset fault cuts the connection after half the lines and part of the next one. */
async function streamResults(res: ServerResponse, lines: string[], resetMidBody: boolean): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/x-jsonl', 'request-id': `req_${token(24)}` });
  const stopAt = resetMidBody ? Math.floor(lines.length / 2) : lines.length;
  for (let i = 0; i < stopAt; i++) {
    if (!res.write(lines[i])) await new Promise((resolve) => res.once('drain', resolve));
  }
  if (resetMidBody) {
    const partial = lines[stopAt] ?? '{"custom_id":';
    res.write(partial.slice(0, Math.max(1, Math.floor(partial.length / 2))), () => setTimeout(() => res.socket?.destroy(), 10));
    return;
  }
  res.end();
}
