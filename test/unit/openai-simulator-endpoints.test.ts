// The OpenAI simulator's answers per batch endpoint: OpenAI's shapes (checked against its schemas) and
// the per-line rules of the real API it enforces.
import { ENDPOINT_ANSWERS, SIMULATE_FLAGGED_MARKER } from '#local/simulators/openai/endpoint-answers';
import { schemaErrors, type OpenAISchemaName } from '#test/support/openai-schema';

const ids = { completionId: 'chatcmpl-abc123', created: 1_750_000_000 };
const answer = (endpoint: string, body: unknown, extra: Partial<typeof ids & { rateLimited: boolean }> = {}) =>
  ENDPOINT_ANSWERS[endpoint].answer(body, { ...ids, ...extra });

describe('OpenAI simulator: answers per endpoint', () => {
  test.each([
    ['/v1/responses', { model: 'gpt-4o-mini', input: 'Hello there', instructions: 'Be brief.' }, 'Response'],
    [
      '/v1/responses',
      { model: 'gpt-4o-mini', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }], max_output_tokens: 16 },
      'Response',
    ],
    ['/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi' }, 'CreateCompletionResponse'],
    ['/v1/moderations', { input: ['a', 'b'] }, 'CreateModerationResponse'],
  ] as const)('%s %j answers a %s', (endpoint, body, schema) => {
    const result = answer(endpoint, body);
    expect(result.statusCode).toBe(200);
    expect(schemaErrors(schema as OpenAISchemaName, result.body)).toEqual([]);
  });

  test('a Responses answer cut by max_output_tokens is incomplete, with its usage', () => {
    const result = answer('/v1/responses', {
      model: 'gpt-4o-mini',
      input: 'Tell me a very long story about the sea and its ships',
      max_output_tokens: 16,
    });
    expect(result.body).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      usage: { output_tokens: 16 },
    });
    expect(result.completionTokens).toBe(16);
  });

  test.each([
    ['/v1/responses', { model: 'gpt-4o-mini', input: 'x', max_output_tokens: 15 }, 400, 'integer_below_min_value'],
    ['/v1/responses', { model: 'gpt-4o-mini' }, 400, 'missing_required_parameter'],
    ['/v1/responses', { model: 'invalid-model', input: 'x' }, 404, 'model_not_found'],
    ['/v1/responses', { model: 'gpt-4o-mini', input: 'x [simulate-error]' }, 400, 'simulated_error'],
    ['/v1/completions', { model: 'gpt-4o-mini', prompt: 'x' }, 404, null],
    ['/v1/completions', { prompt: 'x' }, 400, null],
    ['/v1/moderations', { model: 'gpt-4o-mini', input: 'x' }, 400, 'invalid_value'],
    ['/v1/moderations', { input: [] }, 400, 'missing_required_parameter'],
  ])('%s %j → %d %s', (endpoint, body, status, code) => {
    const result = answer(endpoint, body);
    expect(result.statusCode).toBe(status);
    expect((result.body as { error: { code: string | null } }).error.code).toBe(code);
    expect(result.promptTokens + result.completionTokens).toBe(0);
  });

  test('a rate-limited request answers 429 on every endpoint', () => {
    for (const [endpoint, body] of [
      ['/v1/responses', { model: 'm', input: 'x' }],
      ['/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'x' }],
      ['/v1/moderations', { input: 'x' }],
    ] as const) {
      expect(answer(endpoint, body, { rateLimited: true }).statusCode).toBe(429);
    }
  });

  test('moderation flags the marked input only', () => {
    const result = answer('/v1/moderations', { input: ['fine', `bad ${SIMULATE_FLAGGED_MARKER}`] }).body as {
      results: Array<{ flagged: boolean; categories: Record<string, boolean> }>;
    };
    expect(result.results.map((r) => r.flagged)).toEqual([false, true]);
    expect(result.results[1].categories.violence).toBe(true);
  });
});
