// The local API: plain HTTP in, API Gateway REST (proxy integration) events out, to the very same
// Lambda handlers and authorizer the stack deploys. Also enforces API Gateway's and Lambda's size limits
// so that what works here fits in AWS too.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { API_PREFIXES, OPERATION_ROUTES, type OperationRoute } from '../lib/api/routes';
import { API_GATEWAY_MAX_REQUEST_BYTES, LAMBDA_MAX_PAYLOAD_BYTES, gatewayResponse, type GatewayResponseSpec } from '../lib/api/gateway-responses';

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

function loadHandler(operation: string): Handler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
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

function sendGatewayResponse(res: ServerResponse, spec: GatewayResponseSpec): void {
  res.writeHead(spec.statusCode, { 'content-type': 'application/json' }).end(JSON.stringify(spec.body));
}

export interface LocalApiServer {
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(port: number): Promise<LocalApiServer> {
  const handlers = new Map<string, Handler>();
  const handlerFor = (operation: string) => {
    if (!handlers.has(operation)) handlers.set(operation, loadHandler(operation));
    return handlers.get(operation)!;
  };
  const authorizer = loadHandler('authorizer') as unknown as (event: unknown) => Promise<{ principalId: string; context: Record<string, string> }>;

  const server: Server = createServer(async (req, res) => {
    try {
      await serve(req, res);
    } catch (err) {
      console.error('[local gateway] request failed', err);
      if (!res.headersSent) sendGatewayResponse(res, gatewayResponse('DEFAULT_5XX'));
      else res.destroy();
    }
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = ROUTES.map((r) => ({ r, m: r.route.method === req.method ? r.pattern.exec(url.pathname) : null })).find((x) => x.m);
    if (!match?.m) return sendGatewayResponse(res, gatewayResponse('MISSING_AUTHENTICATION_TOKEN'));

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > API_GATEWAY_MAX_REQUEST_BYTES) {
        sendGatewayResponse(res, gatewayResponse('REQUEST_TOO_LARGE'));
        req.destroy();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);

    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const [name, value] = [req.rawHeaders[i], req.rawHeaders[i + 1]];
      headers[name] = value;
      (multiValueHeaders[name] ??= []).push(value);
    }

    // Authorizer first, as API Gateway does: no handler runs for an unknown key.
    const authorization = Object.entries(headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
    if (!authorization) return sendGatewayResponse(res, gatewayResponse('UNAUTHORIZED'));
    let auth: { principalId: string; context: Record<string, string> };
    try {
      auth = await authorizer({ type: 'REQUEST', methodArn: `arn:aws:execute-api:us-east-1:000000000000:local/prod/${req.method}${url.pathname}`, headers, resource: match.r.resource, path: url.pathname, httpMethod: req.method });
    } catch {
      return sendGatewayResponse(res, gatewayResponse('UNAUTHORIZED'));
    }

    const query: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
    const pathParameters: Record<string, string> = {};
    match.r.params.forEach((name, i) => (pathParameters[name] = decodeURIComponent(match.m![i + 1])));
    const event = {
      resource: match.r.resource,
      path: url.pathname,
      httpMethod: req.method,
      headers,
      multiValueHeaders,
      queryStringParameters: Object.keys(query).length ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v[v.length - 1]])) : null,
      multiValueQueryStringParameters: Object.keys(query).length ? query : null,
      pathParameters: match.r.params.length ? pathParameters : null,
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
        resourcePath: match.r.resource,
        requestId: randomUUID(),
        requestTimeEpoch: Date.now(),
        identity: { sourceIp: req.socket.remoteAddress ?? '127.0.0.1' },
        authorizer: { principalId: auth.principalId, ...auth.context },
      },
    };
    const eventJson = JSON.stringify(event);
    if (Buffer.byteLength(eventJson) > LAMBDA_MAX_PAYLOAD_BYTES) {
      return sendGatewayResponse(res, {
        ...gatewayResponse('REQUEST_TOO_LARGE'),
        body: {
          error: {
            message: 'The request is larger than a Lambda function accepts (6 MB including base64 encoding). Upload files larger than 4.5 MB with the Uploads API (uploads.create, uploads.parts.create, uploads.complete).',
            type: 'invalid_request_error',
            param: null,
            code: 'request_too_large',
          },
        },
      });
    }

    const result = await handlerFor(match.r.route.operation)(JSON.parse(eventJson), lambdaContext(match.r.route.operation));
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
