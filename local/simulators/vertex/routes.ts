// The Vertex AI simulator's HTTP table (the kit's route table, looked up as ../gemini/lookup.ts does
// for Google's APIs): the token endpoint (open), then the bearer check, then Cloud Storage's JSON API
// (storage.ts) and batchPredictionJobs; the faults that belong to one route (`lose_batch` on jobs,
// `reset` mid-body on object downloads). A job id is a number; only the account's project may be used.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { route, type FaultInjector, type PathParams, type Route } from '#local/simulators/kit/index';
import { ANY, findRoute } from '#local/simulators/gemini/lookup';
import { jobName, type SimJob, type VertexAccount } from './account';
import { newJob } from './job-input';
import { unsupportedUpload } from './storage';
import type { SimServiceAccount, TokenIssuer } from './oauth';
import { HttpError, header, json, readBody } from './wire';

export interface VertexContext {
  account: VertexAccount;
  serviceAccount: SimServiceAccount;
  issuer: TokenIssuer;
  faults: FaultInjector;
}

interface Call {
  sim: VertexContext;
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** The decoded path. */
  path: string;
  query: URLSearchParams;
  params: PathParams;
}

/** A JSON body answers 200; undefined: the handler has answered itself. */
type Handler = (call: Call) => unknown;

const MAX_TOKEN_FORM_BYTES = 64 * 1024;

const notAllowed = ({ method, path }: Call) => new HttpError(405, 'INVALID_ARGUMENT', `Method ${method} is not allowed on ${path}.`);

/** The kit's handler for the simulator: the route of the request, the bearer check, the answer. */
export function vertexHandler(sim: VertexContext) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = decodeURIComponent(url.pathname);
    const call: Call = { sim, req, res, method: req.method ?? 'GET', path, query: url.searchParams, params: {} };
    let found = findRoute(OPEN_ROUTES, call.method, path);
    if (!found) {
      sim.issuer.authorize(header(req, 'authorization'));
      found = findRoute(ROUTES, call.method, path, (params) => params.id === undefined || /^\d+$/.test(params.id));
    }
    if (!found) throw new HttpError(404, 'NOT_FOUND', `No route for ${call.method} ${path}.`);
    const body = await found.handler({ ...call, params: found.params });
    if (body !== undefined) json(res, 200, body);
  };
}

async function grantToken({ sim, req }: Call) {
  return sim.issuer.grant(new URLSearchParams((await readBody(req, MAX_TOKEN_FORM_BYTES)).toString('utf8')));
}

// -------------------------------------------------------------------------------------------------
// Cloud Storage

const storageObject = (call: Call) => {
  const { sim, req, res, method, path, query, params } = call;
  sim.account.storage.object(
    req,
    res,
    { bucket: params.bucket, name: params.name, path, query },
    () => sim.faults.take(method, path)?.kind === 'reset',
  );
};

// -------------------------------------------------------------------------------------------------
// batchPredictionJobs

/** Only the service account's own project; the permission named is the one the call needs. */
function checkProject({ sim, method, params }: Call) {
  if (params.project === sim.serviceAccount.projectId) return;
  const permission = method === 'POST' && !params.id ? 'create' : 'get';
  throw new HttpError(
    403,
    'PERMISSION_DENIED',
    `Permission 'aiplatform.batchPredictionJobs.${permission}' denied on resource '//aiplatform.googleapis.com/projects/${params.project}/locations/${params.location}' (or it may not exist).`,
  );
}

const onProject =
  (then: (call: Call) => unknown): Handler =>
  (call) => {
    checkProject(call);
    return then(call);
  };

/** A job route: the job must exist in this project and location; then `lose_batch` answers 404. */
const onJob = (then: (call: Call, job: SimJob) => unknown): Handler =>
  onProject((call) => {
    const { sim, method, path, params } = call;
    const job = sim.account.jobs.get(params.id ?? '');
    const fault = job ? sim.faults.take(method, path) : undefined;
    if (!job || job.project !== params.project || job.location !== params.location || fault?.kind === 'lose_batch')
      throw new HttpError(
        404,
        'NOT_FOUND',
        `The BatchPredictionJob does not exist: projects/${params.project}/locations/${params.location}/batchPredictionJobs/${params.id}`,
      );
    return then(call, job);
  });

const refuseMethod = onJob((call) => {
  throw notAllowed(call);
});

function deleteJob({ sim }: Call, job: SimJob) {
  sim.account.jobs.delete(job.id);
  return { name: `${jobName(job)}/operations/delete`, done: true };
}

const JOBS = '/v1/projects/{project}/locations/{location}/batchPredictionJobs';

const OPEN_ROUTES: readonly Route<Handler>[] = [route('POST', '/token', grantToken)];

const ROUTES: readonly Route<Handler>[] = [
  route('POST', '/upload/storage/v1/b/{bucket}/o', ({ sim, req, res, query, params }: Call) =>
    sim.account.storage.upload(req, res, params.bucket, query),
  ),
  route('PUT', '/upload/storage/v1/b/{bucket}/o', ({ sim, req, res, query }: Call) => sim.account.storage.uploadChunk(req, res, query)),
  route(ANY, '/upload/storage/v1/b/{bucket}/o', ({ req, query }: Call) => {
    throw unsupportedUpload(req, query);
  }),
  route('GET', '/storage/v1/b/{bucket}/o', ({ sim, query, params }: Call) => sim.account.storage.list(params.bucket, query)),
  route(ANY, '/storage/v1/b/{bucket}/o/{name*}', storageObject),
  route(
    'POST',
    JOBS,
    onProject(async (call) => call.sim.account.addJob(await newJob(call.req, call.params.project, call.params.location))),
  ),
  route(
    'GET',
    JOBS,
    onProject((call) => call.sim.account.listJobs(call.query, call.params.project, call.params.location)),
  ),
  route(
    'POST',
    `${JOBS}/{id}:cancel`,
    onJob((call, job) => call.sim.account.cancel(job)),
  ),
  route(
    'GET',
    `${JOBS}/{id}`,
    onJob((call, job) => call.sim.account.jobView(job)),
  ),
  route('DELETE', `${JOBS}/{id}`, onJob(deleteJob)),
  route(ANY, JOBS, refuseMethod),
  route(ANY, `${JOBS}/{id}:cancel`, refuseMethod),
  route(ANY, `${JOBS}/{id}`, refuseMethod),
];
