import { parseInputLine, validateBatchFile } from '#lambda/batch-files/validate';
import { ENDPOINTS, OPENAI_ENDPOINTS, TRANSLATED_CHAT_ENDPOINTS } from '#lambda/batch-files/endpoints';
import { LineError, type Line } from '#lambda/batch-files/lines';
import { thrownBy } from '#test/support/errors';

const line = (url: string, body: Record<string, unknown>, id = 'r1') => JSON.stringify({ custom_id: id, method: 'POST', url, body });

async function* linesOf(texts: string[]): AsyncGenerator<Line> {
  let n = 0;
  for (const text of texts) yield { number: ++n, text };
}

const errorOf = (fn: () => unknown) => thrownBy(fn, LineError);

describe('the endpoint table', () => {
  test.each([
    ['/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }],
    ['/v1/responses', { model: 'gpt-4o-mini', input: 'hi' }],
    [
      '/v1/responses',
      {
        model: 'gpt-4o-mini',
        input: [{ role: 'user', content: 'hi' }],
        instructions: 'be brief',
        max_output_tokens: 20,
        tools: [{ type: 'function', name: 'f' }],
      },
    ],
    ['/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi' }],
    ['/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: [[1, 2, 3]] }],
    ['/v1/moderations', { input: 'some text' }],
    ['/v1/moderations', { model: 'omni-moderation-latest', input: [{ type: 'text', text: 'x' }] }],
  ])('%s accepts %j', (url, body) => {
    expect(parseInputLine({ number: 1, text: line(url, body) }).url).toBe(url);
  });

  test.each([
    ['/v1/responses', { model: 'm' }, 'invalid_input', /body.input must be a string or a non-empty array/],
    ['/v1/responses', { model: 'm', input: [] }, 'invalid_input', /body.input/],
    ['/v1/responses', { model: 'm', input: ['x'] }, 'invalid_input', /body.input\[0\] must be an object/],
    ['/v1/responses', { input: 'x' }, 'missing_model', /body.model is required/],
    ['/v1/responses', { model: 'm', input: 'x', max_output_tokens: 0 }, 'invalid_body', /body.max_output_tokens/],
    ['/v1/responses', { model: 'm', input: 'x', stream: true }, 'unsupported_parameter', /body.stream is not supported/],
    ['/v1/responses', { model: 'm', input: 'x', background: true }, 'unsupported_parameter', /body.background is not supported/],
    ['/v1/completions', { model: 'm', prompt: 3 }, 'invalid_body', /body.prompt must be/],
    ['/v1/completions', { model: 'm', prompt: 'x', stream: true }, 'invalid_body', /stream/],
    ['/v1/completions', { prompt: 'x' }, 'missing_model', /body.model is required/],
    ['/v1/moderations', { input: 7 }, 'invalid_input', /body.input must be/],
    ['/v1/moderations', { model: 5, input: 'x' }, 'missing_model', /body.model/],
  ])('%s refuses %j naming the line and field', (url, body, code, message) => {
    const error = errorOf(() => parseInputLine({ number: 4, text: line(url, body) }));
    expect(error).toBeInstanceOf(LineError);
    expect([error.status, error.code, error.line]).toEqual([400, code, 4]);
    expect(error.message).toMatch(/^Line 4: /);
    expect(error.message).toMatch(message);
  });

  it('an unknown url is refused, listing the table', () => {
    const error = errorOf(() => parseInputLine({ number: 2, text: line('/v1/images/generations', { model: 'm' }) }));
    expect(error.code).toBe('invalid_url');
    for (const endpoint of Object.keys(ENDPOINTS)) expect(error.message).toContain(endpoint);
  });
});

describe('which provider runs which endpoint, at upload', () => {
  const chat = line('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, 'a');
  const completion = (id: string) => line('/v1/completions', { model: 'm', prompt: 'x' }, id);

  it('refuses an endpoint the provider does not run, naming provider, endpoint and line', async () => {
    const error = await validateBatchFile(linesOf(['', completion('a')]), 100, {
      provider: 'anthropic',
      endpoints: TRANSLATED_CHAT_ENDPOINTS,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(LineError);
    expect([error.status, error.code, error.line]).toEqual([400, 'unsupported_endpoint', 2]);
    expect(error.message).toMatch(/^Line 2: url \/v1\/completions: provider 'anthropic' does not run \/v1\/completions batches/);
  });

  it('runs every table endpoint on OpenAI', async () => {
    const summary = await validateBatchFile(linesOf([completion('a'), completion('b')]), 100, {
      provider: 'openai',
      endpoints: OPENAI_ENDPOINTS,
    });
    expect(summary).toEqual({ lineCount: 2, model: 'm', models: ['m'], endpoint: '/v1/completions' });
  });

  it('keeps the one-url rule, with the line number', async () => {
    const error = await validateBatchFile(linesOf([chat, completion('b')]), 100, { provider: 'openai', endpoints: OPENAI_ENDPOINTS }).catch(
      (e) => e,
    );
    expect([error.code, error.line]).toEqual(['url_mismatch', 2]);
  });

  it('a moderations file without models has no model', async () => {
    const summary = await validateBatchFile(linesOf([line('/v1/moderations', { input: 'x' })]));
    expect(summary.model).toBeNull();
  });
});

describe('OpenAI-only rules of an endpoint', () => {
  const small = line('/v1/responses', { model: 'gpt-4o-mini', input: 'x', max_output_tokens: 8 });

  it('max_output_tokens below 16 is refused for OpenAI, naming line and field', async () => {
    const error = await validateBatchFile(linesOf([small]), 100, { provider: 'openai', endpoints: OPENAI_ENDPOINTS }).catch((e) => e);
    expect([error.code, error.line]).toEqual(['integer_below_min_value', 1]);
    expect(error.message).toMatch(/^Line 1: body\.max_output_tokens must be at least 16/);
  });

  it('passes where the gateway translates the line', async () => {
    const summary = await validateBatchFile(linesOf([small]), 100, { provider: 'gemini', endpoints: TRANSLATED_CHAT_ENDPOINTS });
    expect(summary.endpoint).toBe('/v1/responses');
  });
});
