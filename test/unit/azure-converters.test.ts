// Azure OpenAI's converters, table by table: its Batch objects into OpenAI's shape (statuses, times,
// counts), the gateway's batch into Azure's (endpoint, lines, refusals), and Azure's errors that mean
// something else than OpenAI's.
import { APIError } from 'openai';
import { normalizeAzureBatch, normalizeAzureBatchAnswer, normalizeAzureStatus, azureTimestamp } from '#lambda/providers/azure/status';
import { azureEndpoint, checkAzureBatchRequest, toAzureLine } from '#lambda/providers/azure/request';
import { checkCompatibleBatch, checkCompatibleFile } from '#lambda/providers/openai/quirks';
import { openaiCompatibleQuirks } from '#contracts/providers';
import { azureSpecificError } from '#lambda/providers/azure/errors';
import { azureFetch } from '#lambda/providers/azure/adapter';
import { clearEntraTokenCache, entraTokenProvider } from '#lambda/providers/azure/entra';
import { mapBatchStatus } from '#lambda/providers/openai/status';
import { GatewayError } from '#lambda/http/errors';
import type { FileRecord } from '#contracts/records';

describe('Azure batch status → the gateway status', () => {
  test.each([
    ['validating', 'validating'],
    ['Validating', 'validating'],
    ['in_progress', 'in_progress'],
    ['InProgress', 'in_progress'],
    ['finalizing', 'in_progress'], // OpenAI's rule: files not written yet, keep polling
    ['Finalizing', 'in_progress'],
    ['completed', 'completed'],
    ['Completed', 'completed'],
    ['failed', 'failed'],
    ['Failed', 'failed'],
    ['expired', 'expired'],
    ['cancelling', 'cancelling'],
    ['Canceling', 'cancelling'],
    ['cancelled', 'cancelled'],
    ['canceled', 'cancelled'],
    ['Cancelled', 'cancelled'],
    ['SomethingNew', 'in_progress'], // unknown: keep polling
    [undefined, 'in_progress'],
  ])('%s → %s', (azure, gateway) => {
    expect(mapBatchStatus(normalizeAzureStatus(azure))).toBe(gateway);
  });
});

describe('Azure timestamps', () => {
  test.each([
    [1722476583, 1722476583],
    ['1722476583', 1722476583],
    ['2024-07-19T17:13:57.2491382+00:00', 1721409237],
    ['2024-07-20T17:13:57Z', 1721495637],
    [null, null],
    ['', null],
    ['not a date', null],
    [Number.NaN, null],
  ])('%p → %p', (value, seconds) => {
    expect(azureTimestamp(value)).toBe(seconds);
  });
});

describe('normalizeAzureBatch', () => {
  it('reads the create answer of the docs (Validating, ISO times, null counts) as OpenAI would send it', () => {
    const created = {
      id: 'batch_fe3f047a-de39-4068-9008-346795bfc1db',
      object: 'batch',
      endpoint: null,
      status: 'Validating',
      created_at: '2024-07-19T17:13:57.2491382+00:00',
      expires_at: '2024-07-20T17:13:57.1918498+00:00',
      in_progress_at: null,
      request_counts: { total: null, completed: null, failed: null },
      metadata: null,
    };
    expect(normalizeAzureBatch(created)).toEqual({
      ...created,
      status: 'validating',
      created_at: 1721409237,
      expires_at: 1721495637,
      in_progress_at: null,
      request_counts: { total: 0, completed: 0, failed: 0 },
    });
  });

  it('keeps a completed batch from the Python sample as it is', () => {
    const done = {
      id: 'batch_6caaf24d',
      object: 'batch',
      status: 'completed',
      created_at: 1722476583,
      completed_at: 1722477429,
      output_file_id: 'file-3304',
      error_file_id: 'file-c795',
      request_counts: { completed: 3, failed: 0, total: 3 },
    };
    expect(normalizeAzureBatch(done)).toEqual(done);
  });

  it('normalises every batch of a list page and leaves other answers alone', () => {
    const page = { object: 'list', data: [{ id: 'b1', object: 'batch', status: 'Completed', request_counts: null }], has_more: false };
    expect(normalizeAzureBatchAnswer(page)).toEqual({
      object: 'list',
      has_more: false,
      data: [{ id: 'b1', object: 'batch', status: 'completed', request_counts: { total: 0, completed: 0, failed: 0 } }],
    });
    const file = { id: 'file-1', object: 'file', bytes: 3 };
    expect(normalizeAzureBatchAnswer(file)).toBe(file);
  });
});

