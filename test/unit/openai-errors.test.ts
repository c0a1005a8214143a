import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { GatewayError } from '#lambda/http/errors';
import { ProviderLostBatchError, ProviderUnavailableError } from '#lambda/providers/errors';
import { isNetworkError, mapOpenAIError, redactSecrets, retryAfterSeconds, type OpenAIOperation } from '#lambda/providers/openai/errors';

const apiError = (
  status: number,
  message = 'upstream says no',
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
) =>
  APIError.generate(
    status,
    { error: { message, type: 'invalid_request_error', param: null, code: null, ...extra } },
    undefined,
    new Headers(headers),
  );

describe('mapOpenAIError', () => {
  type Row = [
    string,
    unknown,
    OpenAIOperation,
    string | undefined,
    { cls: abstract new (...args: never[]) => Error; status?: number; retryAfter?: number; message?: RegExp },
  ];
  const rows: Row[] = [
    [
      '429 with retry-after',
      apiError(429, 'Rate limit', { 'retry-after': '7' }),
      'check_batch',
      'batch_p',
      { cls: ProviderUnavailableError, status: 429, retryAfter: 7 },
    ],
    [
      '429 with retry-after-ms',
      apiError(429, 'Rate limit', { 'retry-after-ms': '1500' }),
      'create_batch',
      undefined,
      { cls: ProviderUnavailableError, status: 429, retryAfter: 2 },
    ],
    ['500', apiError(500, 'boom'), 'create_batch', undefined, { cls: ProviderUnavailableError, status: 500, retryAfter: undefined }],
    ['503', apiError(503), 'collect_results', undefined, { cls: ProviderUnavailableError, status: 503 }],
    ['408', apiError(408), 'upload_file', undefined, { cls: ProviderUnavailableError, status: 408 }],
    [
      'timeout',
      new APIConnectionTimeoutError(),
      'check_batch',
      'batch_p',
      { cls: ProviderUnavailableError, message: /could not be reached/ },
    ],
    [
      'connection refused',
      new APIConnectionError({ message: 'Connection error.', cause: new Error('ECONNREFUSED') }),
      'upload_file',
      undefined,
      { cls: ProviderUnavailableError },
    ],
    [
      '404 on a known batch',
      apiError(404, 'No such Batch object: batch_p'),
      'check_batch',
      'batch_p',
      { cls: ProviderLostBatchError, message: /batch_p/ },
    ],
    [
      '404 on create (file unknown upstream)',
      apiError(404, 'No such File object: file-p'),
      'create_batch',
      undefined,
      { cls: GatewayError, status: 400, message: /No such File object: file-p/ },
    ],
    [
      '400 on create',
      apiError(400, "Invalid value for 'endpoint'", {}, { param: 'endpoint', code: 'invalid_value' }),
      'create_batch',
      undefined,
      { cls: GatewayError, status: 400, message: /OpenAI rejected the batch creation: Invalid value for 'endpoint'/ },
    ],
    [
      '400 on upload',
      apiError(400, 'Invalid file format for Batch API. Must be .jsonl'),
      'upload_file',
      undefined,
      { cls: GatewayError, status: 400, message: /Must be \.jsonl/ },
    ],
    [
      '401 anywhere',
      apiError(401, 'Incorrect API key provided: sk-abc***wxyz.'),
      'create_batch',
      undefined,
      { cls: GatewayError, status: 502, message: /API key/ },
    ],
    [
      '403',
      apiError(403, 'Project does not have access to model'),
      'create_batch',
      undefined,
      { cls: GatewayError, status: 502, message: /does not have access/ },
    ],
    ['400 while polling', apiError(400, 'weird'), 'check_batch', 'batch_p', { cls: GatewayError, status: 502 }],
  ];

  test.each(rows)('%s', (_name, err, operation, providerBatchId, expected) => {
    const mapped = mapOpenAIError(err, { operation, providerBatchId, nowMs: 0 });
    expect(mapped).toBeInstanceOf(expected.cls);
    if (expected.status !== undefined) expect((mapped as { status?: number }).status).toBe(expected.status);
    if ('retryAfter' in expected) expect((mapped as ProviderUnavailableError).retryAfterSeconds).toBe(expected.retryAfter);
    if (expected.message) expect(mapped.message).toMatch(expected.message);
  });

  test("a 400 on create keeps OpenAI's param and code for the client", () => {
    const mapped = mapOpenAIError(apiError(400, 'bad', {}, { param: 'endpoint', code: 'invalid_value' }), {
      operation: 'create_batch',
    }) as GatewayError;
    expect(mapped.toBody().error).toEqual({
      message: 'OpenAI rejected the batch creation: bad',
      type: 'invalid_request_error',
      param: 'endpoint',
      code: 'invalid_value',
    });
  });

  test('never echoes a key, even masked', () => {
    const fromAuth = mapOpenAIError(apiError(401, 'Incorrect API key provided: sk-proj-abcd****wxyz.'), { operation: 'check_batch' });
    expect(fromAuth.message).not.toMatch(/sk-|abcd|wxyz/);
    const fromBadRequest = mapOpenAIError(apiError(400, 'key sk-live-1234567890 is odd'), { operation: 'create_batch' });
    expect(fromBadRequest.message).not.toContain('sk-live-1234567890');
    expect(fromBadRequest.message).toContain('[redacted]');
  });

  test('our own errors pass through untouched', () => {
    const own = new ProviderLostBatchError('gone');
    expect(mapOpenAIError(own, { operation: 'check_batch' })).toBe(own);
  });

  test('a broken body stream is a transient failure; a bug is not', () => {
    const terminated = Object.assign(new TypeError('terminated'), {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    expect(mapOpenAIError(terminated, { operation: 'collect_results' })).toBeInstanceOf(ProviderUnavailableError);
    const bug = new RangeError('index out of range');
    expect(mapOpenAIError(bug, { operation: 'collect_results' })).toBe(bug);
  });
});

describe('retryAfterSeconds', () => {
  test.each([
    [{}, undefined],
    [{ 'retry-after': '3' }, 3],
    [{ 'retry-after': '0.2' }, 1],
    [{ 'retry-after-ms': '250' }, 1],
    [{ 'retry-after-ms': '4000', 'retry-after': '9' }, 4],
    [{ 'retry-after': 'Thu, 01 Jan 1970 00:00:10 GMT' }, 10],
    [{ 'retry-after': 'soon' }, undefined],
  ])('%j → %s', (headers, expected) => {
    expect(retryAfterSeconds(new Headers(headers as Record<string, string>), 0)).toBe(expected);
  });

  test('no headers → undefined', () => {
    expect(retryAfterSeconds(undefined)).toBeUndefined();
  });
});

describe('redactSecrets', () => {
  test.each([
    ['Incorrect API key provided: sk-proj-abc123***wxyz.', 'Incorrect API key provided: [redacted]'],
    ['Authorization: Bearer abc.def', 'Authorization: Bearer [redacted]'],
    ['nothing secret in a file-abc or batch_xyz id', 'nothing secret in a file-abc or batch_xyz id'],
  ])('%s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });
});

describe('isNetworkError', () => {
  test.each([
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    [new TypeError('terminated'), true],
    [new TypeError('x is not a function'), false],
    [new Error('plain'), false],
    [undefined, false],
  ])('%s → %s', (err, expected) => {
    expect(isNetworkError(err)).toBe(expected);
  });
});
