// The Bedrock HTTP operations: the control plane's model invocation jobs and the runtime's InvokeModel
// and Converse, each a call on the account (account.ts) or the runtime (runtime.ts), after the faults
// and the SigV4 check.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from '../simulator';
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

export function send(res: Response, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomBytes(16).toString('hex'), ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: Request): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AwsError(400, 'SerializationException', 'The request body is not valid JSON.');
  }
}

export async function handleRequest(req: Request, res: Response, { account, faults, region }: Simulated): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  // The raw (still URL-encoded) path: a job ARN arrives as one encoded segment.
  const path = (req.url ?? '/').split('?')[0];
  const errorBody = (status: number, message: string) => ({
    __type: status === 429 ? 'ThrottlingException' : 'InternalServerException',
    message,
  });
  // The compatibility API of HTTP/2 requests is what intercept uses (method, body iteration, writeHead/end).
  if (await faults.intercept(req as IncomingMessage, res as ServerResponse, path, errorBody)) return;
  if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
    throw new AwsError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const method = req.method ?? 'GET';
  const fault = () => faults.take(method, path);
  let match: RegExpExecArray | null;

  if (method === 'POST' && path === '/model-invocation-job') {
    const result = account.create((await readBody(req)) as Record<string, unknown>, signedRegion(req.headers.authorization) ?? region);
    const rule = fault();
    if (rule?.kind === 'reset') return reset(req);
    return send(res, 200, result);
  }
  if (method === 'GET' && path === '/model-invocation-jobs') return send(res, 200, account.list(url.searchParams));
  if ((match = /^\/model-invocation-job\/([^/]+)(\/stop)?$/.exec(path))) {
    const job = account.find(match[1]);
    const rule = fault();
    if (rule?.kind === 'reset') return reset(req);
    if (rule?.kind === 'lose_batch') throw new AwsError(404, 'ResourceNotFoundException', `The specified job ${job.jobArn} was not found.`);
    if (method === 'GET' && !match[2]) return send(res, 200, account.view(job));
    if (method === 'POST' && match[2]) {
      await readBody(req);
      return send(res, 200, account.stop(job));
    }
  }
  if (method === 'POST' && (match = /^\/model\/([^/]+)\/invoke$/.exec(path))) {
    const body = await readBody(req);
    const rule = fault();
    if (rule?.kind === 'reset') return reset(req);
    return send(res, 200, invokeModel(match[1], body));
  }
  if (method === 'POST' && (match = /^\/model\/([^/]+)\/converse$/.exec(path))) {
    const body = await readBody(req);
    const rule = fault();
    if (rule?.kind === 'reset') return reset(req);
    return send(res, 200, converse(match[1], body));
  }
  throw new AwsError(404, 'UnknownOperationException', `No operation matches ${method} ${path}`);
}

/**
 * The region a request was signed for (SigV4 credential scope `AKID/date/<region>/bedrock/aws4_request`):
 * the simulator serves every region, and a job's ARN names the region its client called, as in AWS.
 */
function signedRegion(authorization: string | string[] | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(authorization ?? ''))?.[1];
}
