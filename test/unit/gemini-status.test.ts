// Gemini batch Operation → ProviderBatchState (lambda/providers/gemini/status.ts), and Gemini HTTP
// errors → the errors the gateway acts on (lambda/providers/gemini/client.ts, pure part).
import {
  batchStateName,
  parseInt64,
  rfc3339ToUnixSeconds,
  toBatchStatus,
  toProviderBatchState,
  toRequestCounts,
} from '#lambda/providers/gemini/status';
import { retryAfterSeconds, toProviderError } from '#lambda/providers/gemini/client';
import { ProviderLostBatchError, ProviderUnavailableError } from '#lambda/providers/errors';
import { GatewayError } from '#lambda/http/errors';
import type { GeminiOperation } from '#lambda/providers/gemini/types';

describe('toBatchStatus: both prefixes are accepted', () => {
  test.each([
    ['BATCH_STATE_PENDING', 'validating'],
    ['JOB_STATE_PENDING', 'validating'],
    ['BATCH_STATE_RUNNING', 'in_progress'],
    ['JOB_STATE_RUNNING', 'in_progress'],
    ['BATCH_STATE_SUCCEEDED', 'completed'],
    ['JOB_STATE_SUCCEEDED', 'completed'],
    ['BATCH_STATE_FAILED', 'failed'],
    ['JOB_STATE_FAILED', 'failed'],
    ['BATCH_STATE_CANCELLED', 'cancelled'],
    ['JOB_STATE_CANCELLED', 'cancelled'],
    ['BATCH_STATE_EXPIRED', 'expired'],
    ['JOB_STATE_EXPIRED', 'expired'],
    ['BATCH_STATE_UNSPECIFIED', 'in_progress'],
    ['BATCH_STATE_SOMETHING_NEW', 'in_progress'],
    [undefined, 'in_progress'],
  ])('%s → %s', (state, status) => {
    expect(toBatchStatus(state)).toBe(status);
  });

  test('batchStateName strips either prefix', () => {
    expect(batchStateName('BATCH_STATE_RUNNING')).toBe('RUNNING');
    expect(batchStateName('JOB_STATE_RUNNING')).toBe('RUNNING');
    expect(batchStateName(undefined)).toBe('UNSPECIFIED');
  });
});

describe('counts and times', () => {
  test.each([
    ['12', 12],
    [12, 12],
    ['0', 0],
    [undefined, 0],
    ['', 0],
    ['not a number', 0],
  ])('parseInt64(%p) → %d', (value, expected) => {
    expect(parseInt64(value as string | number | undefined)).toBe(expected);
  });

  test('request counts from batchStats int64 strings; omitted counts are zero', () => {
    expect(toRequestCounts({ requestCount: '10', successfulRequestCount: '7', failedRequestCount: '2', pendingRequestCount: '1' })).toEqual(
      { total: 10, completed: 7, failed: 2 },
    );
    expect(toRequestCounts({ requestCount: '3', pendingRequestCount: '3' })).toEqual({ total: 3, completed: 0, failed: 0 });
    expect(toRequestCounts(undefined)).toEqual({ total: 0, completed: 0, failed: 0 });
  });

  test.each([
    ['2025-07-01T12:00:00Z', 1751371200],
    ['2025-07-01T12:00:00.999Z', 1751371200],
    ['2025-07-01T12:00:01.123456789Z', 1751371201],
    ['2025-07-01T14:00:00+02:00', 1751371200],
    [undefined, undefined],
    ['yesterday', undefined],
  ])('rfc3339ToUnixSeconds(%p) → %p', (value, expected) => {
    expect(rfc3339ToUnixSeconds(value)).toBe(expected);
  });
});

