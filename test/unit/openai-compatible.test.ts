// The quirks of the OpenAI-shaped providers (contracts/providers.ts), table-tested: completion
// windows, the gateway's own window rule, the adapter's cheap checks, and Together's job → Batch.
import { completionWindowHours, openaiCompatibleQuirks, type ProviderName } from '#contracts/providers';
import { checkCompatibleBatch, checkCompatibleFile, windowText } from '#lambda/providers/openai/quirks';
import { togetherJobToBatch } from '#lambda/providers/openai/wire';
import { completionWindowSeconds, parseBatchCreate } from '#lambda/batches/create';
import { GatewayError } from '#lambda/http/errors';

const quirks = (provider: ProviderName) => openaiCompatibleQuirks(provider)!;

test.each([
  ['24h', 24],
  ['48h', 48],
  ['7d', 168],
  ['1d', 24],
  ['168h', 168],
  ['0h', null],
  ['24', null],
  ['1w', null],
  ['24H', null],
  [' 24h', null],
  [24, null],
  [undefined, null],
])('completionWindowHours(%p) = %p', (window, hours) => {
  expect(completionWindowHours(window)).toBe(hours);
});

describe.each([
  // provider, window, accepted
  ['openai', '24h', true],
  ['openai', '48h', false],
  ['groq', '24h', true],
  ['groq', '48h', true],
  ['groq', '7d', true],
  ['groq', '168h', true],
  ['groq', '8d', false],
  ['groq', '12h', false],
  ['together', '24h', true],
  ['together', '48h', false],
] as Array<[ProviderName, string, boolean]>)('%s with completion_window %s', (provider, window, accepted) => {
  test(
    accepted ? 'accepted by the adapter and by batches.create naming the provider' : 'refused with 400 invalid_completion_window',
    () => {
      const check = () => checkCompatibleBatch('P', quirks(provider), { endpoint: '/v1/chat/completions', completionWindow: window });
      const parse = () =>
        parseBatchCreate({ input_file_id: 'file-abc', endpoint: '/v1/chat/completions', completion_window: window, provider });
      if (accepted) {
        expect(check).not.toThrow();
        expect(parse().completionWindow).toBe(window);
        return;
      }
      for (const refuse of [check, parse]) {
        const err = (() => {
          try {
            refuse();
          } catch (e) {
            return e;
          }
          return null;
        })();
        expect(err).toBeInstanceOf(GatewayError);
        expect(err).toMatchObject({ status: 400, param: 'completion_window', code: 'invalid_completion_window' });
      }
    },
  );
});

test('a longer window without naming the provider is refused: only 24h is certain to run anywhere', () => {
  expect(() => parseBatchCreate({ input_file_id: 'file-abc', endpoint: '/v1/chat/completions', completion_window: '48h' })).toThrow(
    /only supported value is "24h"/,
  );
  expect(completionWindowSeconds('7d')).toBe(7 * 24 * 3600);
  expect(completionWindowSeconds('24h')).toBe(24 * 3600);
});

test.each([
  ['openai', '"24h" only'],
  ['groq', '"24h" to "7d"'],
  ['together', '"24h" only'],
] as Array<[ProviderName, string]>)('%s: the error names its windows (%s)', (provider, text) => {
  expect(windowText(quirks(provider))).toBe(text);
});

test.each([
  ['groq', { bytes: 100 * 1024 * 1024 + 1, lineCount: 1 }, 'file_too_large'],
  ['together', { bytes: 100 * 1024 * 1024 + 1, lineCount: 1 }, 'file_too_large'],
  ['openai', { bytes: 100 * 1024 * 1024 + 1, lineCount: 1 }, null],
  ['groq', { bytes: 10, lineCount: 50_001 }, 'too_many_requests'],
  ['groq', { bytes: 10, lineCount: 50_000 }, null],
  ['together', { bytes: 10, lineCount: 2, endpoint: '/v1/embeddings' }, 'invalid_url'],
] as Array<[ProviderName, { bytes: number; lineCount: number; endpoint?: string }, string | null]>)(
  '%s: a file of %j → %s',
  (provider, file, code) => {
    const check = () => checkCompatibleFile('P', quirks(provider), { id: 'file-x', ...file });
    if (code === null) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ status: 400, code }));
  },
);

test('an endpoint the provider does not run is refused at create', () => {
  expect(() => checkCompatibleBatch('Groq', quirks('groq'), { endpoint: '/v1/embeddings', completionWindow: '24h' })).toThrow(
    expect.objectContaining({ status: 400, param: 'endpoint' }),
  );
});

describe("Together's job as OpenAI's Batch", () => {
  test.each([
    ['VALIDATING', 'validating'],
    ['IN_PROGRESS', 'in_progress'],
    ['COMPLETED', 'completed'],
    ['FAILED', 'failed'],
    ['EXPIRED', 'expired'],
    ['CANCELLED', 'cancelled'],
  ])('status %s → %s', (status, expected) => {
    expect(togetherJobToBatch({ id: 'batch-1', status }).status).toBe(expected);
  });

  test('ISO times become unix seconds; empty file ids and a missing error are absent; an error string is a BatchError', () => {
    const done = togetherJobToBatch({
      id: 'batch-1',
      status: 'COMPLETED',
      input_file_id: 'file-in',
      output_file_id: 'file-out',
      error_file_id: '',
      created_at: '2026-12-03T10:00:00Z',
      completed_at: '2026-12-03T11:00:01.500Z',
      model_id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    });
    expect(done).toMatchObject({
      id: 'batch-1',
      input_file_id: 'file-in',
      output_file_id: 'file-out',
      created_at: 1796292000,
      completed_at: 1796295601,
      model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    });
    expect(done.error_file_id).toBeUndefined();
    expect(done.errors).toBeUndefined();
    const failed = togetherJobToBatch({
      id: 'batch-2',
      status: 'FAILED',
      error: 'input file has an invalid line',
      created_at: 'not a date',
    });
    expect(failed.created_at).toBe(0);
    expect(failed.errors?.data).toEqual([{ code: 'provider_error', message: 'input file has an invalid line', param: null, line: null }]);
  });
});