describe('the gateway batch → Azure', () => {
  const file = (over: Partial<FileRecord> = {}): FileRecord =>
    ({
      id: 'file-g',
      tenantId: 't',
      provider: 'openai',
      filename: 'in.jsonl',
      purpose: 'batch',
      bytes: 1000,
      createdAt: 0,
      expiresAt: null,
      status: 'processed',
      statusDetails: null,
      blob: { bucket: 'b', key: 'k' },
      lineCount: 3,
      model: 'gpt-4o-mini',
      ...over,
    }) as FileRecord;

  test.each([
    ['/v1/chat/completions', '/chat/completions'],
    ['/v1/embeddings', null],
    ['/v1/responses', null],
    ['/chat/completions', null],
  ])('endpoint %s → %s', (endpoint, azure) => {
    expect(azureEndpoint(endpoint)).toBe(azure);
  });

  const quirks = openaiCompatibleQuirks('azure')!;
  const refusal = (run: () => void) =>
    (() => {
      try {
        run();
        return null;
      } catch (e) {
        return e as GatewayError;
      }
    })();
  test.each([
    ['a chat batch of 24h', { endpoint: '/v1/chat/completions', completionWindow: '24h' }, null],
    ['embeddings', { endpoint: '/v1/embeddings', completionWindow: '24h' }, 'endpoint'],
    ['a 48h window', { endpoint: '/v1/chat/completions', completionWindow: '48h' }, 'completion_window'],
  ])('batches.create with %s (catalog quirks)', (_what, input, param) => {
    const err = refusal(() => checkCompatibleBatch('Azure OpenAI', quirks, input));
    expect(err === null ? null : [err.status, err.param]).toEqual(param === null ? null : [400, param]);
  });

  test.each([
    ['100,000 requests of 200 MB', file({ lineCount: 100_000, bytes: 200 * 1024 * 1024 }), null],
    ['100,001 requests', file({ lineCount: 100_001 }), 'too_many_requests'],
    ['a file over 200 MB', file({ bytes: 200 * 1024 * 1024 + 1 }), 'file_too_large'],
  ])('an upload of %s (catalog quirks)', (_what, f, code) => {
    const err = refusal(() => checkCompatibleFile('Azure OpenAI', quirks, f));
    expect(err === null ? null : [err.status, err.code]).toEqual(code === null ? null : [400, code]);
  });

  test.each([
    ['one deployment', file(), null],
    ['two deployments in one file', file({ model: null }), 'input_file_id'],
  ])("Azure's own rule: %s", (_what, f, param) => {
    const err = refusal(() => checkAzureBatchRequest({ inputFile: f }));
    expect(err === null ? null : [err.status, err.param]).toEqual(param === null ? null : [400, param]);
  });

  test.each([
    [
      "the OpenAI url becomes Azure's, the deployment stays the model",
      '{"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}}',
      '{"custom_id":"r1","method":"POST","url":"/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}}',
    ],
    [
      'a byte order mark goes',
      '\uFEFF{"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{"model":"my-deployment"}}',
      '{"custom_id":"r1","method":"POST","url":"/chat/completions","body":{"model":"my-deployment"}}',
    ],
    ['a blank line stays', '   ', '   '],
  ])('%s', (_what, line, azure) => {
    expect(toAzureLine(line)).toBe(azure);
  });
});

describe('Azure errors', () => {
  const azureError = (status: number, code: string, message: string) =>
    APIError.generate(status, { error: { code, message } }, undefined, new Headers());

  test.each([
    ['404 Resource not found (no or a wrong api-version)', azureError(404, '404', 'Resource not found'), 502, 'provider_config_error'],
    ['400 API version not supported', azureError(400, 'BadRequest', 'API version not supported'), 502, 'provider_config_error'],
    [
      '401 access denied',
      azureError(401, '401', 'Access denied due to invalid subscription key or wrong API endpoint.'),
      502,
      'provider_auth_error',
    ],
    ['403', azureError(403, 'PermissionDenied', 'Principal does not have access'), 502, 'provider_permission_error'],
  ])('%s', (_what, err, status, code) => {
    const mapped = azureSpecificError(err, 'the batch status check');
    expect(mapped).toBeInstanceOf(GatewayError);
    expect([mapped!.status, mapped!.code]).toEqual([status, code]);
    expect(mapped!.message).not.toMatch(/sim-|key:/);
  });

  test.each([
    ['404 of an unknown batch', azureError(404, 'NotFound', 'Batch batch_x not found.')],
    ['429', azureError(429, '429', 'Requests have exceeded the call rate limit. Please retry after 2 seconds.')],
    ["400 on a client's request", azureError(400, 'invalidPayload', "Invalid value for 'purpose'")],
    ['not an SDK error', new Error('boom')],
  ])('%s is left to the OpenAI mapping', (_what, err) => {
    expect(azureSpecificError(err, 'x')).toBeNull();
  });
});

