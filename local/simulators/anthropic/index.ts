// A local stand-in for Anthropic's Message Batches API (spec/anthropic.md §1-3), close enough that the
// official @anthropic-ai/sdk works against it unchanged and the gateway's code paths really run:
// Anthropic's headers, object shapes, error shape and list pagination; batches that stay in_progress
// for two steps and then end with real Message objects; some requests that error; cancel through
// `canceling`; and faults on demand (FaultInjector).
//
// Triggers, so tests can steer outcomes from ordinary request content:
// - a request without a positive integer `max_tokens` (or without `model` / `messages`) → errored,
//   invalid_request_error (Anthropic validates params only after accepting the batch);
// - a user message containing "[simulate-error]" → errored, overloaded_error;
// - "[simulate-rate-limit-once]" → errored, rate_limit_error, the first time that text is seen only;
// - any user message containing "[simulate-expire]" → the whole batch runs out of time: every request
//   ends `expired` (as if the 24 h window had passed);
// - `tools` with tool_choice `any` or `tool` → the reply is a tool_use block (stop_reason tool_use).
// Replies are deterministic: "Simulated reply to: <last user text>", cut by stop_sequences and
// max_tokens (≈ 4 characters per token) with the matching stop_reason.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { SimulatorStateFile } from '../persistence';
import { FaultInjector, type RunningSimulator, type SimulatorOptions } from '../simulator';
import { closeServer, listenOnLoopback } from '../../loopback';
import { claudeRuleViolation } from '../rules/claude';
import { rateLimitedOnce } from '../rate-limit-once';

export interface AnthropicSimulatorOptions extends SimulatorOptions {
  /** Requests a Message Batch may hold (Anthropic: 100,000). Lower it to prove a client splits. */
  maxRequestsPerBatch?: number;
  /** Bytes a create body may have (Anthropic: 256 MB). */
  maxBytesPerBatch?: number;
}

const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const DAY_MS = 24 * 60 * 60 * 1000;
const RESULTS_RETENTION_MS = 29 * DAY_MS;

type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'request_too_large';

interface SimRequest {
  custom_id: string;
  params: Record<string, unknown>;
}

interface SimBatch {
  id: string;
  createdAt: number;
  requests: SimRequest[];
  cancelInitiatedAt: number | null;
  endedAt: number | null;
  results: Array<{ custom_id: string; result: Record<string, unknown> }> | null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
  ) {
    super(message);
  }
}

