// The Bedrock HTTP table: the control plane's model invocation jobs and the runtime's InvokeModel and
// Converse, each a call on the account (account.ts) or the runtime (runtime.ts). Every request meets
// the faults first, then the SigV4 check; an error is AWS's JSON {message} with x-amzn-ErrorType.
//
// Faults taken per operation (FaultInjector.take): `reset` drops the connection, on
// CreateModelInvocationJob after the job was created (the answer got lost on the way) and on
// InvokeModel/Converse after the body was read; `lose_batch` is a 404 on Get/Stop of a known job.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  discard,
  matchRoute,
  readBody as readBoundedBody,
  route,
  sendJson,
  type FaultInjector,
  type PathParams,
} from '#local/simulators/kit/index';
import type { BedrockAccount } from './account';
import { AwsError } from './errors';
import { converse, invokeModel } from './runtime';
import { reset, type Request, type Response } from './server';

export interface Simulated {
  account: BedrockAccount;
  faults: FaultInjector;
  /** The region of jobs whose request names none in its signature. */
  region: string;
}

interface Call {
  req: Request;
  res: Response;
  params: PathParams;
  url: URL;
  sim: Simulated;
  /** The fault this request meets at this point of the operation, if any (consumes one use of it). */
  fault(): ReturnType<FaultInjector['take']>;
}

const ROUTES = [
  route('POST', '/model-invocation-job', async ({ req, res, sim, fault }: Call) => {
    const body = (await readBody(req)) as Record<string, unknown>;
    const result = sim.account.create(body, signedRegion(req.headers.authorization) ?? sim.region);
    if (fault()?.kind === 'reset') return reset(req);
    send(res, 200, result);
  }),
  route('GET', '/model-invocation-jobs', ({ res, url, sim }: Call) => send(res, 200, sim.account.list(url.searchParams))),
  route('GET', '/model-invocation-job/{job}', ({ req, res, params, sim, fault }: Call) => {
    const job = knownJob(sim, params.job, req, fault);
    if (job) send(res, 200, sim.account.view(job));
  }),
  route('POST', '/model-invocation-job/{job}/stop', async ({ req, res, params, sim, fault }: Call) => {
    const job = knownJob(sim, params.job, req, fault);
    if (!job) return;
    await readBody(req);
    send(res, 200, sim.account.stop(job));
  }),
  route('POST', '/model/{modelId}/invoke', async ({ req, res, params, fault }: Call) => {
    const body = await readBody(req);
    if (fault()?.kind === 'reset') return reset(req);
    send(res, 200, invokeModel(params.modelId, body));
  }),
  route('POST', '/model/{modelId}/converse', async ({ req, res, params, fault }: Call) => {
    const body = await readBody(req);
    if (fault()?.kind === 'reset') return reset(req);
    send(res, 200, converse(params.modelId, body));
  }),
];

/** Answers one request; an error becomes AWS's error answer (an unexpected one InternalServerException). */
export async function answerRequest(req: Request, res: Response, sim: Simulated): Promise<void> {
  try {
    await handleRequest(req, res, sim);
  } catch (err) {
    if (res.headersSent) return;
    const e = err instanceof AwsError ? err : new AwsError(500, 'InternalServerException', (err as Error).message);
    send(res, e.statusCode, { message: e.message }, e.headers);
  }
}

async function handleRequest(req: Request, res: Response, sim: Simulated): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  // The raw (still URL-encoded) path: a job ARN arrives as one encoded segment (the table decodes it).
  const path = (req.url ?? '/').split('?')[0];
  const errorBody = (status: number, message: string) => ({
    __type: status === 429 ? 'ThrottlingException' : 'InternalServerException',
    message,
  });
  // The compatibility API of HTTP/2 requests is what intercept uses (method, body iteration, writeHead/end).
  if (await sim.faults.intercept(req as IncomingMessage, res as ServerResponse, path, errorBody)) return;
  if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
    throw new AwsError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const method = req.method ?? 'GET';
  const found = matchRoute(ROUTES, method, path);
  if (!found) throw new AwsError(404, 'UnknownOperationException', `No operation matches ${method} ${path}`);
  await found.handler({ req, res, params: found.params, url, sim, fault: () => sim.faults.take(method, path) });
}

/** The job a Get or Stop names (404 if unknown), after its faults: undefined when a `reset` dropped the connection. */
function knownJob(sim: Simulated, identifier: string, req: Request, fault: Call['fault']) {
  const job = sim.account.find(identifier);
  const rule = fault();
  if (rule?.kind === 'reset') return reset(req);
  if (rule?.kind === 'lose_batch') throw new AwsError(404, 'ResourceNotFoundException', `The specified job ${job.jobArn} was not found.`);
  return job;
}

function send(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJson(res as ServerResponse, status, body, { 'x-amzn-requestid': randomBytes(16).toString('hex'), ...headers });
}

/**
 * InvokeModel's body is at most 25,000,000 bytes: more is a ValidationException "Value at 'body' failed
 * to satisfy constraint: Member must have length less than or equal to 25000000" (reported:
 * langchain-ai/langchain-aws#419, a limit of the InvokeModel API rather than of a model). The simulator
 * bounds every operation's body by the same figure.
 */
const MAX_BODY_BYTES = 25_000_000;
const bodyTooLarge = (maxBytes: number) =>
  new AwsError(
    400,
    'ValidationException',
    `1 validation error detected: Value at 'body' failed to satisfy constraint: Member must have length less than or equal to ${maxBytes}`,
  );

async function readBody(req: Request): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await readBoundedBody(req as IncomingMessage, MAX_BODY_BYTES, bodyTooLarge);
  } catch (err) {
    // Read the rest before answering: an HTTP/2 stream answered mid-upload is reset, and the client
    // would see a broken stream instead of the ValidationException.
    await discard(req as IncomingMessage).catch(() => undefined);
    throw err;
  }
  const text = bytes.toString('utf8');
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AwsError(400, 'SerializationException', 'The request body is not valid JSON.');
  }
}

/**
 * The region a request was signed for (SigV4 credential scope `AKID/date/<region>/bedrock/aws4_request`):
 * the simulator serves every region, and a job's ARN names the region its client called, as in AWS.
 */
function signedRegion(authorization: string | string[] | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(authorization ?? ''))?.[1];
}
