// The local API: plain HTTP in, API Gateway REST (proxy integration) events out, to the very same
// Lambda handlers and authorizer the stack deploys. Also enforces API Gateway's and Lambda's size limits
// so that what works here fits in AWS too.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { API_PREFIXES, CONSOLE_FUNCTION, OPERATION_ROUTES, type OperationRoute } from '#contracts/routes';
import {
  API_GATEWAY_MAX_REQUEST_BYTES,
  LAMBDA_MAX_PAYLOAD_BYTES,
  gatewayResponse,
  type GatewayResponseSpec,
} from '#lib/api/gateway-responses';
import { InFlight } from './in-flight';
import { closeServer, listenOnLoopback } from './loopback';

type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyResult>;

interface CompiledRoute {
  route: OperationRoute;
  resource: string;
  pattern: RegExp;
  params: string[];
}

function compile(route: OperationRoute, prefix: string): CompiledRoute {
  const resource = prefix + route.path;
  const params: string[] = [];
  const source = resource.replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { route, resource, pattern: new RegExp(`^${source}/?$`), params };
}

const ROUTES = API_PREFIXES.flatMap((prefix) => OPERATION_ROUTES.map((route) => compile(route, prefix)));
/** The web console's page and assets: no authorizer, as deployed (lib/console/web-console.ts). */
const PUBLIC_ROUTES = CONSOLE_FUNCTION.paths.map((path) => compile({ ...CONSOLE_FUNCTION, method: 'GET', path }, ''));

function loadHandler(operation: string): Handler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the handler file is chosen at run time by operation name
  return (require(join(__dirname, '..', 'lambda', 'handlers', operation)) as { handler: Handler }).handler;
}

function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * A path parameter as API Gateway hands it over: percent-decoded. A malformed escape (`%E0%A4%A`) is
 * passed on as written, so the handler rejects it as a malformed id (400) instead of decodeURIComponent
 * throwing here and the client getting a 500.
 */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function sendGatewayResponse(res: ServerResponse, spec: GatewayResponseSpec): void {
  // As API Gateway's gateway responses do (lib/api/api.ts): x-request-id = the request's id.
  res.writeHead(spec.statusCode, { 'content-type': 'application/json', 'x-request-id': randomUUID() }).end(JSON.stringify(spec.body));
}

export interface LocalApiServer {
  url: string;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  /** Runs before a public (web console) route is served, e.g. to build the console on first use. */
  beforePublicRoute?: () => Promise<void>;
}

export async function startApiServer(port: number, options: ApiServerOptions = {}): Promise<LocalApiServer> {
  const lambdas = new LocalLambdas();
  const requestsUnderWay = new InFlight();
  const server: Server = createServer(async (req, res) => {
    try {
      await requestsUnderWay.track(serve(req, res, lambdas, options));
    } catch (err) {
      console.error('[local gateway] request failed', err);
      if (!res.headersSent) sendGatewayResponse(res, gatewayResponse('DEFAULT_5XX'));
      else res.destroy();
    }
  });
  server.on('clientError', answerClientError);
  return {
    url: await listenOnLoopback(server, port),
    close: async () => {
      // Closing drops the connections at once; a handler still running finishes against live stand-ins.
      await closeServer(server);
      await requestsUnderWay.settle();
    },
  };
}

type Authorizer = (event: unknown) => Promise<Authorization>;
interface Authorization {
  principalId: string;
  context: Record<string, string>;
}

/** The handlers, each loaded on its first request (as a Lambda cold start), and the authorizer. */
class LocalLambdas {
  private readonly handlers = new Map<string, Handler>();
  readonly authorizer = loadHandler('authorizer') as unknown as Authorizer;

  handlerFor(operation: string): Handler {
    if (!this.handlers.has(operation)) this.handlers.set(operation, loadHandler(operation));
    return this.handlers.get(operation)!;
  }
}

/**
 * Requests Node's HTTP parser refuses (CR or LF inside a header, a header name with a space, headers
 * over the size limit) never reach `serve`. Node's default answer is a bare 400 with no body; answer
 * in OpenAI's error shape instead, so a client sees what was wrong, and close the connection: bytes
 * after a parse error cannot be trusted to start a new request (request smuggling).
 */
