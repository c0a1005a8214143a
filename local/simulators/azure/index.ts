// A local stand-in for Azure OpenAI's Files and Batch APIs (https://<resource>.openai.azure.com/openai/…
// ?api-version=…), faithful enough that the official `openai` package's AzureOpenAI client and the
// gateway's Azure adapter run against it unchanged. The batches themselves run on the simulated OpenAI
// account (local/simulators/openai/account.ts) with Azure's rules (./rules.ts); this file is the wire.
//
// Endpoints (all under /openai, all requiring `?api-version=`): POST/GET /files, GET/DELETE /files/{id},
// GET /files/{id}/content, POST/GET /batches, GET /batches/{id}, POST /batches/{id}/cancel.
// Auth: an `api-key: <key>` header (default `sim-azure-key`) or `Authorization: Bearer <Entra token>`
//   (default `sim-azure-entra-token`); else 401 {"error":{"code":"401","message":"Access denied due to
//   invalid subscription key or wrong API endpoint. …"}} (the text Azure sends, e.g. SciSharp/BotSharp#386).
// api-version missing → 404 {"error":{"code":"404","message":"Resource not found"}} (MicrosoftDocs/
//   azure-docs#114602); not one with the Batch API → 400 {"error":{"code":"BadRequest","message":"API
//   version not supported"}} (openai/codex#3725).
// Errors: {"error":{"code","message","param","type"}} with an `apim-request-id` header (2024-10-21 spec).
//
// Files: an upload is `pending`, then `processed` one step later (batch-rest.md's samples); a batch
//   from a file not yet processed is refused (400, **unverified**: Azure's answer is not documented).
//   Purposes `batch`, `fine-tune`, `assistants`; at most 500 batch files per resource without
//   `expires_after` (global-batch-limits.md; the refusal's wording is **unverified**).
// Batches: endpoint `/chat/completions` only (the simulator answers chat); completion_window must be
//   `24h` ("If you set any other value than 24h your job will fail": the batch fails validation).
//   Whole-file validation as OpenAI's (duplicate_custom_id, url_mismatch — each line's url must be the
//   endpoint, model_mismatch, empty_file) with Azure's limit of 100,000 requests (too_many_tasks), an
//   unknown deployment (model_not_found) and a UTF-8 BOM (rules.ts).
//   Lifecycle as the OpenAI simulator's (validating → in_progress → finalizing → completed, one step
//   each; cancel → cancelling → cancelled with the partial results); Azure never expires a job.
//   A completed batch always has an error_file_id, an empty file when nothing failed (batch.md
//   "Troubleshooting"). The create answer says "Validating" with ISO 8601 times, as the docs' sample.
// Per-request triggers: those of the OpenAI simulator (local/simulators/openai/index.ts) plus
//   "[simulate-content-filter]" → HTTP 400 `content_filter` in the error file.
// Entra ID: POST /{tenant}/oauth2/v2.0/token (client credentials: grant_type, client_id, client_secret,
//   scope https://cognitiveservices.azure.com/.default) answers {token_type, expires_in, access_token}
//   with the accepted bearer token for the configured principal; else 401 {"error":"invalid_client",
//   "error_description":"AADSTS7000215: …"} (the OAuth 2.0 error shape of learn.microsoft.com's
//   client-credentials page; the AADSTS text is **reported**). Point FINOPS_AZURE_AUTHORITY_HOST here.
// Faults: FaultInjector as every simulator (rate_limit answers 429 {"error":{"code":"429",…}} with
//   retry-after; lose_batch answers 404 for a known batch; reset destroys the socket).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SimulatorStateFile } from '../persistence';
import { FaultInjector, type RunningSimulator, type SimulatorOptions } from '../simulator';
import { ApiError, SimulatedAccount, randomId, type AccountOptions, type AccountSnapshot, type SimFile } from '../openai/account';
import { checkBatchUpload } from '../openai/jsonl';
import { userTextsOf } from '../openai/requests';
import { checkMetadata, discard, limitParam, readJson, readMultipart, sendContent, sendJson } from '../openai';
import { closeServer, listenOnLoopback } from '../../loopback';
import {
  AZURE_BATCH_API_VERSIONS,
  AZURE_CHAT_ENDPOINT,
  AZURE_MAX_BATCH_FILE_BYTES,
  AZURE_MAX_FILES,
  azureAccountRules,
  azureBatchObject,
  azureCreatedBatchObject,
  deploymentsFrom,
  type OpenAIShapedBatch,
} from './rules';

export { SIMULATE_CONTENT_FILTER_MARKER } from './rules';

