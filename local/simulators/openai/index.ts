// A local stand-in for OpenAI's Files and Batch APIs (https://api.openai.com/v1), faithful enough
// that the official `openai` SDK and the gateway's OpenAI adapter run against it unchanged.
//
// Endpoints: POST/GET /v1/files, GET/DELETE /v1/files/{id}, GET /v1/files/{id}/content,
// POST/GET /v1/batches, GET /v1/batches/{id}, POST /v1/batches/{id}/cancel. Batches run
// /v1/chat/completions (requests.ts) and /v1/embeddings (embeddings.ts) lines.
// Auth: `Authorization: Bearer <apiKey>` (default `sim-openai-key`), 401 otherwise.
// Errors: OpenAI's `{"error":{"message","type","param","code"}}`, with an `x-request-id` header.
//
// Batch lifecycle (computed from elapsed time on every request; no timers):
//   validating ─stepMs→ in_progress ─stepMs→ finalizing ─stepMs→ completed
//   Requests run in input order while in_progress, so request_counts grow during that step.
//   Output and error files (purpose `batch_output`) appear when the batch reaches a terminal status;
//   their lines are in a stable hash order, not input order (clients must join on custom_id).
//
// Triggers (documented so tests and the local gateway can ask for each outcome):
//   Per request (that request goes to the error file, the rest of the batch runs):
//     - a user message containing "[simulate-error]"        → status_code 400, code `simulated_error`
//     - a user message containing "[simulate-server-error]" → status_code 500, type `server_error`
//     - "[simulate-rate-limit-once]" → status_code 429, code `rate_limit_exceeded`, the first time that text is seen only
//     - body.messages empty or missing                      → status_code 400 (`empty_array` / `missing_required_parameter`)
//     - body.model starting with "invalid-"                 → status_code 404, code `model_not_found`
//     - max_tokens / max_completion_tokens below the answer's length → a 200 cut short, finish_reason `length`
//     - per endpoint (/v1/responses, /v1/completions, /v1/moderations): the rules in ./endpoint-answers.ts
//   Whole batch (validating → failed, with `errors.data[]` naming the lines):
//     - a duplicate custom_id (`duplicate_custom_id`), a line whose url differs from the batch endpoint
//       (`url_mismatch`), method other than POST (`invalid_method`), lines naming different models
//       (`model_mismatch`), an empty file (`empty_file`), more than 50,000 requests (`too_many_tasks`).
//   Batch metadata `{"simulate": "expire"}` → validating → in_progress → expired: the first half of
//     the requests ran (output/error file), the rest are error lines with `error.code: "batch_expired"`.
//   Cancel (validating/in_progress/finalizing) → cancelling, one step later cancelled: the requests that
//     had run when the cancel arrived are in the output/error files, the rest are error lines with
//     `error.code: "batch_cancelled"`. Cancelling a batch already cancelling/cancelled returns it
//     unchanged; cancelling a completed/failed/expired batch is a 409 (with `x-should-retry: false`).
//   Upload (purpose `batch`): every non-blank line must be a JSON object with custom_id (string),
//     method, url and body, else 400 "Invalid file format for Batch API. Must be .jsonl …".
//
// Faults (FaultInjector, also via POST {url}/__control/faults): rate_limit, server_error and timeout
// are applied by faults.intercept() before anything else; `lose_batch` answers 404 for a batch the
// simulator knows (GET /v1/batches/{id} and its cancel); `reset` destroys the socket — mid-body for
// GET /v1/files/{id}/content (half the bytes are sent), before any byte elsewhere.
//
// Other OpenAI-shaped providers (options.provider, contracts/providers.ts): the same account and
// lifecycle with that provider's quirks (dialect.ts): Groq under /openai/v1 with completion windows
// 24h–7d and 100 MB files; Together AI with uploads at POST /v1/files/upload (purpose `batch-api`,
// file_name), Together's job objects and statuses, output files of purpose `batch-generated`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SimulatorStateFile } from '../persistence';
import busboy from 'busboy';
import { FaultInjector, type FaultKind, type FaultRule, type RunningSimulator, type SimulatorOptions } from '../simulator';
import { ApiError, SimulatedAccount, randomId, type AccountSnapshot, type SimFile } from './account';
import { checkBatchUpload } from './jsonl';
import { ENDPOINT_ANSWERS } from './endpoint-answers';
import { closeServer, listenOnLoopback } from '../../loopback';
import { checkBatchParameters, simulatorDialect, togetherJob, type SimulatorDialect } from './dialect';
import type { ProviderName } from '../../../contracts/providers';