function answerClientError(err: NodeJS.ErrnoException & { reason?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const headersTooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const [status, reason, message, code] = headersTooLarge
    ? [431, 'Request Header Fields Too Large', 'The request headers are too large.', 'request_header_fields_too_large']
    : timedOut
      ? [408, 'Request Timeout', 'The request was not received in time.', 'request_timeout']
      : [
          400,
          'Bad Request',
          // llhttp's reason names the problem: "Missing expected LF after header value", "Invalid header
          // token", "Transfer-Encoding can't be present with Content-Length", "Duplicate Content-Length", …
          `The request is not valid HTTP/1.1 (${err.reason ?? err.message}); it was refused before reaching the API.`,
          'malformed_request',
        ];
  const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\nx-request-id: ${randomUUID()}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** One request through API Gateway: route, body limit, authorizer, the Lambda's event and payload limits, its answer. */
async function serve(req: IncomingMessage, res: ServerResponse, lambdas: LocalLambdas, options: ApiServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const matched = routeOf(req.method, url.pathname);
  if (!matched) return sendGatewayResponse(res, gatewayResponse('MISSING_AUTHENTICATION_TOKEN'));
  if (matched.isPublic) await options.beforePublicRoute?.();

  const body = await readRequestBody(req);
  if (!body) return sendGatewayResponse(res, gatewayResponse('REQUEST_TOO_LARGE'));
  const headers = headersOf(req);

  // Authorizer first, as API Gateway does: no handler runs for an unknown key.
  let auth: Authorization | null = null;
  if (!matched.isPublic) {
    const verdict = await authorize(lambdas.authorizer, req, url, matched, headers.single);
    if (verdict === undefined) return sendGatewayResponse(res, gatewayResponse('UNAUTHORIZED'));
    auth = verdict;
  }

  const eventJson = JSON.stringify(apiGatewayEvent(req, url, matched, headers, body, auth));
  const operation = matched.route.route.operation;
  if (Buffer.byteLength(eventJson) > LAMBDA_MAX_PAYLOAD_BYTES) return sendGatewayResponse(res, eventTooLarge(operation));
  const result = await lambdas.handlerFor(operation)(JSON.parse(eventJson), lambdaContext(operation));
  sendLambdaResult(res, result);
}

interface MatchedRoute {
  route: CompiledRoute;
  /** The path's regular-expression match: its groups are the path parameters, in order. */
  groups: RegExpExecArray;
  /** A web console route: no authorizer. */
  isPublic: boolean;
}

/** The route a request's method and path name, console routes first; none is API Gateway's 403 "Missing Authentication Token". */
function routeOf(method: string | undefined, path: string): MatchedRoute | undefined {
  const matchIn = (routes: CompiledRoute[], isPublic: boolean) => {
    for (const route of routes) {
      const groups = route.route.method === method ? route.pattern.exec(path) : null;
      if (groups) return { route, groups, isPublic };
    }
    return undefined;
  };
  return matchIn(PUBLIC_ROUTES, true) ?? matchIn(ROUTES, false);
}

/** The whole body, or null when it is over API Gateway's request limit (10 MB). */
async function readRequestBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Over the limit: keep reading (and dropping) the rest, then answer 413. Answering and closing
    // mid-upload makes the client see a reset connection instead of the answer (seen under load).
    if (size <= API_GATEWAY_MAX_REQUEST_BYTES) chunks.push(chunk as Buffer);
  }
  return size > API_GATEWAY_MAX_REQUEST_BYTES ? null : Buffer.concat(chunks);
}

interface RequestHeaders {
  /** The last value of each header, as written. */
  single: Record<string, string>;
  multi: Record<string, string[]>;
}

function headersOf(req: IncomingMessage): RequestHeaders {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const [name, value] = [req.rawHeaders[i], req.rawHeaders[i + 1]];
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

/** The authorizer's verdict on the request's Authorization header; undefined (no header, or the authorizer refused) is API Gateway's 401. */
async function authorize(
  authorizer: Authorizer,
  req: IncomingMessage,
  url: URL,
  matched: MatchedRoute,
  headers: Record<string, string>,
): Promise<Authorization | undefined> {
  const authorization = Object.entries(headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  if (!authorization) return undefined;
  try {
    return await authorizer({
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:us-east-1:000000000000:local/prod/${req.method}${url.pathname}`,
      headers,
      resource: matched.route.resource,
      path: url.pathname,
      httpMethod: req.method,
    });
  } catch {
    return undefined;
  }
}

/** The REST API proxy-integration event API Gateway hands the route's Lambda. */
function apiGatewayEvent(
  req: IncomingMessage,
  url: URL,
  { route, groups }: MatchedRoute,
  headers: RequestHeaders,
  body: Buffer,
  auth: Authorization | null,
) {
  const query: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
  const pathParameters: Record<string, string> = {};
  route.params.forEach((name, i) => (pathParameters[name] = decodePathSegment(groups[i + 1])));
  return {
    resource: route.resource,
    path: url.pathname,
    httpMethod: req.method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: Object.keys(query).length
      ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v[v.length - 1]]))
      : null,
    multiValueQueryStringParameters: Object.keys(query).length ? query : null,
    pathParameters: route.params.length ? pathParameters : null,
    stageVariables: null,
    // The deployed API treats every body as binary (binaryMediaTypes */*), so handlers always get base64.
    body: body.length ? body.toString('base64') : null,
    isBase64Encoded: body.length > 0,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      stage: 'prod',
      httpMethod: req.method,
      path: url.pathname,
      resourcePath: route.resource,
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      identity: { sourceIp: req.socket.remoteAddress ?? '127.0.0.1' },
      authorizer: auth ? { principalId: auth.principalId, ...auth.context } : null,
    },
  };
}

/** API Gateway's 413 for an event over Lambda's payload limit, saying how to send that much. */
function eventTooLarge(operation: string): GatewayResponseSpec {
  return {
    ...gatewayResponse('REQUEST_TOO_LARGE'),
    body: {
      error: {
        message:
          operation === 'uploads-parts-create'
            ? 'The part is larger than a Lambda function accepts (6 MB including base64 encoding). Send parts of at most 4.5 MB (4,500,000 bytes).'
            : 'The request is larger than a Lambda function accepts (6 MB including base64 encoding). Upload files larger than 4.5 MB with the Uploads API (uploads.create, uploads.parts.create, uploads.complete).',
        type: 'invalid_request_error',
        param: null,
        code: 'request_too_large',
      },
    },
  };
}

/** The Lambda's answer as API Gateway sends it on: its status, headers and (decoded) body. */
function sendLambdaResult(res: ServerResponse, result: APIGatewayProxyResult): void {
  const payload = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  if (Buffer.byteLength(JSON.stringify(result)) > LAMBDA_MAX_PAYLOAD_BYTES) {
    // What API Gateway does when a Lambda response is over the limit.
    return sendGatewayResponse(res, gatewayResponse('DEFAULT_5XX'));
  }
  const outHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) outHeaders[k] = String(v);
  outHeaders['content-length'] = String(payload.length);
  res.writeHead(result.statusCode, outHeaders).end(payload);
}