export interface AzureSimulatorOptions extends SimulatorOptions {
  /** The Entra ID bearer token the simulator accepts instead of the key (default `sim-azure-entra-token`). */
  entraToken?: string;
  /** Deployment name → model version (default: rules.ts DEFAULT_DEPLOYMENTS or FINOPS_SIM_AZURE_DEPLOYMENTS). */
  deployments?: Record<string, string>;
  /** The Entra ID service principal whose client-credentials grant the token endpoint honours. */
  servicePrincipal?: { tenantId: string; clientId: string; clientSecret: string };
  now?: () => number;
}

export const SIM_SERVICE_PRINCIPAL = { tenantId: 'sim-tenant', clientId: 'sim-azure-client', clientSecret: 'sim-azure-client-secret' };

export interface RunningAzureSimulator extends RunningSimulator {
  /** The resource endpoint (what the gateway's `endpoint` is): the APIs live under {url}/openai. */
  url: string;
  entraToken: string;
  servicePrincipal: { tenantId: string; clientId: string; clientSecret: string };
  /** An api-version the simulator serves (the gateway's default). */
  apiVersion: string;
}

export const AZURE_SIM_API_VERSION = '2024-10-21';
const FILE_PURPOSES = ['batch', 'fine-tune', 'assistants'];
const ACCESS_DENIED =
  'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';

/** Azure's error body; the OpenAI simulator's ApiError carries the same fields. */
function azureError(err: ApiError) {
  return { error: { code: err.code ?? String(err.status), message: err.message, param: err.param, type: err.type } };
}

export async function startAzureSimulator(options: AzureSimulatorOptions = {}): Promise<RunningAzureSimulator> {
  const apiKey = options.apiKey ?? 'sim-azure-key';
  const entraToken = options.entraToken ?? 'sim-azure-entra-token';
  const principal = options.servicePrincipal ?? SIM_SERVICE_PRINCIPAL;
  const now = options.now ?? Date.now;
  const stepMs = options.stepMs ?? 1000;
  // The simulated OpenAI account, with Azure's names (the ids its samples show) and rules.
  const rules: AccountOptions = {
    provider: 'azure',
    batchPurpose: 'batch',
    outputPurpose: 'batch_output',
    ids: { file: 'file-', batch: 'batch_' },
    rules: azureAccountRules(options.deployments ?? deploymentsFrom(process.env), userTextsOf),
  };
  const state = options.stateDir ? new SimulatorStateFile<AccountSnapshot>(options.stateDir, 'azure') : null;
  const saved = state?.load();
  const account =
    saved && state ? SimulatedAccount.restore(stepMs, saved, (id) => state.getBlob(id), rules) : new SimulatedAccount(stepMs, rules);
  const faults = new FaultInjector();
  const api = azureApi(account, { stepMs, now });

  const server: Server = createServer((req, res) => {
    handle(req, res)
      .finally(() => {
        if (!state) return;
        for (const id of account.fileIds()) state.putBlob(id, account.getFile(id).content);
        state.save(account.snapshot());
      })
      .catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        sendError(
          res,
          err instanceof ApiError ? err : new ApiError(500, 'The server had an error while processing your request.', 'server_error'),
        );
      });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    res.setHeader('apim-request-id', randomId('', 32).toLowerCase());
    const faultBody = (status: number, message: string) =>
      azureError(new ApiError(status, message, status === 429 ? 'requests' : 'server_error', null, String(status)));
    if (await faults.intercept(req, res, url.pathname, faultBody)) return;
    if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname) && req.method === 'POST')
      return tokenGrant(req, res, decodeURIComponent(url.pathname.split('/')[1]));
    if (!authorized(req)) {
      await discard(req);
      throw new ApiError(401, ACCESS_DENIED, 'invalid_request_error', null, '401');
    }
    const version = url.searchParams.get('api-version');
    if (!version)
      return void (await discard(req), sendError(res, new ApiError(404, 'Resource not found', 'invalid_request_error', null, '404')));
    if (!AZURE_BATCH_API_VERSIONS.includes(version))
      throw (await discard(req), new ApiError(400, 'API version not supported', 'invalid_request_error', null, 'BadRequest'));
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (segments[0] !== 'openai' || segments.length > 4)
      throw (await discard(req), new ApiError(404, 'Resource not found', 'invalid_request_error', null, '404'));
    const [, collection, id, action] = segments;
    const fault = faults.take(req.method ?? 'GET', url.pathname);
    if (fault?.kind === 'reset' && action !== 'content') return void req.socket.destroy();
    const lost = fault?.kind === 'lose_batch' && collection === 'batches' && id !== undefined && account.hasBatch(id);
    if (lost) throw (await discard(req), new ApiError(404, `Batch ${id} not found.`, 'invalid_request_error', null, 'NotFound'));
    account.settle(now());
    api.completeErrorFiles();
    const answer = await api.route(
      req,
      { method: req.method ?? 'GET', collection, id, action, query: url.searchParams },
      res,
      fault?.kind === 'reset',
    );
    if (answer !== undefined) sendJson(res, 200, answer);
  }

  async function tokenGrant(req: IncomingMessage, res: ServerResponse, tenant: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const ok =
      tenant === principal.tenantId &&
      form.get('grant_type') === 'client_credentials' &&
      form.get('client_id') === principal.clientId &&
      form.get('client_secret') === principal.clientSecret &&
      form.get('scope') === 'https://cognitiveservices.azure.com/.default';
    if (ok) return sendJson(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: entraToken });
    const description =
      'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.';
    sendJson(res, 401, { error: 'invalid_client', error_description: description, error_codes: [7000215] });
  }

  function authorized(req: IncomingMessage): boolean {
    const key = req.headers['api-key'];
    if (typeof key === 'string') return key === apiKey;
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    return bearer !== null && bearer[1].trim() === entraToken;
  }

  const origin = await listenOnLoopback(server, options.port);
  return {
    url: origin,
    apiKey,
    entraToken,
    servicePrincipal: principal,
    apiVersion: AZURE_SIM_API_VERSION,
    faults,
    close: () => closeServer(server),
  };
}

