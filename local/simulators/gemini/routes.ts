// The Gemini simulator's HTTP table (the kit's route table): which path and method is which call on
// the account, the API key check, and the faults that belong to one route (`lose_batch` and `reset`
// on batches, `reset` mid-body on downloads). Paths are matched decoded (lookup.ts); an id never holds a ':'
// (Google's custom verbs follow it: batches/{id}:cancel), and a route of method ANY answers every other
// method of its path (after the file or batch it names is looked up, as Gemini does).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { route, type FaultInjector, type PathParams, type Route } from '#local/simulators/kit/index';
import type { GeminiAccount, SimBatch, SimFile } from './account';
import { newBatch, type CreateMethod } from './batch-input';
import { ANY, findRoute } from './lookup';
import { startUpload, uploadCommand } from './uploads';
import { GeminiError, header, json } from './wire';

export interface GeminiContext {
  account: GeminiAccount;
  faults: FaultInjector;
  apiKey: string;
  /** False: the documented `/download/v1beta/…` path answers 404 (clients must fall back to `/v1beta/…:download`). */
  documentedDownloadPath: boolean;
}

interface Call {
  sim: GeminiContext;
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** The decoded path. */
  path: string;
  query: URLSearchParams;
  params: PathParams;
}

/** A JSON body answers 200; undefined: the handler has answered (or dropped the connection) itself. */
type Handler = (call: Call) => unknown;

const noRoute = ({ method, path }: Call) => new GeminiError(404, 'NOT_FOUND', `No route for ${method} ${path}.`);
const notAllowed = ({ method, path }: Call) => new GeminiError(405, 'INVALID_ARGUMENT', `Method ${method} is not allowed on ${path}.`);

/** The kit's handler for the simulator: the route of the request, the key check, the answer. */
export function geminiHandler(sim: GeminiContext) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = decodeURIComponent(url.pathname);
    const call: Call = { sim, req, res, method: req.method ?? 'GET', path, query: url.searchParams, params: {} };
    let found = find(OPEN_ROUTES, call);
    if (!found) {
      authorize(sim.apiKey, req, call.query);
      found = find(ROUTES, call);
    }
    if (!found) throw noRoute(call);
    const body = await found.handler({ ...call, params: found.params });
    if (body !== undefined) json(res, 200, body);
  };
}

/** Gemini's ids never hold a ':' (a custom verb follows it). */
const find = (table: readonly Route<Handler>[], { method, path }: Call) =>
  findRoute(table, method, path, (params) => Object.values(params).every((value) => !value.includes(':')));

function authorize(apiKey: string, req: IncomingMessage, query: URLSearchParams) {
  const key = header(req, 'x-goog-api-key') ?? query.get('key') ?? undefined;
  if (key === undefined || key === '') {
    throw new GeminiError(
      403,
      'PERMISSION_DENIED',
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
  }
  if (key !== apiKey) {
    throw new GeminiError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
    ]);
  }
}

// -------------------------------------------------------------------------------------------------
// uploads: the session URL is the credential (the documented curl sends no key to it)

async function upload(call: Call) {
  const { sim, req, res, query } = call;
  const uploadId = query.get('upload_id');
  if (uploadId === null) {
    authorize(sim.apiKey, req, query);
    return startUpload(sim.account, req, res);
  }
  const session = sim.account.sessions.get(uploadId);
  if (!session) throw new GeminiError(404, 'NOT_FOUND', 'Upload session not found or expired.');
  return uploadCommand(sim.account, req, res, session);
}

// -------------------------------------------------------------------------------------------------
// files

const fileOf = (call: Call): SimFile => call.sim.account.knownFile(`files/${call.params.id}`);

/**
 * Only GENERATED files can be downloaded, at the documented path (`/download/v1beta/…`, unless turned
 * off) or at `/v1beta/…:download`; a `reset` fault cuts the body half way, in the middle of a line.
 */
