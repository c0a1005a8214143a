// A local stand-in for Vertex AI batch prediction of Gemini models and the Cloud Storage JSON API it
// reads and writes, with Google's OAuth 2.0 token endpoint (docs/providers.md "Vertex AI"):
// - a service account of its own: `apiKey` is its JSON key, whose token_uri points at POST /token
//   here (oauth.ts); every other call needs `Authorization: Bearer <token>` (401 UNAUTHENTICATED without
//   one or with a wrong or expired one); only the account's own project may be used (403 PERMISSION_DENIED);
// - Cloud Storage (storage.ts) with the buckets given (default `finops-vertex-local`);
// - POST /v1/projects/{p}/locations/{l}/batchPredictionJobs: model `publishers/google/models/<gemini…>`
//   (another: 404 "The PublisherModel … does not exist."), instancesFormat and predictionsFormat
//   "jsonl", gcsSource.uris and gcsDestination.outputUriPrefix gs:// URIs; the job answers
//   JOB_STATE_PENDING; get, list (filter `display_name="…"`, pageSize, pageToken), :cancel, delete;
// - a job is PENDING one step, RUNNING one step (it imports its input then: a missing object or bucket,
//   a line that is not `{"request": {...}}`, or more requests than the limit fail the job with code 3
//   "Failed to import data…"), then SUCCEEDED, with `<outputUriPrefix>/prediction-model-<create time>/
//   predictions.jsonl`: one row per request in REVERSE input order (Vertex keeps no order), each
//   `{status, processed_time, request, response}` plus the line's sibling keys echoed, numeric-looking
//   strings turned into numbers as Vertex's import does; a failed row has no response and
//   `status: "Bad Request: {\"error\": {...}}"`. Outcomes per request are the Gemini simulator's
//   (../gemini/outcomes.ts). completionStats are int64 strings.
// - triggers in user text: "[simulate-expire]" → JOB_STATE_EXPIRED, "[simulate-batch-failure]" →
//   JOB_STATE_FAILED (code 13), "[simulate-row-lost]" → that row is missing and the job ends
//   JOB_STATE_PARTIALLY_SUCCEEDED; none of the first two has output.
// - :cancel → JOB_STATE_CANCELLING, JOB_STATE_CANCELLED one step later unless the job finished first;
//   cancelling a finished job is 400 FAILED_PRECONDITION.
// - limits: FINOPS_SIM_VERTEX_MAX_REQUESTS (default 200,000 requests per job).
// - faults (FaultInjector): rate_limit / server_error / timeout anywhere; `lose_batch` (404) on job
//   routes; `reset` on object downloads cuts the body half way.
//
// Built on the simulator kit (../kit), split as the OpenAI one: account.ts (jobs and their
// lifecycle), routes.ts (the HTTP table, the bearer check), job-input.ts (what a create asks for),
// predictions.ts (what a job does when it runs), storage.ts (Cloud Storage), oauth.ts (the service
// account and its tokens), wire.ts (Google's errors), state.ts (persistence).
import {
  FaultInjector,
  serveSimulator,
  type HttpError as KitHttpError,
  type RunningSimulator,
  type SimulatorOptions,
} from '#local/simulators/kit/index';
import { jobName, VertexAccount } from './account';
import { isOAuthError, newServiceAccount, serviceAccountKeyJson, TokenIssuer, type SimServiceAccount } from './oauth';
import { vertexHandler } from './routes';
import { restoreState } from './state';
import { SimStorage } from './storage';
import { HttpError, errorBody, json } from './wire';

export interface VertexSimulatorOptions extends SimulatorOptions {
  /** Project of the simulator's service account (default `finops-local`). */
  projectId?: string;
  /** Buckets that exist (default [`finops-vertex-local`]). */
  buckets?: string[];
}

export interface VertexSimulator extends RunningSimulator {
  /** The service account JSON key (= apiKey). */
  serviceAccountKey: string;
  /** Test hook, not part of the API: the name of every job. */
  jobNames(): string[];
  projectId: string;
  bucket: string;
  storage: SimStorage;
}

export async function startVertexSimulator(options: VertexSimulatorOptions = {}): Promise<VertexSimulator> {
  const buckets = options.buckets ?? ['finops-vertex-local'];
  const faults = new FaultInjector();
  let origin = '';
  const storage = new SimStorage(new Set(buckets), () => origin);
  const account = new VertexAccount(options.stepMs ?? 1000, storage);
  const persisted = restoreState(options.stateDir, storage, account.jobs);
  account.restored();
  const serviceAccount: SimServiceAccount = persisted?.account ?? newServiceAccount(options.projectId ?? 'finops-local');
  const issuer = new TokenIssuer(serviceAccount);
  for (const [token, expiry] of persisted?.tokens ?? []) issuer.tokens.set(token, expiry);
  const server = await serveSimulator({
    port: options.port,
    faults,
    handle: vertexHandler({ account, serviceAccount, issuer, faults }),
    errorBody: errorBodyOf,
    faultError: (status, message) => new HttpError(status, status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL', message),
    internalError: () => new HttpError(500, 'INTERNAL', 'Internal error encountered.'),
    json,
    faultPath: (url) => decodeURIComponent(url.pathname),
    afterRequest: (req) => persisted?.save(serviceAccount, issuer.tokens, req.method ?? 'GET'),
  });
  origin = server.origin;
  const serviceAccountKey = serviceAccountKeyJson(serviceAccount, `${origin}/token`);
  return {
    url: origin,
    apiKey: serviceAccountKey,
    serviceAccountKey,
    projectId: serviceAccount.projectId,
    bucket: buckets[0],
    storage,
    faults,
    jobNames: () => [...account.jobs.values()].map(jobName),
    close: () => server.close(),
  };
}

/** OAuth's own error shape at the token endpoint; Cloud Storage's envelope under its paths; else Google's. */
function errorBodyOf(err: KitHttpError, _req: unknown, url: URL) {
  if (isOAuthError(err)) return { error: err.status, error_description: err.message };
  const path = decodeURIComponent(url.pathname);
  const isStorage = path.startsWith('/storage/') || path.startsWith('/upload/storage/');
  return err instanceof HttpError
    ? errorBody(err.code, err.status, err.message, isStorage)
    : errorBody(err.statusCode, 'INTERNAL', err.message, isStorage);
}
