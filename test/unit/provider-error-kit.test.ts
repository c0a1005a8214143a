import { describeError, isNetworkError, isTransientStatus, parseRetryAfter, retryAfterSeconds } from '#lambda/providers/errors';
import { toUnixSeconds } from '#lambda/time';

describe('parseRetryAfter: delay-seconds or an HTTP date', () => {
  const now = Date.parse('2025-07-01T12:00:00Z');
  test.each([
    [null, undefined],
    ['', undefined],
    ['  ', undefined],
    ['3', 3],
    ['0.2', 1],
    ['-4', 0],
    ['Tue, 01 Jul 2025 12:00:30 GMT', 30],
    ['Tue, 01 Jul 2025 11:59:00 GMT', 0],
    ['soon', undefined],
  ])('%p → %p', (raw, expected) => {
    expect(parseRetryAfter(raw, now)).toBe(expected);
  });
});

describe('retryAfterSeconds: retry-after-ms before retry-after', () => {
  test.each([
    [{}, undefined],
    [{ 'retry-after-ms': '250' }, 1],
    [{ 'retry-after-ms': '4000', 'retry-after': '9' }, 4],
    [{ 'retry-after-ms': 'x', 'retry-after': '9' }, 9],
    [{ 'retry-after': 'Thu, 01 Jan 1970 00:00:10 GMT' }, 10],
  ])('%j → %p', (headers, expected) => {
    expect(retryAfterSeconds(new Headers(headers as Record<string, string>), 0)).toBe(expected);
  });
  test('no headers → undefined', () => {
    expect(retryAfterSeconds(undefined)).toBeUndefined();
    expect(retryAfterSeconds(null)).toBeUndefined();
  });
});

describe('isNetworkError', () => {
  const withCode = (code: string) => Object.assign(new Error(`failed ${code}`), { code });
  test.each([
    ['a socket reset', withCode('ECONNRESET'), true],
    ['a DNS hiccup', withCode('EAI_AGAIN'), true],
    ['undici: a body cut off', new TypeError('terminated'), true],
    ['undici: fetch failed', new TypeError('fetch failed'), true],
    ['the cause is a socket error', new TypeError('fetch failed', { cause: withCode('UND_ERR_SOCKET') }), true],
    ['a socket error three causes down', new Error('a', { cause: new Error('b', { cause: withCode('EPIPE') }) }), true],
    ['an abort (our timeout)', Object.assign(new Error('aborted'), { name: 'AbortError' }), true],
    ['a bug in our code', new TypeError('x is not a function'), false],
    ['a plain error', new Error('plain'), false],
    ['an unrelated code', withCode('ENOENT'), false],
    ['undefined', undefined, false],
    ['a string', 'ECONNRESET', false],
  ])('%s → %s', (_label, err, expected) => {
    expect(isNetworkError(err)).toBe(expected);
  });
});

describe('isTransientStatus', () => {
  test.each([
    [408, true],
    [409, true],
    [429, true],
    [500, true],
    [529, true],
    [400, false],
    [401, false],
    [404, false],
    [413, false],
  ])('%d → %s', (status, expected) => {
    expect(isTransientStatus(status)).toBe(expected);
  });
});

describe('describeError', () => {
  test('the message, then the code of its cause (fetch hides the socket error there)', () => {
    const err = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    });
    expect(describeError(err)).toBe('fetch failed: ECONNREFUSED');
  });
  test("an SDK's own provider message (apiMessage) before its formatted message", () => {
    expect(describeError(Object.assign(new Error('400 {"type":"error"}'), { apiMessage: 'too many requests in batch' }))).toBe(
      'too many requests in batch',
    );
  });
  test('a cause without a code gives its message; a non-error its string', () => {
    expect(describeError(new Error('outer', { cause: new Error('inner') }))).toBe('outer: inner');
    expect(describeError('just text')).toBe('just text');
    expect(describeError(undefined)).toBe('undefined');
  });
  test('bounded when asked', () => {
    expect(describeError(new Error('x'.repeat(500)), 300)).toHaveLength(300);
  });
});

describe('toUnixSeconds (lambda/time.ts), the one RFC 3339 parser', () => {
  test.each([
    ['2024-09-24T18:37:24.100435Z', 1727203044],
    ['2025-07-01T12:00:00.123456789Z', 1751371200],
    ['2024-09-24T20:37:24+02:00', 1727203044],
    [new Date(1727203044_900), 1727203044],
    [null, null],
    ['', null],
    ['not a date', null],
  ] as const)('%p → %p', (value, expected) => {
    expect(toUnixSeconds(value)).toBe(expected);
  });
});