export { SIMULATE_ERROR_MARKER, SIMULATE_SERVER_ERROR_MARKER, INVALID_MODEL_PREFIX } from './requests';
export { SIMULATE_EXPIRE } from './account';

export interface OpenAISimulatorOptions extends SimulatorOptions {
  /** The simulator's clock in milliseconds (default Date.now); tests pass a controllable one. */
  now?: () => number;
  /** Which OpenAI-shaped provider of the catalog to be (default openai). */
  provider?: ProviderName;
}

const BATCH_ENDPOINTS = [
  '/v1/responses',
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/completions',
  '/v1/moderations',
  '/v1/images/generations',
  '/v1/images/edits',
  '/v1/videos',
];
/** Endpoints the simulator can answer; the others are valid upstream but refused here with a clear 400. */
const SIMULATED_ENDPOINTS = Object.keys(ENDPOINT_ANSWERS);
const MAX_FILE_BYTES = 512 * 1024 * 1024;
const MAX_JSON_BODY_BYTES = 1024 * 1024;
const BATCH_FILE_TTL_SECONDS = 30 * 24 * 3600;

const errorBody = (message: string, type: string, param: string | null = null, code: string | null = null) => ({
  error: { message, type, param, code },
});

export async function startOpenAISimulator(options: OpenAISimulatorOptions = {}): Promise<RunningSimulator> {
  const dialect: SimulatorDialect = simulatorDialect(options.provider ?? 'openai');
  const apiKey = options.apiKey ?? `sim-${dialect.provider}-key`;
  const now = options.now ?? Date.now;
  const stepMs = options.stepMs ?? 1000;
  // With a stateDir the account survives a restart (kill -9 of npm start): saved after every request
  // that may have changed it, file contents once each.
  const state = options.stateDir ? new SimulatorStateFile<AccountSnapshot>(options.stateDir, dialect.provider) : null;
  const saved = state?.load();
  const account =
    saved && state
      ? SimulatedAccount.restore(stepMs, saved, (id) => state.getBlob(id), accountOptions(dialect))
      : new SimulatedAccount(stepMs, accountOptions(dialect));
  let settledSomething = false;
  const persist = (req: IncomingMessage) => {
    if (!state || (req.method === 'GET' && !settledSomething)) return;
    settledSomething = false;
    for (const id of account.fileIds()) state.putBlob(id, account.getFile(id).content);
    state.save(account.snapshot());
  };
  const faults = new FaultInjector();

  const server: Server = createServer((req, res) => {
    handle(req, res)
      .finally(() => persist(req))
      .catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const apiError =
          err instanceof ApiError ? err : new ApiError(500, 'The server had an error while processing your request.', 'server_error');
        sendError(res, apiError);
      });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    res.setHeader('x-request-id', randomId('req_', 32).toLowerCase());
    res.setHeader('openai-version', '2020-10-01');

    if (
      await faults.intercept(req, res, path, (status, message) =>
        errorBody(message, status === 429 ? 'rate_limit_error' : 'server_error', null, status === 429 ? 'rate_limit_exceeded' : null),
      )
    ) {
      return;
    }

    if (!isAuthorized(req.headers.authorization)) {
      await discard(req);
      const missing = !req.headers.authorization;
      throw new ApiError(
        401,
        missing
          ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
          : 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
        'invalid_request_error',
        null,
        missing ? null : 'invalid_api_key',
      );
    }

    if (account.settle(now())) settledSomething = true;
    const all = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (dialect.prefix.some((segment, i) => all[i] !== segment)) return notRouted(req, method, path);
    const segments = ['v1', ...all.slice(dialect.prefix.length)];
    const [, collection, id, action, ...rest] = segments;
    if (rest.length > 0) return notRouted(req, method, path);

    if (collection === 'files') {
      const uploadRoute = dialect.uploadAt === 'files' ? id === undefined : id === 'upload' && action === undefined;
      if (uploadRoute && method === 'POST') {
        if (applyFault(req, method, path)) return;
        return sendJson(res, 200, fileObject(await uploadFile(req)));
      }
      if (id === undefined && method === 'GET') {
        if (applyFault(req, method, path)) return;
        return sendJson(res, 200, listFiles(url.searchParams));
      }
      if (id !== undefined && action === undefined && method === 'GET') {
        if (applyFault(req, method, path)) return;
        return sendJson(res, 200, fileObject(account.getFile(id)));
      }
      if (id !== undefined && action === undefined && method === 'DELETE') {
        if (applyFault(req, method, path)) return;
        account.deleteFile(id);
        return sendJson(res, 200, { id, object: 'file', deleted: true });
      }
      if (id !== undefined && action === 'content' && method === 'GET') {
        const file = account.getFile(id);
        return sendContent(res, file, takeFault(method, path, ['reset'])?.kind === 'reset');
      }
    }

    if (collection === 'batches') {
      if (id === undefined && method === 'POST') {
        if (applyFault(req, method, path)) return;
        const created = createBatch(await readJson(req));
        return sendJson(res, 200, dialect.togetherObjects ? { job: togetherJob(created) } : created);
      }
      if (id === undefined && method === 'GET') {
        if (applyFault(req, method, path)) return;
        const list = listBatches(url.searchParams);
        return sendJson(res, 200, dialect.togetherObjects ? list.data.map(togetherJob) : list);
      }
      if (id !== undefined && ((action === undefined && method === 'GET') || (action === 'cancel' && method === 'POST'))) {
        await discard(req);
        if (applyFault(req, method, path, account.hasBatch(id))) {
          if (!res.headersSent && !req.socket.destroyed)
            sendError(res, new ApiError(404, `No such Batch object: ${id}`, 'invalid_request_error', 'id'));
          return;
        }
        const batch = action === 'cancel' ? account.cancelBatch(id, now()) : account.getBatch(id);
        const object = account.batchObject(batch, now());
        return sendJson(res, 200, dialect.togetherObjects ? togetherJob(object) : object);
      }
    }
    return notRouted(req, method, path);
  }

  function isAuthorized(header: string | undefined): boolean {
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    return match !== null && match[1].trim() === apiKey;
  }

  /**
   * Takes the next `lose_batch` / `reset` rule matching this request. A rule of a kind that cannot
   * apply here is put back, so a `lose_batch` rule without `match` waits for a batch request.
   */
  function takeFault(method: string, path: string, applicable: FaultKind[]): FaultRule | undefined {
    const rule = faults.take(method, path);
    if (!rule) return undefined;
    if (rule.kind === 'reset' || applicable.includes(rule.kind)) return rule;
    faults.add({ kind: rule.kind, match: rule.match, retryAfterSeconds: rule.retryAfterSeconds, times: 1 });
    return undefined;
  }

  /**
   * Applies a matching `reset` (the socket is destroyed before any byte) or, on a request about a
   * batch the simulator knows, `lose_batch` (the caller answers 404). True when a fault applied.
   */
  function applyFault(req: IncomingMessage, method: string, path: string, knownBatch = false): boolean {
    const rule = takeFault(method, path, knownBatch ? ['lose_batch'] : []);
    if (!rule) return false;
    if (rule.kind === 'reset') req.socket.destroy();
    return true;
  }

  async function uploadFile(req: IncomingMessage): Promise<SimFile> {
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
      await discard(req);
      throw new ApiError(400, 'Invalid Content-Type header (expected multipart/form-data).', 'invalid_request_error', null, null);
    }
    const { fields, file } = await readMultipart(req);
    const purpose = fields.purpose;
    if (dialect.togetherObjects && !fields.file_name)
      throw new ApiError(
        400,
        "Missing required parameter: 'file_name'.",
        'invalid_request_error',
        'file_name',
        'missing_required_parameter',
      );
    if (!file)
      throw new ApiError(400, "Missing required parameter: 'file'.", 'invalid_request_error', 'file', 'missing_required_parameter');
    if (purpose === undefined)
      throw new ApiError(400, "Missing required parameter: 'purpose'.", 'invalid_request_error', 'purpose', 'missing_required_parameter');
    if (!dialect.filePurposes.includes(purpose)) {
      throw new ApiError(
        400,
        `Invalid value for 'purpose': '${purpose}'. Supported values are: ${dialect.filePurposes.map((p) => `'${p}'`).join(', ')}.`,
        'invalid_request_error',
        'purpose',
        'invalid_value',
      );
    }
    if (file.truncated)
      throw new ApiError(
        400,
        `File is too large: files may be up to ${MAX_FILE_BYTES} bytes.`,
        'invalid_request_error',
        'file',
        'file_too_large',
      );
    const createdAt = Math.floor(now() / 1000);
    const batchInput = purpose === dialect.quirks.batchFilePurpose;
    let expiresAt: number | null = batchInput ? createdAt + BATCH_FILE_TTL_SECONDS : null;
    const anchor = fields['expires_after[anchor]'];
    const ttl = fields['expires_after[seconds]'];
    if (anchor !== undefined || ttl !== undefined) {
      if (anchor !== 'created_at')
        throw new ApiError(
          400,
          "Invalid value for 'expires_after.anchor': expected 'created_at'.",
          'invalid_request_error',
          'expires_after.anchor',
          'invalid_value',
        );
      const value = Number(ttl);
      if (!Number.isInteger(value) || value < 3600 || value > 2_592_000) {
        throw new ApiError(
          400,
          "Invalid 'expires_after.seconds': expected an integer between 3600 and 2592000.",
          'invalid_request_error',
          'expires_after.seconds',
          'invalid_value',
        );
      }
      expiresAt = createdAt + value;
    }
    if (batchInput) {
      if (file.content.length > dialect.quirks.maxBatchFileBytes) {
        throw new ApiError(
          400,
          `Batch input files may be up to ${dialect.quirks.maxBatchFileBytes} bytes.`,
          'invalid_request_error',
          'file',
          'file_too_large',
        );
      }
      const check = checkBatchUpload(file.content);
      if (!check.ok) throw new ApiError(400, check.message, 'invalid_request_error', null, null);
    }
    return account.addFile({ filename: fields.file_name || file.filename, purpose, content: file.content, createdAt, expiresAt });
  }

  function listFiles(query: URLSearchParams) {
    const order = query.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc')
      throw new ApiError(
        400,
        `Invalid value for 'order': '${order}'. Supported values are: 'asc' and 'desc'.`,
        'invalid_request_error',
        'order',
        'invalid_value',
      );
    const list = account.listFiles({
      limit: limitParam(query, 10_000, 10_000),
      after: query.get('after'),
      order,
      purpose: query.get('purpose'),
    });
    return { ...list, data: list.data.map(fileObject) };
  }

  function createBatch(body: Record<string, unknown>) {
    const { input_file_id: inputFileId, endpoint, completion_window: requestedWindow, metadata } = body;
    // Together's completion_window is optional; checkBatchParameters gives it its default.
    const completionWindow = requestedWindow === undefined && dialect.togetherObjects ? '24h' : requestedWindow;
    for (const [name, value] of [
      ['input_file_id', inputFileId],
      ['endpoint', endpoint],
      ['completion_window', completionWindow],
    ] as const) {
      if (value === undefined || value === null)
        throw new ApiError(400, `Missing required parameter: '${name}'.`, 'invalid_request_error', name, 'missing_required_parameter');
      if (typeof value !== 'string')
        throw new ApiError(400, `Invalid type for '${name}': expected a string.`, 'invalid_request_error', name, 'invalid_type');
    }
    if (dialect.provider !== 'openai') checkBatchParameters(dialect, endpoint as string, completionWindow);
    else if (!BATCH_ENDPOINTS.includes(endpoint as string)) {
      throw new ApiError(
        400,
        `Invalid value for 'endpoint': '${String(endpoint)}'. Supported values are: ${BATCH_ENDPOINTS.map((e) => `'${e}'`).join(', ')}.`,
        'invalid_request_error',
        'endpoint',
        'invalid_value',
      );
    }
    if (!SIMULATED_ENDPOINTS.includes(endpoint as string)) {
      throw new ApiError(
        400,
        `The OpenAI simulator only runs batches for ${SIMULATED_ENDPOINTS.join(', ')}.`,
        'invalid_request_error',
        'endpoint',
        'unsupported_value',
      );
    }
    if (dialect.provider === 'openai' && completionWindow !== '24h') {
      throw new ApiError(
        400,
        `Invalid value for 'completion_window': '${String(completionWindow)}'. Supported values are: '24h'.`,
        'invalid_request_error',
        'completion_window',
        'invalid_value',
      );
    }
    const batch = account.createBatch({
      inputFileId: inputFileId as string,
      endpoint: endpoint as string,
      completionWindow: completionWindow as string,
      // Together's jobs carry no metadata (together-typescript BatchCreateParams): it is not kept.
      metadata: dialect.togetherObjects ? null : checkMetadata(metadata),
      now: now(),
    });
    return account.batchObject(batch, now());
  }

  function listBatches(query: URLSearchParams) {
    const list = account.listBatches({ limit: limitParam(query, 20, 100), after: query.get('after') });
    return { ...list, data: list.data.map((b) => account.batchObject(b, now())) };
  }

  const origin = await listenOnLoopback(server, options.port);
  return { url: `${origin}/${dialect.prefix.join('/')}`, apiKey, faults, close: () => closeServer(server) };
}

