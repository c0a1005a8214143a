// The simulator kit (local/simulators/kit): the route table, bounded body reading, and the server's
// order of work (headers, faults, handler) and provider-shaped errors, against a toy provider on loopback.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import {
  FaultInjector,
  HttpError,
  allowedMethods,
  canonicalPath,
  discard,
  matchRoute,
  readBody,
  route,
  sendJson,
  serveSimulator,
  type SimulatorServer,
} from '#local/simulators/kit/index';

/** A provider whose errors are {"fault":{"kind","text"}} and whose 500 says "boom". */
class ToyError extends HttpError {
  constructor(
    status: number,
    readonly kind: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(status, message, headers);
  }
}

describe('route table', () => {
  const table = [
    route('GET', '/v1/files', 'list'),
    route('POST', '/v1/files', 'upload'),
    route('GET', '/v1/files/{id}/content', 'content'),
    route('GET', '/v1/files/{id}', 'get'),
    route('POST', '/v1beta/batches/{id}:cancel', 'cancel'),
    route('GET', '/v1beta/batches/{id}', 'batch'),
    route('GET', '/storage/v1/b/{bucket}/o/{object*}', 'object'),
  ];

  test.each([
    ['GET', '/v1/files', 'list', {}],
    ['post', '/v1/files', 'upload', {}],
    ['GET', '/v1/files/file-1', 'get', { id: 'file-1' }],
    ['GET', '/v1/files/file-1/content', 'content', { id: 'file-1' }],
    ['GET', '/v1/files/a%20b%2Fc', 'get', { id: 'a b/c' }],
    ['POST', '/v1beta/batches/b1:cancel', 'cancel', { id: 'b1' }],
    ['GET', '/v1beta/batches/b1', 'batch', { id: 'b1' }],
    ['GET', '/storage/v1/b/bkt/o/dir/sub/x.jsonl', 'object', { bucket: 'bkt', object: 'dir/sub/x.jsonl' }],
  ])('%s %s → %s %j', (method, path, handler, params) => {
    expect(matchRoute(table, method, path)).toMatchObject({ handler, params });
  });

  test.each([
    ['GET', '/v1/files/'],
    ['GET', '/v1/filesx'],
    ['GET', '/v1/files/f/content/more'],
    ['DELETE', '/v1/files/f'],
    ['GET', '/v1beta/batches/b1:cancel/x'],
    ['GET', '/storage/v1/b/bkt/o/'],
  ])('%s %s matches nothing', (method, path) => {
    expect(matchRoute(table, method, path)).toBeUndefined();
  });

  test('literal text is not a regular expression', () => {
    const dotted = [route('GET', '/v1/a.b', 'x')];
    expect(matchRoute(dotted, 'GET', '/v1/a.b')?.handler).toBe('x');
    expect(matchRoute(dotted, 'GET', '/v1/aXb')).toBeUndefined();
  });

  test.each([
    ['/v1//files/', '/v1/files'],
    ['/%761/files/file-1', '/v1/files/file-1'],
    ['/v1/files/a%2Fb', '/v1/files/a%2Fb'],
    ['/v1/files/a b', '/v1/files/a%20b'],
    ['/', '/'],
  ])('canonicalPath(%s) is %s', (raw, canonical) => {
    expect(canonicalPath(raw)).toBe(canonical);
  });

  test('canonicalPath refuses a malformed escape', () => {
    expect(() => canonicalPath('/v1/files/%E0%A4%A')).toThrow(URIError);
  });

  test('allowedMethods tells a wrong method (405) from an unknown path (404)', () => {
    expect(allowedMethods(table, '/v1/files').sort()).toEqual(['GET', 'POST']);
    expect(allowedMethods(table, '/v1/files/f')).toEqual(['GET']);
    expect(allowedMethods(table, '/v2/nothing')).toEqual([]);
  });
});

describe('readBody', () => {
  const tooLarge = (max: number) => new ToyError(413, 'too_big', `at most ${max} bytes`);
  const body = (chunks: string[], headers: Record<string, string> = {}) =>
    Object.assign(Readable.from(chunks.map((c) => Buffer.from(c))), { headers }) as unknown as IncomingMessage;

  test('reads a chunked body up to the limit', async () => {
    expect((await readBody(body(['0123456789', '012345']), 16, tooLarge)).toString()).toBe('0123456789012345');
  });

  test('a body streamed past the limit is the provider 413', async () => {
    await expect(readBody(body(['0123456789', '0123456789']), 16, tooLarge)).rejects.toMatchObject({
      statusCode: 413,
      kind: 'too_big',
      message: 'at most 16 bytes',
    });
  });

  test('a declared content-length over the limit is refused before reading', async () => {
    const req = body(['x'], { 'content-length': '17' });
    await expect(readBody(req, 16, tooLarge)).rejects.toBeInstanceOf(ToyError);
  });
});