describe('toProviderBatchState', () => {
  const operation = (metadata: GeminiOperation['metadata'], extra: Partial<GeminiOperation> = {}): GeminiOperation => ({
    name: 'batches/123',
    metadata,
    ...extra,
  });

  test('a running batch: status, counts, no errors', () => {
    const state = toProviderBatchState(
      operation({
        state: 'BATCH_STATE_RUNNING',
        batchStats: { requestCount: '5', pendingRequestCount: '5' },
        createTime: '2025-07-01T12:00:00Z',
      }),
    );
    expect(state.status).toBe('in_progress');
    expect(state.requestCounts).toEqual({ total: 5, completed: 0, failed: 0 });
    expect(state.errors).toBeUndefined();
    expect(state.providerData).toMatchObject({ state: 'RUNNING', createTime: 1751371200, endTime: null, responsesFile: null });
  });

  test('a succeeded batch: the responses file is found in metadata.output or in response', () => {
    const fromMetadata = toProviderBatchState(
      operation(
        {
          state: 'BATCH_STATE_SUCCEEDED',
          output: { responsesFile: 'files/batch-1' },
          endTime: '2025-07-01T13:00:00Z',
          batchStats: { requestCount: '2', successfulRequestCount: '1', failedRequestCount: '1' },
        },
        { done: true },
      ),
    );
    expect(fromMetadata.status).toBe('completed');
    expect(fromMetadata.requestCounts).toEqual({ total: 2, completed: 1, failed: 1 });
    expect(fromMetadata.providerData).toMatchObject({ responsesFile: 'files/batch-1', endTime: 1751374800 });
    const fromResponse = toProviderBatchState(
      operation({ state: 'JOB_STATE_SUCCEEDED' }, { done: true, response: { responsesFile: 'files/batch-2' } }),
    );
    expect(fromResponse.providerData).toMatchObject({ responsesFile: 'files/batch-2' });
  });

  test('a finished Operation with an error is failed, with the error as a batch error', () => {
    const state = toProviderBatchState(
      operation(
        { state: 'BATCH_STATE_RUNNING' },
        { done: true, error: { code: 13, message: 'Internal error encountered.', status: 'INTERNAL' } },
      ),
    );
    expect(state.status).toBe('failed');
    expect(state.errors).toEqual([
      { code: 'provider_error', message: 'Gemini: Internal error encountered. (INTERNAL)', param: null, line: null },
    ]);
  });

  test('FAILED without an Operation error still explains itself', () => {
    const state = toProviderBatchState(operation({ state: 'BATCH_STATE_FAILED' }, { done: true }));
    expect(state.status).toBe('failed');
    expect(state.errors?.[0].message).toMatch(/without a reason/);
  });
});

describe('toProviderError', () => {
  const google = (code: number, status: string, message: string, details?: unknown[]) =>
    JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } });

  test('429 → ProviderUnavailableError with Retry-After', () => {
    const err = toProviderError(429, google(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded'), '7');
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect((err as ProviderUnavailableError).retryAfterSeconds).toBe(7);
    expect((err as ProviderUnavailableError).status).toBe(429);
    expect(err.message).toMatch(/429 RESOURCE_EXHAUSTED.*Quota exceeded/);
  });

  test('429 without a header → retry delay from google.rpc.RetryInfo', () => {
    const body = google(429, 'RESOURCE_EXHAUSTED', 'Slow down', [
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '27s' },
    ]);
    expect((toProviderError(429, body, null) as ProviderUnavailableError).retryAfterSeconds).toBe(27);
  });

  test.each([500, 502, 503, 504, 408])('%d → ProviderUnavailableError', (status) => {
    expect(toProviderError(status, google(status, 'UNAVAILABLE', 'x'), null)).toBeInstanceOf(ProviderUnavailableError);
  });

  test('404 on a known batch → ProviderLostBatchError; 404 elsewhere → 400 GatewayError with Google’s message', () => {
    expect(toProviderError(404, google(404, 'NOT_FOUND', 'Batch not found'), null, 'batches/1')).toBeInstanceOf(ProviderLostBatchError);
    const other = toProviderError(404, google(404, 'NOT_FOUND', 'models/palm is not found for API version v1beta'), null);
    expect(other).toBeInstanceOf(GatewayError);
    expect((other as GatewayError).status).toBe(400);
    expect((other as GatewayError).code).toBe('not_found');
    expect(other.message).toMatch(/models\/palm is not found/);
  });

  test('a rejected API key → 502 provider_auth_error, with the key redacted if echoed', () => {
    const body = google(400, 'INVALID_ARGUMENT', 'API key not valid: sk-secret', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' },
    ]);
    const err = toProviderError(400, body, null, undefined, (s) => s.split('sk-secret').join('[redacted]')) as GatewayError;
    expect(err.status).toBe(502);
    expect(err.code).toBe('provider_auth_error');
    expect(err.message).not.toContain('sk-secret');
    expect(
      (toProviderError(403, google(403, 'PERMISSION_DENIED', 'Method doesn’t allow unregistered callers'), null) as GatewayError).status,
    ).toBe(502);
  });

  test('a plain 400 → 400 invalid_request_error; a body that is not JSON still gives a message', () => {
    const err = toProviderError(400, google(400, 'INVALID_ARGUMENT', '* batch.display_name: required'), null) as GatewayError;
    expect([err.status, err.type, err.code]).toEqual([400, 'invalid_request_error', 'invalid_argument']);
    expect(toProviderError(413, '<html>too big</html>', null).message).toMatch(/too big/);
  });

  test('retryAfterSeconds reads an HTTP date too', () => {
    const now = Date.parse('2025-07-01T12:00:00Z');
    expect(retryAfterSeconds('Tue, 01 Jul 2025 12:00:30 GMT', undefined, now)).toBe(30);
    expect(retryAfterSeconds(null, undefined, now)).toBeUndefined();
  });
});