const download = (documented: boolean) => (call: Call) => {
  const { sim, res, query, method, path } = call;
  if (documented && !sim.documentedDownloadPath) throw noRoute(call);
  const file = fileOf(call);
  const resetMidBody = sim.faults.take(method, path)?.kind === 'reset';
  if (query.get('alt') !== 'media') throw new GeminiError(400, 'INVALID_ARGUMENT', 'Downloads need ?alt=media.');
  if (file.source !== 'GENERATED') {
    throw new GeminiError(
      400,
      'INVALID_ARGUMENT',
      `Cannot download file ${file.name}: only files generated by the API (source GENERATED) can be downloaded; uploaded files cannot.`,
    );
  }
  res.writeHead(200, { 'content-type': file.mimeType, 'content-length': file.bytes.length });
  if (!resetMidBody) return void res.end(file.bytes);
  res.write(file.bytes.subarray(0, Math.max(1, Math.floor(file.bytes.length / 2))), () => setTimeout(() => res.socket?.destroy(), 10));
};

function deleteFile(call: Call) {
  call.sim.account.files.delete(fileOf(call).name);
  return {};
}

// -------------------------------------------------------------------------------------------------
// batches

const create = (method: CreateMethod) => async (call: Call) =>
  call.sim.account.addBatch(await newBatch(call.sim.account, call.req, call.params.model, method));

/** A batch route: the batch must exist; then `lose_batch` answers 404 and `reset` drops the connection. */
const onBatch =
  (then: (call: Call, batch: SimBatch) => unknown): Handler =>
  (call) => {
    const { sim, req, method, path, params } = call;
    const batch = sim.account.knownBatch(params.id);
    const fault = sim.faults.take(method, path);
    if (fault?.kind === 'lose_batch') throw new GeminiError(404, 'NOT_FOUND', `Batch batches/${params.id} not found.`);
    if (fault?.kind === 'reset') return void req.socket.destroy();
    return then(call, batch);
  };

const deleteBatch = onBatch((call, batch) => {
  call.sim.account.batches.delete(batch.id);
  return {};
});

const OPEN_ROUTES: readonly Route<Handler>[] = [route('POST', '/upload/v1beta/files', upload)];

const ROUTES: readonly Route<Handler>[] = [
  route('GET', '/download/v1beta/files/{id}:download', download(true)),
  route('GET', '/v1beta/files/{id}:download', download(false)),
  route('GET', '/v1beta/files', (call: Call) => call.sim.account.listFiles(call.query)),
  route('GET', '/v1beta/files/{id}', (call: Call) => call.sim.account.fileView(fileOf(call))),
  route('DELETE', '/v1beta/files/{id}', deleteFile),
  route(ANY, '/v1beta/files/{id}', (call: Call) => {
    fileOf(call);
    throw notAllowed(call);
  }),
  route('POST', '/v1beta/models/{model}:batchGenerateContent', create('batchGenerateContent')),
  route('POST', '/v1beta/models/{model}:asyncBatchEmbedContent', create('asyncBatchEmbedContent')),
  route('GET', '/v1beta/batches', (call: Call) => call.sim.account.listBatches(call.query)),
  route(
    'POST',
    '/v1beta/batches/{id}:cancel',
    onBatch((call, batch) => call.sim.account.cancel(batch)),
  ),
  route('POST', '/v1beta/batches/{id}:delete', deleteBatch),
  route(
    'GET',
    '/v1beta/batches/{id}',
    onBatch((call, batch) => call.sim.account.operationView(batch)),
  ),
  route('DELETE', '/v1beta/batches/{id}', deleteBatch),
  ...['/v1beta/batches/{id}:cancel', '/v1beta/batches/{id}:delete', '/v1beta/batches/{id}'].map((pattern) =>
    route(
      ANY,
      pattern,
      onBatch((call) => {
        throw notAllowed(call);
      }),
    ),
  ),
];
