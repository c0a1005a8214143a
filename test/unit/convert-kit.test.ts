import {
  appendTurn,
  maxTokensField,
  parseDataUrl,
  parseToolArguments,
  readMaxTokens,
  readStopSequences,
  type Turn,
} from '#lambda/providers/convert/chat-request';
import { ConversionError } from '#lambda/providers/convert/conversion-error';
import { BedrockTranslationError } from '#lambda/providers/bedrock/translate-common';
import { GeminiConversionError } from '#lambda/providers/gemini/request';
import { ConversionError as AnthropicConversionError } from '#lambda/providers/anthropic/request';
import type { ChatCompletionRequest } from '#contracts/openai-types';
import { thrownBy } from '#test/support/errors';

const body = (extra: Record<string, unknown>) =>
  ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra }) as ChatCompletionRequest;

const thrown = (fn: () => unknown) => thrownBy(fn, ConversionError);

describe('the shared converter kit', () => {
  it('is the one error class every converter throws', () => {
    expect(BedrockTranslationError).toBe(ConversionError);
    expect(GeminiConversionError).toBe(ConversionError);
    expect(AnthropicConversionError).toBe(ConversionError);
    const error = new ConversionError('body.n', 'body.n must be 1.').atLine(7);
    expect([error.status, error.param, error.message, error.code]).toEqual([
      400,
      'body.n',
      'Line 7: body.n must be 1.',
      'unsupported_for_model',
    ]);
  });

  test.each([
    [{ max_tokens: 10 }, 'max_tokens', 10],
    [{ max_tokens: 10, max_completion_tokens: 5 }, 'max_completion_tokens', 5],
    [{ max_tokens: 10, max_completion_tokens: null }, 'max_tokens', 10],
    [{}, 'max_tokens', undefined],
  ])('max tokens of %j: %s wins', (extra, field, value) => {
    expect(maxTokensField(body(extra))).toBe(field);
    expect(readMaxTokens(body(extra))).toBe(value);
  });

  test.each([[0], [1.5], ['8']])('max_completion_tokens %j is refused, the prefix naming the field', (value) => {
    const error = thrown(() => readMaxTokens(body({ max_completion_tokens: value }), 'body.'));
    expect(error.field).toBe('body.max_completion_tokens');
    expect(error.message).toMatch(/^body\.max_completion_tokens must be a positive integer/);
  });

  test.each([
    ['x', ['x']],
    [
      ['a', 'b'],
      ['a', 'b'],
    ],
    [[], undefined],
    [null, undefined],
  ])('stop %j → %j', (stop, expected) => expect(readStopSequences(body({ stop }))).toEqual(expected));

  it('refuses a stop list that is not strings', () => expect(thrown(() => readStopSequences(body({ stop: [1] }))).field).toBe('stop'));

  test.each([
    ['data:IMAGE/PNG;base64,AAA=', { mediaType: 'image/png', data: 'AAA=' }],
    ['data:image/png,AAA=', null],
    ['https://example.com/a.png', null],
  ])('data URL %s', (url, expected) => expect(parseDataUrl(url)).toEqual(expected));

  test.each([
    ['{"a":1}', { a: 1 }],
    ['  ', {}],
    [undefined, {}],
  ])('tool arguments %j', (args, expected) => expect(parseToolArguments(args, 'f')).toEqual(expected));

  test.each([
    [42, /JSON string/],
    ['{bad', /not valid JSON/],
    ['[1]', /JSON object/],
  ])('tool arguments %j are refused', (args, message) => {
    const error = thrown(() => parseToolArguments(args, 'messages[1].tool_calls[0].function.arguments'));
    expect(error.field).toBe('messages[1].tool_calls[0].function.arguments');
    expect(error.message).toMatch(message);
  });

  it('merges same-role turns and skips empty ones', () => {
    const turns: Array<Turn<'user' | 'assistant', string>> = [];
    appendTurn(turns, 'user', ['a']);
    appendTurn(turns, 'user', ['b']);
    appendTurn(turns, 'assistant', []);
    appendTurn(turns, 'assistant', ['c']);
    expect(turns).toEqual([
      { role: 'user', content: ['a', 'b'] },
      { role: 'assistant', content: ['c'] },
    ]);
  });
});