/** What the account needs to know of the provider it plays. */
function accountOptions(dialect: SimulatorDialect) {
  return {
    provider: dialect.provider,
    batchPurpose: dialect.quirks.batchFilePurpose,
    outputPurpose: dialect.outputPurpose,
    ids: dialect.quirks.idPrefixes,
  };
}

function fileObject(file: SimFile) {
  return {
    id: file.id,
    object: 'file' as const,
    bytes: file.content.length,
    created_at: file.createdAt,
    expires_at: file.expiresAt,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed' as const,
    status_details: null,
  };
}

export function limitParam(query: URLSearchParams, fallback: number, max: number): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ApiError(
      400,
      `Invalid 'limit': expected an integer between 1 and ${max}, got '${raw}'.`,
      'invalid_request_error',
      'limit',
      'invalid_value',
    );
  }
  return value;
}

export function checkMetadata(metadata: unknown): Record<string, string> | null {
  if (metadata === undefined || metadata === null) return null;
  if (typeof metadata !== 'object' || Array.isArray(metadata))
    throw new ApiError(400, "Invalid type for 'metadata': expected an object.", 'invalid_request_error', 'metadata', 'invalid_type');
  const entries = Object.entries(metadata as Record<string, unknown>);
  if (entries.length > 16)
    throw new ApiError(
      400,
      "Invalid 'metadata': too many properties. Expected an object with at most 16 properties.",
      'invalid_request_error',
      'metadata',
      'object_above_max_properties',
    );
  for (const [key, value] of entries) {
    if (key.length > 64)
      throw new ApiError(
        400,
        `Invalid 'metadata': key '${key.slice(0, 20)}…' is longer than 64 characters.`,
        'invalid_request_error',
        'metadata',
        'invalid_value',
      );
    if (typeof value !== 'string')
      throw new ApiError(
        400,
        `Invalid type for 'metadata.${key}': expected a string.`,
        'invalid_request_error',
        `metadata.${key}`,
        'invalid_type',
      );
    if (value.length > 512)
      throw new ApiError(
        400,
        `Invalid 'metadata.${key}': string too long. Expected a string with maximum length 512.`,
        'invalid_request_error',
        `metadata.${key}`,
        'string_above_max_length',
      );
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

interface UploadedPart {
  filename: string;
  content: Buffer;
  truncated: boolean;
}

export function readMultipart(req: IncomingMessage): Promise<{ fields: Record<string, string>; file: UploadedPart | null }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: UploadedPart | null = null;
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: MAX_FILE_BYTES, files: 1 } });
    } catch {
      reject(new ApiError(400, 'Could not parse the multipart form (missing boundary).', 'invalid_request_error'));
      return;
    }
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (name === 'file')
          file = {
            filename: info.filename || 'unknown_file',
            content: Buffer.concat(chunks),
            truncated: (stream as { truncated?: boolean }).truncated === true,
          };
      });
    });
    parser.on('error', () => reject(new ApiError(400, 'Could not parse the multipart form body.', 'invalid_request_error')));
    parser.on('close', () => resolve({ fields, file }));
    req.pipe(parser);
  });
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError(413, 'Request body too large.', 'invalid_request_error');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req, MAX_JSON_BODY_BYTES)).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ApiError(
      400,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      'invalid_request_error',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ApiError(400, 'The request body must be a JSON object.', 'invalid_request_error');
  return value as Record<string, unknown>;
}

/** Drains an unread request body so the client sees our answer instead of a broken pipe. */
export async function discard(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  for await (const _chunk of req) void _chunk;
}

async function notRouted(req: IncomingMessage, method: string, path: string): Promise<never> {
  await discard(req);
  throw new ApiError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.status, err.toBody(), err.headers);
}

export function sendContent(res: ServerResponse, file: SimFile, resetMidBody: boolean): void {
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': file.content.length,
    'content-disposition': `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"`,
  });
  if (!resetMidBody) {
    res.end(file.content);
    return;
  }
  // Half the promised bytes, then a dead connection: what a client sees when a download breaks.
  const half = file.content.subarray(0, Math.max(1, Math.floor(file.content.length / 2)));
  res.write(half, () => res.socket?.destroy());
}
