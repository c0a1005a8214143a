// Which failed lines a retry runs again, table-driven over the error-line shapes every provider writes.
import { failureIdentifiers, parseRetryOptions, RetrySelection } from '#lambda/retries/select';
import { GatewayError } from '#lambda/http/errors';
import { thrownBy } from '#test/support/errors';

const httpError = (id: string, status: number, type: string, code: string | null) => ({
  custom_id: id,
  response: { status_code: status, request_id: 'r', body: { error: { message: 'm', type, param: null, code } } },
  error: null,
});
const notRun = (id: string, code: string) => ({ custom_id: id, response: null, error: { code, message: 'm' } });

test.each([
  ['OpenAI rate limit', httpError('a', 429, 'requests', 'rate_limit_exceeded'), ['429', 'rate_limit_exceeded', 'requests']],
  ['Anthropic / Bedrock rate limit', httpError('a', 429, 'rate_limit_error', null), ['429', 'rate_limit_error']],
  ['Gemini quota', httpError('a', 429, 'rate_limit_error', 'resource_exhausted'), ['429', 'resource_exhausted', 'rate_limit_error']],
  ['server error', httpError('a', 500, 'server_error', null), ['500', 'server_error']],
  ['expired before it ran', notRun('a', 'batch_expired'), ['batch_expired']],
  ['cancelled before it ran', notRun('a', 'batch_cancelled'), ['batch_cancelled']],
  ['not a line', 'junk', []],
])('%s → %j', (_what, line, ids) => {
  expect(failureIdentifiers(line)).toEqual(ids);
});

test('only chosen failures, never a line that also succeeded', () => {
  const selection = new RetrySelection(['429', 'batch_expired']);
  selection.addErrorLine(httpError('limited', 429, 'rate_limit_error', null));
  selection.addErrorLine(httpError('bad', 400, 'invalid_request_error', null));
  selection.addErrorLine(notRun('late', 'batch_expired'));
  selection.addErrorLine(notRun('dup', 'batch_expired'));
  selection.addOutputLine({ custom_id: 'dup' });
  expect(['limited', 'bad', 'late', 'dup', 'other'].filter((id) => selection.includes(id))).toEqual(['limited', 'late']);
  expect(selection.size).toBe(2);
  const all = new RetrySelection(null);
  all.addErrorLine(httpError('bad', 400, 'invalid_request_error', null));
  expect(all.includes('bad')).toBe(true);
});

test.each([
  [{ error_codes: [] }, 'invalid_error_codes'],
  [{ error_codes: 'all' }, 'invalid_error_codes'],
  [{ error_codes: [429] }, 'invalid_error_codes'],
  [{ model: '' }, 'invalid_model'],
  [{ auto: true }, 'unknown_parameter'],
])('options %j are refused (%s)', (body, code) => {
  expect(thrownBy(() => parseRetryOptions(body), GatewayError).code).toBe(code);
});

test('options: defaults and duplicates', () => {
  expect(parseRetryOptions({})).toEqual({ errorCodes: null, provider: undefined, model: null });
  expect(parseRetryOptions({ error_codes: ['429', '429'], provider: 'gemini', model: 'm' })).toEqual({
    errorCodes: ['429'],
    provider: 'gemini',
    model: 'm',
  });
});