function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.status, azureError(err), err.headers);
}

interface Route {
  method: string;
  collection: string | undefined;
  id: string | undefined;
  action: string | undefined;
  query: URLSearchParams;
}

/** The Files and Batch routes over the account; `route` returns the JSON to send (undefined: already sent). */
function azureApi(account: SimulatedAccount, clock: { stepMs: number; now: () => number }) {
  const nowSeconds = () => Math.floor(clock.now() / 1000);
  /** An upload is processed one step after it arrived (file createdAt is in seconds; the clock's ms decide). */
  const fileStatus = (file: SimFile) =>
    file.purpose !== 'batch' || clock.now() >= file.createdAt * 1000 + clock.stepMs ? 'processed' : 'pending';
  const fileObject = (file: SimFile) => ({
    id: file.id,
    object: 'file',
    bytes: file.content.length,
    created_at: file.createdAt,
    ...(file.expiresAt !== null ? { expires_at: file.expiresAt } : {}),
    filename: file.filename,
    purpose: file.purpose,
    status: fileStatus(file),
    status_details: null,
  });
  const batchView = (id: string) => account.batchObject(account.getBatch(id), clock.now()) as unknown as OpenAIShapedBatch;

  async function upload(req: IncomingMessage) {
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data')) {
      throw (
        await discard(req),
        new ApiError(400, 'Invalid Content-Type header (expected multipart/form-data).', 'invalid_request_error', null, 'invalidPayload')
      );
    }
    const { fields, file } = await readMultipart(req);
    if (!file) throw new ApiError(400, "Missing required parameter: 'file'.", 'invalid_request_error', 'file', 'invalidPayload');
    if (!FILE_PURPOSES.includes(fields.purpose ?? '')) {
      throw new ApiError(
        400,
        `Invalid value for 'purpose': '${fields.purpose ?? ''}'. Supported values are: ${FILE_PURPOSES.join(', ')}.`,
        'invalid_request_error',
        'purpose',
        'invalidPayload',
      );
    }
    if (fields.purpose === 'batch') checkBatchFile(file.content);
    const createdAt = nowSeconds();
    const ttl = Number(fields['expires_after[seconds]'] ?? fields['expires_after.seconds'] ?? NaN);
    const expiresAt = Number.isInteger(ttl) && ttl >= 1_209_600 && ttl <= 2_592_000 ? createdAt + ttl : null;
    if (fields.purpose === 'batch' && expiresAt === null && countedFiles() >= AZURE_MAX_FILES) {
      throw new ApiError(
        400,
        `This resource already has ${AZURE_MAX_FILES} batch files without an expiration; delete some or upload with expires_after.`,
        'invalid_request_error',
        'file',
        'quotaExceeded',
      );
    }
    return fileObject(account.addFile({ filename: file.filename, purpose: fields.purpose, content: file.content, createdAt, expiresAt }));
  }

  function checkBatchFile(content: Buffer): void {
    if (content.length > AZURE_MAX_BATCH_FILE_BYTES)
      throw new ApiError(
        400,
        `Batch input files may be up to ${AZURE_MAX_BATCH_FILE_BYTES} bytes (200 MB).`,
        'invalid_request_error',
        'file',
        'fileTooLarge',
      );
    // A BOM is refused later, while the batch validates (rules.ts), as Azure does.
    const bomless = content.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? content.subarray(3) : content;
    const check = checkBatchUpload(bomless);
    if (!check.ok) throw new ApiError(400, check.message, 'invalid_request_error', 'file', 'invalidPayload');
  }

  const countedFiles = () =>
    account
      .listFiles({ limit: 1_000_000, after: null, order: 'desc', purpose: null })
      .data.filter((f) => f.purpose.startsWith('batch') && f.expiresAt === null).length;

  async function createBatch(req: IncomingMessage) {
    const body = await readJson(req);
    const { input_file_id: inputFileId, endpoint, completion_window: window } = body;
    for (const [name, value] of [
      ['input_file_id', inputFileId],
      ['endpoint', endpoint],
      ['completion_window', window],
    ] as const) {
      if (typeof value !== 'string')
        throw new ApiError(400, `Missing required parameter: '${name}'.`, 'invalid_request_error', name, 'invalidPayload');
    }
    if (endpoint !== AZURE_CHAT_ENDPOINT) {
      throw new ApiError(
        400,
        `Invalid value for 'endpoint': '${String(endpoint)}'. The simulated resource runs batches for '${AZURE_CHAT_ENDPOINT}'.`,
        'invalid_request_error',
        'endpoint',
        'invalidPayload',
      );
    }
    const file = account.getFile(inputFileId as string);
    if (fileStatus(file) !== 'processed')
      throw new ApiError(
        400,
        `File ${file.id} is still being processed (status 'pending'); try again once it is 'processed'.`,
        'invalid_request_error',
        'input_file_id',
        'invalidPayload',
      );
    const batch = account.createBatch({
      inputFileId: file.id,
      endpoint: AZURE_CHAT_ENDPOINT,
      completionWindow: window as string,
      metadata: checkMetadata(body.metadata),
      now: clock.now(),
    });
    if (window !== '24h') {
      batch.requests = [];
      batch.validationErrors.push({
        code: 'invalid_request',
        message: `The completion window must be 24h, got '${String(window)}'.`,
        param: 'completion_window',
        line: null,
      });
    }
    return azureCreatedBatchObject(batchView(batch.id));
  }

  /** A completed batch always names an error file (an empty one when nothing failed). */
  function completeErrorFiles(): void {
    for (const batch of account.listBatches({ limit: 1_000_000, after: null }).data) {
      if (!batch.settled || batch.errorFileId !== null || batchView(batch.id).status !== 'completed') continue;
      const at = nowSeconds();
      batch.errorFileId = account.addFile({
        filename: `${batch.id}_error.jsonl`,
        purpose: 'batch_output',
        content: Buffer.alloc(0),
        createdAt: at,
        expiresAt: null,
      }).id;
    }
  }

  async function route(req: IncomingMessage, r: Route, res: ServerResponse, resetMidBody: boolean): Promise<unknown> {
    const { method, collection, id, action, query } = r;
    if (collection === 'files' && id === undefined) {
      if (method === 'POST') return upload(req);
      if (method === 'GET')
        return listOf(
          account.listFiles({
            limit: limitParam(query, 10_000, 10_000),
            after: query.get('after'),
            order: query.get('order') === 'asc' ? 'asc' : 'desc',
            purpose: query.get('purpose'),
          }),
          fileObject,
        );
    }
    if (collection === 'files' && id !== undefined) {
      await discard(req);
      if (action === 'content' && method === 'GET') return void sendContent(res, account.getFile(id), resetMidBody);
      if (action === undefined && method === 'GET') return fileObject(account.getFile(id));
      if (action === undefined && method === 'DELETE') return (account.deleteFile(id), { id, object: 'file', deleted: true });
    }
    if (collection === 'batches') {
      if (id === undefined && method === 'POST') return createBatch(req);
      await discard(req);
      if (id === undefined && method === 'GET')
        return listOf(account.listBatches({ limit: limitParam(query, 20, 100), after: query.get('after') }), (b) =>
          azureBatchObject(batchView(b.id)),
        );
      if (id !== undefined && action === undefined && method === 'GET') return azureBatchObject(batchView(id));
      if (id !== undefined && action === 'cancel' && method === 'POST')
        return (account.cancelBatch(id, clock.now()), azureBatchObject(batchView(id)));
    }
    throw (await discard(req), new ApiError(404, 'Resource not found', 'invalid_request_error', null, '404'));
  }

  return { route, completeErrorFiles };
}

function listOf<T, U>(list: { data: T[]; first_id: string | null; last_id: string | null; has_more: boolean }, view: (item: T) => U) {
  return { object: 'list', data: list.data.map(view), first_id: list.first_id, last_id: list.last_id, has_more: list.has_more };
}