describe('serveSimulator', () => {
  const faults = new FaultInjector();
  const after: string[] = [];
  let sim: SimulatorServer;
  let counter = 0;

  beforeAll(async () => {
    sim = await serveSimulator({
      faults,
      headers: () => ({ 'x-toy-request': `r${++counter}` }),
      errorBody: (err, req) => ({ fault: { kind: (err as ToyError).kind, text: err.message, method: req.method } }),
      faultError: (status, message) => new ToyError(status, status === 429 ? 'slow_down' : 'broken', message),
      internalError: () => new ToyError(500, 'internal', 'boom'),
      afterRequest: (req) => void after.push(`${req.method} ${req.url}`),
      handle: async (req, res, url) => {
        if (url.pathname === '/echo') {
          const body = await readBody(req, 16, (max) => new ToyError(413, 'too_big', `at most ${max} bytes`));
          return sendJson(res, 200, { got: body.toString('utf8') });
        }
        await discard(req);
        if (url.pathname === '/refuse') throw new ToyError(403, 'no', 'not you', { 'x-why': 'because' });
        if (url.pathname === '/crash') throw new Error('a bug');
        if (url.pathname === '/half') {
          res.writeHead(200, { 'content-length': '100' });
          res.write('partial');
          throw new Error('died mid-answer');
        }
        sendJson(res, 200, { path: url.pathname, q: url.searchParams.get('q') });
      },
    });
  });
  afterAll(() => sim.close());
  afterEach(() => faults.clear());

  const call = (path: string, init: RequestInit = {}) => fetch(`${sim.origin}${path}`, init);

  test('listens on 127.0.0.1 and answers through the handler, with the per-answer headers', async () => {
    expect(sim.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await call('/hello?q=1');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-toy-request')).toMatch(/^r\d+$/);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ path: '/hello', q: '1' });
  });

  test('an HttpError becomes the provider-shaped answer with its status and headers', async () => {
    const res = await call('/refuse', { method: 'POST', body: 'ignored' });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-why')).toBe('because');
    expect(res.headers.get('x-toy-request')).toMatch(/^r\d+$/);
    expect(await res.json()).toEqual({ fault: { kind: 'no', text: 'not you', method: 'POST' } });
  });

  test('any other exception becomes the provider 500', async () => {
    const res = await call('/crash');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ fault: { kind: 'internal', text: 'boom', method: 'GET' } });
  });

  test('a failure after the answer began breaks the connection instead of a second answer', async () => {
    await expect(call('/half').then((res) => res.text())).rejects.toThrow();
  });

  test('readBody reads up to the limit and answers the provider 413 beyond it', async () => {
    const ok = await call('/echo', { method: 'POST', body: 'sixteen bytes!!!' });
    expect(await ok.json()).toEqual({ got: 'sixteen bytes!!!' });
    const declared = await call('/echo', { method: 'POST', body: 'seventeen bytes!!' });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ fault: { kind: 'too_big', text: 'at most 16 bytes', method: 'POST' } });
  });

  test('faults answer first, in the provider shape, and /__control/faults sets and clears them', async () => {
    const set = await call('/__control/faults', {
      method: 'POST',
      body: JSON.stringify({ kind: 'rate_limit', match: '/hello', times: 1 }),
    });
    expect(set.status).toBe(204);
    const limited = await call('/hello');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-toy-request')).toMatch(/^r\d+$/);
    expect(await limited.json()).toEqual({ fault: { kind: 'slow_down', text: 'Rate limit reached, retry later.', method: 'GET' } });
    expect((await call('/hello')).status).toBe(200); // times: 1

    faults.add({ kind: 'server_error', match: '/hello', times: 5 });
    expect((await call('/hello')).status).toBe(500);
    expect((await call('/__control/faults', { method: 'DELETE' })).status).toBe(204);
    expect((await call('/hello')).status).toBe(200);
  });

  test('afterRequest runs after every request, answered or failed', async () => {
    after.length = 0;
    await call('/hello?x=1');
    await call('/crash');
    await call('/refuse');
    // afterRequest may run just after the answer is on its way: poll briefly.
    for (let i = 0; i < 50 && after.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(after).toEqual(['GET /hello?x=1', 'GET /crash', 'GET /refuse']);
  });

  test('close() returns although a keep-alive connection is open', async () => {
    const other = await serveSimulator({
      faults: new FaultInjector(),
      handle: (_req, res) => sendJson(res, 200, {}),
      errorBody: (err) => ({ message: err.message }),
      faultError: (status, message) => new HttpError(status, message),
      internalError: () => new HttpError(500, 'internal'),
    });
    expect((await fetch(other.origin, { keepalive: true })).status).toBe(200);
    await other.close();
    await expect(fetch(other.origin)).rejects.toThrow();
  });
});