describe('azureFetch: the wire between the SDK and Azure', () => {
  type Seen = { url: string; body: unknown };
  const inner = (seen: Seen[], answer: unknown, contentType = 'application/json') =>
    (async (input: string | URL | Request, init?: RequestInit) => {
      seen.push({ url: String(input), body: init?.body === undefined ? undefined : JSON.parse(String(init.body)) });
      return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': contentType, 'content-length': '999' } });
    }) as typeof fetch;

  it("writes a batch create's endpoint in Azure's form and reads the answer as OpenAI's", async () => {
    const seen: Seen[] = [];
    const f = azureFetch(
      inner(seen, {
        id: 'batch_1',
        object: 'batch',
        status: 'Validating',
        created_at: '2024-07-19T17:13:57+00:00',
        request_counts: { total: null, completed: null, failed: null },
      }),
    );
    const res = await f('https://r.openai.azure.com/openai/batches?api-version=2024-10-21', {
      method: 'POST',
      body: JSON.stringify({ input_file_id: 'file-1', endpoint: '/v1/chat/completions', completion_window: '24h' }),
    });
    expect(seen[0].body).toEqual({ input_file_id: 'file-1', endpoint: '/chat/completions', completion_window: '24h' });
    expect(res.headers.get('content-length')).toBeNull();
    expect(await res.json()).toEqual({
      id: 'batch_1',
      object: 'batch',
      status: 'validating',
      created_at: 1721409237,
      request_counts: { total: 0, completed: 0, failed: 0 },
    });
  });

  it('normalises a retrieve, a cancel and a list page', async () => {
    for (const path of ['/openai/batches/batch_1', '/openai/batches/batch_1/cancel', '/openai/batches']) {
      const f = azureFetch(inner([], { object: 'list', data: [{ object: 'batch', status: 'Canceling' }] }));
      const res = await f(`https://r.openai.azure.com${path}?api-version=2024-10-21`, { method: 'GET' });
      expect(((await res.json()) as { data: Array<{ status: string }> }).data[0].status).toBe('cancelling');
    }
  });

  it('leaves files and file content alone', async () => {
    const body = { object: 'file', status: 'Pending' };
    const res = await azureFetch(inner([], body))('https://r.openai.azure.com/openai/files/file-1?api-version=2024-10-21', {
      method: 'GET',
    });
    expect(await res.json()).toEqual(body);
    const content = await azureFetch(inner([], 'x', 'application/octet-stream'))(
      'https://r.openai.azure.com/openai/files/file-1/content?api-version=2024-10-21',
    );
    expect(await content.text()).toBe('"x"');
  });
});

describe('Entra ID tokens from a service principal', () => {
  const principal = { tenantId: 'tenant-1', clientId: 'client-1', clientSecret: 's3cr3t', authorityHost: 'https://login.example' };
  beforeEach(() => clearEntraTokenCache());

  it('posts the client credentials grant for the Cognitive Services scope and reuses the token until 5 minutes before expiry', async () => {
    const calls: Array<{ url: string; form: URLSearchParams }> = [];
    const fake = (async (url: string, init: RequestInit) => {
      calls.push({ url, form: new URLSearchParams(String(init.body)) });
      return new Response(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, access_token: `token-${calls.length}` }), {
        status: 200,
      });
    }) as unknown as typeof fetch;
    let now = 0;
    const provider = entraTokenProvider(principal, fake, () => now);
    expect(await provider()).toBe('token-1');
    expect(calls[0].url).toBe('https://login.example/tenant-1/oauth2/v2.0/token');
    expect(Object.fromEntries(calls[0].form)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'client-1',
      client_secret: 's3cr3t',
      scope: 'https://cognitiveservices.azure.com/.default',
    });
    now = 54 * 60 * 1000;
    expect(await provider()).toBe('token-1');
    now = 56 * 60 * 1000;
    expect(await provider()).toBe('token-2');
  });

  test.each([
    [401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' }, 'GatewayError'],
    [400, { error: 'unauthorized_client' }, 'GatewayError'],
    [503, {}, 'ProviderUnavailable'],
  ])('HTTP %s from Entra → %s', async (status, body, name) => {
    const fake = (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;
    const err = (await entraTokenProvider(principal, fake)().catch((e: unknown) => e)) as Error;
    expect(err.name).toBe(name);
    expect(err.message).not.toContain('s3cr3t');
  });
});
