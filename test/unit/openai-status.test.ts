import { isKnownProviderStatus, mapBatchErrors, mapBatchStatus, mapRequestCounts } from '#lambda/providers/openai/status';
import { parseResultLine, providerMetadata, GATEWAY_BATCH_METADATA_KEY } from '#lambda/providers/openai/adapter';

describe('mapBatchStatus', () => {
  test.each([
    ['validating', 'validating'],
    ['in_progress', 'in_progress'],
    // Upstream is still writing the result files: nothing to collect yet, keep polling.
    ['finalizing', 'in_progress'],
    ['completed', 'completed'],
    ['failed', 'failed'],
    ['expired', 'expired'],
    ['cancelling', 'cancelling'],
    ['cancelled', 'cancelled'],
    // A status OpenAI may add later must not end tracking.
    ['paused', 'in_progress'],
    // Object.prototype keys are not statuses either.
    ['constructor', 'in_progress'],
  ])('%s → %s', (provider, gateway) => {
    expect(mapBatchStatus(provider)).toBe(gateway);
  });

  test('knows the eight documented statuses and nothing else', () => {
    expect(
      ['validating', 'in_progress', 'finalizing', 'completed', 'failed', 'expired', 'cancelling', 'cancelled'].every(isKnownProviderStatus),
    ).toBe(true);
    expect(isKnownProviderStatus('paused')).toBe(false);
    expect(isKnownProviderStatus('toString')).toBe(false);
  });
});

describe('mapRequestCounts', () => {
  test.each([
    [
      { total: 10, completed: 7, failed: 3 },
      { total: 10, completed: 7, failed: 3 },
    ],
    [undefined, { total: 0, completed: 0, failed: 0 }],
    [null, { total: 0, completed: 0, failed: 0 }],
    [{ total: 4 }, { total: 4, completed: 0, failed: 0 }],
  ])('%j → %j', (input, expected) => {
    expect(mapRequestCounts(input as never)).toEqual(expected);
  });
});

describe('mapBatchErrors', () => {
  test.each([
    [null, []],
    [undefined, []],
    [{ object: 'list', data: [] }, []],
    [
      { object: 'list', data: [{ code: 'duplicate_custom_id', message: 'dup', param: 'custom_id', line: 3 }] },
      [{ code: 'duplicate_custom_id', message: 'dup', param: 'custom_id', line: 3 }],
    ],
    // Every key is optional in the SDK type; ours are all set.
    [
      { data: [{}] },
      [{ code: 'provider_error', message: 'OpenAI reported an error for this batch without a message.', param: null, line: null }],
    ],
    [
      { data: [{ code: 'empty_file', message: 'empty', param: null, line: null }] },
      [{ code: 'empty_file', message: 'empty', param: null, line: null }],
    ],
  ])('%j', (input, expected) => {
    expect(mapBatchErrors(input as never)).toEqual(expected);
  });
});

describe('parseResultLine', () => {
  test("drops OpenAI's line id and keeps custom_id, response and error", () => {
    const line = {
      id: 'batch_req_1',
      custom_id: 'a',
      response: { status_code: 200, request_id: 'req_1', body: { ok: true } },
      error: null,
    };
    expect(parseResultLine(JSON.stringify(line), 'file-x', 1)).toEqual({ custom_id: 'a', response: line.response, error: null });
  });

  test('keeps a non-HTTP error line', () => {
    const line = { id: 'batch_req_2', custom_id: 'b', response: null, error: { code: 'batch_cancelled', message: 'm' } };
    expect(parseResultLine(JSON.stringify(line), 'file-x', 2)).toEqual({
      custom_id: 'b',
      response: null,
      error: { code: 'batch_cancelled', message: 'm' },
    });
  });

  test.each([
    ['{not json', /line 4 is not valid JSON/],
    ['{"response":null}', /line 4 has no custom_id/],
    ['[1,2]', /line 4 has no custom_id/],
  ])('rejects %s', (text, message) => {
    expect(() => parseResultLine(text, 'file-x', 4)).toThrow(message);
  });
});

describe('providerMetadata', () => {
  test('adds the gateway batch id', () => {
    expect(providerMetadata({ team: 'x' }, 'batch_1')).toEqual({ team: 'x', [GATEWAY_BATCH_METADATA_KEY]: 'batch_1' });
    expect(providerMetadata(null, 'batch_1')).toEqual({ [GATEWAY_BATCH_METADATA_KEY]: 'batch_1' });
  });

  test("never exceeds OpenAI's 16 pairs nor overwrites a client key", () => {
    const full = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v']));
    expect(providerMetadata(full, 'batch_1')).toEqual(full);
    expect(providerMetadata({ [GATEWAY_BATCH_METADATA_KEY]: 'mine' }, 'batch_1')).toEqual({ [GATEWAY_BATCH_METADATA_KEY]: 'mine' });
  });
});