export async function startAnthropicSimulator(options: AnthropicSimulatorOptions = {}): Promise<RunningSimulator> {
  const stepMs = options.stepMs ?? 1000;
  const apiKey = options.apiKey ?? 'sim-anthropic-key';
  const maxRequests = options.maxRequestsPerBatch ?? 100_000;
  const maxBytes = options.maxBytesPerBatch ?? 256_000_000;
  const faults = new FaultInjector();
  const batches = new Map<string, SimBatch>(); // insertion order = creation order
  let origin = '';
  // With a stateDir the Message Batches survive a restart (local/simulators/persistence.ts).
  const state = options.stateDir ? new SimulatorStateFile<{ batches: SimBatch[] }>(options.stateDir, 'anthropic') : null;
  for (const batch of state?.load()?.batches ?? []) batches.set(batch.id, batch);
  let ended = false;
  const persist = (method: string | undefined) => {
    if (!state || (method === 'GET' && !ended)) return;
    ended = false;
    state.save({ batches: [...batches.values()] });
  };

  /** Brings a batch up to date: it ends two steps after creation, or one step after a cancel. */
  const advance = (batch: SimBatch, now = Date.now()) => {
    if (batch.endedAt !== null) return;
    // FINOPS_SIM_ANTHROPIC_BATCH_MS: how long a batch runs (default two steps), e.g. to keep the queue full a while.
    const runMs = Number(process.env.FINOPS_SIM_ANTHROPIC_BATCH_MS) > 0 ? Number(process.env.FINOPS_SIM_ANTHROPIC_BATCH_MS) : 2 * stepMs;
    const endsAt =
      batch.cancelInitiatedAt !== null ? Math.min(batch.cancelInitiatedAt + stepMs, batch.createdAt + runMs) : batch.createdAt + runMs;
    if (now < endsAt) return;
    batch.endedAt = endsAt;
    batch.results = finish(batch, stepMs);
    ended = true;
  };

  const view = (batch: SimBatch) => {
    advance(batch);
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (batch.results === null) counts.processing = batch.requests.length;
    else for (const r of batch.results) counts[r.result.type as 'succeeded' | 'errored' | 'canceled' | 'expired'] += 1;
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: batch.endedAt !== null ? 'ended' : batch.cancelInitiatedAt !== null ? 'canceling' : 'in_progress',
      request_counts: counts,
      ended_at: iso(batch.endedAt),
      created_at: iso(batch.createdAt),
      expires_at: iso(batch.createdAt + DAY_MS),
      archived_at:
        batch.endedAt !== null && Date.now() > batch.createdAt + RESULTS_RETENTION_MS ? iso(batch.createdAt + RESULTS_RETENTION_MS) : null,
      cancel_initiated_at: iso(batch.cancelInitiatedAt),
      results_url: batch.endedAt !== null ? `${origin}/v1/messages/batches/${batch.id}/results` : null,
    };
  };

  /**
   * Anthropic limits the batch requests waiting in the processing queue (per organization); a create
   * that would exceed it gets a 429 rate_limit_error (docs.anthropic.com "Rate limits": Message
   * Batches API). Off unless FINOPS_SIM_ANTHROPIC_MAX_QUEUED_REQUESTS is set.
   */
  const refuseWhenQueueFull = (incoming: number) => {
    const cap = Number(process.env.FINOPS_SIM_ANTHROPIC_MAX_QUEUED_REQUESTS);
    if (!Number.isFinite(cap) || cap <= 0) return;
    let queued = 0;
    for (const batch of batches.values()) {
      advance(batch);
      if (batch.endedAt === null) queued += batch.requests.length;
    }
    if (queued + incoming > cap) {
      throw new HttpError(
        429,
        'rate_limit_error',
        `Number of batch requests in the processing queue would exceed your organization's limit of ${cap}. Please try again once earlier batches have ended.`,
      );
    }
  };

  const known = (id: string): SimBatch => {
    const batch = batches.get(id);
    if (!batch) throw new HttpError(404, 'not_found_error', `Message Batch ${id} not found.`);
    return batch;
  };

  async function create(req: IncomingMessage) {
    const raw = await readBody(req, maxBytes);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpError(400, 'invalid_request_error', 'The request body is not valid JSON.');
    }
    const requests = (body as { requests?: unknown })?.requests;
    if (!Array.isArray(requests)) throw new HttpError(400, 'invalid_request_error', 'requests: Field required');
    if (requests.length === 0)
      throw new HttpError(400, 'invalid_request_error', 'requests: List should have at least 1 item after validation, not 0');
    if (requests.length > maxRequests) {
      throw new HttpError(
        400,
        'invalid_request_error',
        `requests: List should have at most ${maxRequests} items after validation, not ${requests.length}`,
      );
    }
    const seen = new Set<string>();
    requests.forEach((request: unknown, i) => {
      const r = request as Partial<SimRequest> | null;
      if (typeof r?.custom_id !== 'string' || !CUSTOM_ID_PATTERN.test(r.custom_id)) {
        throw new HttpError(400, 'invalid_request_error', `requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
      }
      if (seen.has(r.custom_id))
        throw new HttpError(
          400,
          'invalid_request_error',
          `requests.${i}.custom_id: Duplicate custom_id '${r.custom_id}'; custom_id must be unique within a Message Batch.`,
        );
      seen.add(r.custom_id);
      if (typeof r.params !== 'object' || r.params === null || Array.isArray(r.params)) {
        throw new HttpError(400, 'invalid_request_error', `requests.${i}.params: Input should be a valid dictionary`);
      }
    });
    refuseWhenQueueFull(requests.length);
    const batch: SimBatch = {
      id: `msgbatch_${token(24)}`,
      createdAt: Date.now(),
      requests: requests as SimRequest[],
      cancelInitiatedAt: null,
      endedAt: null,
      results: null,
    };
    batches.set(batch.id, batch);
    return view(batch);
  }

  function list(query: URLSearchParams) {
    const limitText = query.get('limit');
    const limit = limitText === null ? 20 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new HttpError(400, 'invalid_request_error', 'limit: Input should be between 1 and 1000');
    const newestFirst = [...batches.values()].reverse();
    const afterId = query.get('after_id');
    const beforeId = query.get('before_id');
    const position = (id: string) => {
      const at = newestFirst.findIndex((b) => b.id === id);
      if (at === -1) throw new HttpError(400, 'invalid_request_error', `Invalid pagination cursor: ${id}`);
      return at;
    };
    let page: SimBatch[];
    let hasMore: boolean;
    if (beforeId !== null) {
      // The `limit` batches just newer than the cursor.
      const end = position(beforeId);
      const start = Math.max(0, end - limit);
      page = newestFirst.slice(start, end);
      hasMore = start > 0;
    } else {
      const start = afterId !== null ? position(afterId) + 1 : 0;
      page = newestFirst.slice(start, start + limit);
      hasMore = start + limit < newestFirst.length;
    }
    return { data: page.map(view), has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page[page.length - 1]?.id ?? null };
  }

  function cancel(batch: SimBatch) {
    advance(batch);
    // Unverified against the real API: we refuse to cancel a batch that already ended.
    if (batch.endedAt !== null)
      throw new HttpError(400, 'invalid_request_error', `Message Batch ${batch.id} has already ended and cannot be canceled.`);
    batch.cancelInitiatedAt ??= Date.now();
    return view(batch);
  }

  function remove(batch: SimBatch) {
    advance(batch);
    if (batch.endedAt === null) {
      throw new HttpError(
        400,
        'invalid_request_error',
        `Message Batch ${batch.id} cannot be deleted while it is still processing. Cancel it first.`,
      );
    }
    batches.delete(batch.id);
    return { id: batch.id, type: 'message_batch_deleted' };
  }

  async function results(res: ServerResponse, batch: SimBatch, resetMidBody: boolean) {
    advance(batch);
    if (batch.results === null)
      throw new HttpError(
        400,
        'invalid_request_error',
        `Message Batch ${batch.id} has not finished processing; results are available once processing_status is "ended".`,
      );
    res.writeHead(200, { 'content-type': 'application/x-jsonl', 'request-id': `req_${token(24)}` });
    const lines = batch.results.map((r) => JSON.stringify(r) + '\n');
    // A reset fault cuts the connection after half the lines and part of the next one.
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

  async function route(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) {
    const method = req.method ?? 'GET';
    if (path === '/v1/messages/batches' && method === 'POST') return json(res, 200, await create(req));
    if (path === '/v1/messages/batches' && method === 'GET') return json(res, 200, list(query));
    const match = /^\/v1\/messages\/batches\/([^/]+)(\/cancel|\/results)?$/.exec(path);
    if (!match) throw new HttpError(404, 'not_found_error', `No route for ${method} ${path}.`);
    const [, id, action] = match;
    const batch = known(id);
    const fault = faults.take(method, path);
    if (fault?.kind === 'lose_batch') throw new HttpError(404, 'not_found_error', `Message Batch ${id} not found.`);
    if (fault?.kind === 'reset' && action !== '/results') {
      req.socket.destroy();
      return;
    }
    if (action === undefined && method === 'GET') return json(res, 200, view(batch));
    if (action === undefined && method === 'DELETE') return json(res, 200, remove(batch));
    if (action === '/cancel' && method === 'POST') return json(res, 200, cancel(batch));
    if (action === '/results' && method === 'GET') return results(res, batch, fault?.kind === 'reset');
    throw new HttpError(405, 'invalid_request_error', `Method ${method} is not allowed on ${path}.`);
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      if (await faults.intercept(req, res, url.pathname, errorBody)) return;
      const key = req.headers['x-api-key'] ?? bearer(req.headers.authorization);
      if (key !== apiKey) throw new HttpError(401, 'authentication_error', 'invalid x-api-key');
      if (!req.headers['anthropic-version']) throw new HttpError(400, 'invalid_request_error', 'anthropic-version: header is required');
      await route(req, res, url.pathname, url.searchParams);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const e = err instanceof HttpError ? err : new HttpError(500, 'api_error', 'Internal server error');
      json(res, e.status, errorBody(e.status, e.message, e.type));
    } finally {
      persist(req.method);
    }
  });
  origin = await listenOnLoopback(server, options.port);

  return {
    url: origin,
    apiKey,
    faults,
    close: () => closeServer(server),
  };
}

/** Anthropic's error shape. */
function errorBody(status: number, message: string, type?: ErrorType) {
  const inferred: ErrorType =
    type ??
    (status === 429
      ? 'rate_limit_error'
      : status === 529
        ? 'overloaded_error'
        : status === 404
          ? 'not_found_error'
          : status >= 500
            ? 'api_error'
            : 'invalid_request_error');
  return { type: 'error', error: { type: inferred, message }, request_id: `req_${token(24)}` };
}

function json(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': `req_${token(24)}`,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function bearer(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  const tooLarge = () => new HttpError(413, 'request_too_large', `Request exceeds the maximum allowed number of bytes (${maxBytes}).`);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function token(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

function stableToken(length: number, ...parts: string[]): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return Array.from({ length }, (_, i) => alphabet[digest[i % digest.length] % alphabet.length]).join('');
}

/**
 * The outcome of every request once the batch ends. A cancelled batch finishes, in order, the requests
 * whose share of the two processing steps had elapsed before the cancel; the rest are canceled.
 * Results come out in reverse request order: Anthropic does not promise order, so clients must join on
 * custom_id.
 */
function finish(batch: SimBatch, stepMs: number): NonNullable<SimBatch['results']> {
  const n = batch.requests.length;
  const expireAll = batch.requests.some((r) => userTexts(r.params).some((t) => t.includes('[simulate-expire]')));
  const results = batch.requests.map((request, i) => {
    const doneAt = batch.createdAt + (2 * stepMs * (i + 1)) / n;
    let result: Record<string, unknown>;
    if (expireAll) result = { type: 'expired' };
    else if (batch.cancelInitiatedAt !== null && doneAt > batch.cancelInitiatedAt) result = { type: 'canceled' };
    else result = outcome(batch.id, request);
    return { custom_id: request.custom_id, result };
  });
  return results.reverse();
}

function outcome(batchId: string, request: SimRequest): Record<string, unknown> {
  const p = request.params;
  const invalid = (message: string) => ({
    type: 'errored',
    error: { type: 'error', error: { type: 'invalid_request_error', message }, request_id: null },
  });
  if (typeof p.model !== 'string' || p.model === '') return invalid('model: Field required');
  if (p.max_tokens === undefined) return invalid('max_tokens: Field required');
  if (typeof p.max_tokens !== 'number' || !Number.isInteger(p.max_tokens) || p.max_tokens < 1)
    return invalid('max_tokens: Input should be a valid positive integer');
  if (!Array.isArray(p.messages) || p.messages.length === 0) return invalid('messages: Field required');
  const broken = claudeRuleViolation(p.model, p);
  if (broken) return invalid(broken);
  const texts = userTexts(p);
  if (rateLimitedOnce('anthropic', texts)) {
    return {
      type: 'errored',
      error: {
        type: 'error',
        error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit.' },
        request_id: `req_${stableToken(24, batchId, request.custom_id)}`,
      },
    };
  }
  if (texts.some((t) => t.includes('[simulate-error]'))) {
    return {
      type: 'errored',
      error: {
        type: 'error',
        error: { type: 'overloaded_error', message: 'Overloaded' },
        request_id: `req_${stableToken(24, batchId, request.custom_id)}`,
      },
    };
  }
  return { type: 'succeeded', message: simulatedMessage(batchId, request, texts) };
}

function simulatedMessage(batchId: string, request: SimRequest, texts: string[]) {
  const p = request.params;
  const maxTokens = p.max_tokens as number;
  const systemText =
    typeof p.system === 'string' ? p.system : Array.isArray(p.system) ? p.system.map((b: { text?: string }) => b.text ?? '').join('') : '';
  const cachedSystem = Array.isArray(p.system) && p.system.some((b: { cache_control?: unknown }) => b.cache_control);
  const promptChars = JSON.stringify(p.messages).length;
  const systemTokens = tokens(systemText);

  const tools = Array.isArray(p.tools) ? (p.tools as Array<{ name: string }>) : [];
  const choice = p.tool_choice as { type?: string; name?: string } | undefined;
  let content: Array<Record<string, unknown>>;
  let stopReason: string;
  let stopSequence: string | null = null;
  let outputTokens: number;
  if (tools.length > 0 && (choice?.type === 'any' || choice?.type === 'tool')) {
    const name = choice.type === 'tool' && choice.name ? choice.name : tools[0].name;
    content = [{ type: 'tool_use', id: `toolu_${stableToken(24, batchId, request.custom_id)}`, name, input: {} }];
    stopReason = 'tool_use';
    outputTokens = Math.min(maxTokens, 12);
  } else {
    let text = `Simulated reply to: ${texts[texts.length - 1] ?? ''}`;
    stopReason = 'end_turn';
    for (const sequence of Array.isArray(p.stop_sequences) ? (p.stop_sequences as string[]) : []) {
      const at = text.indexOf(sequence);
      if (at !== -1) {
        text = text.slice(0, at);
        stopReason = 'stop_sequence';
        stopSequence = sequence;
      }
    }
    if (tokens(text) > maxTokens) {
      text = text.slice(0, maxTokens * 4);
      stopReason = 'max_tokens';
      stopSequence = null;
    }
    content = [{ type: 'text', text, citations: null }];
    outputTokens = tokens(text);
  }
  return {
    id: `msg_${stableToken(24, batchId, request.custom_id)}`,
    type: 'message',
    role: 'assistant',
    model: p.model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: Math.ceil(promptChars / 4) + (cachedSystem ? 0 : systemTokens),
      output_tokens: outputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: cachedSystem ? systemTokens : 0,
      cache_creation: null,
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: 'batch',
      speed: null,
    },
  };
}

/** Every text a user message carries (string content and text blocks). */
function userTexts(params: Record<string, unknown>): string[] {
  if (!Array.isArray(params.messages)) return [];
  return (params.messages as Array<{ role?: string; content?: unknown }>)
    .filter((m) => m?.role === 'user')
    .map((m) =>
      typeof m.content === 'string'
        ? m.content
        : Array.isArray(m.content)
          ? m.content.map((b: { type?: string; text?: string }) => (b?.type === 'text' ? (b.text ?? '') : '')).join('')
          : '',
    );
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));
