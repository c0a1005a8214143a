// Gemini results → OpenAI output/error lines (lambda/providers/gemini/response.ts), table-driven.
import {
  blockedReason,
  httpStatusOf,
  parseResponseLine,
  toChatCompletion,
  toChatUsage,
  toFinishReason,
  toOutputLine,
  type ResultContext,
} from '#lambda/providers/gemini/response';
import type { GenerateContentResponse } from '#lambda/providers/gemini/types';
import type { ChatCompletion } from '#contracts/openai-types';

const context: ResultContext = { batchId: 'batch_abc', model: 'gemini-2.5-flash', created: 1_760_000_000 };

const textResponse = (text: string, finishReason = 'STOP', extra: Partial<GenerateContentResponse> = {}): GenerateContentResponse => ({
  candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason, index: 0 }],
  usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
  modelVersion: 'gemini-2.5-flash-001',
  responseId: 'resp-1',
  ...extra,
});

describe('toFinishReason', () => {
  test.each([
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool_calls'],
    ['MAX_TOKENS', false, 'length'],
    ['MAX_TOKENS', true, 'length'],
    ['SAFETY', false, 'content_filter'],
    ['RECITATION', false, 'content_filter'],
    ['BLOCKLIST', false, 'content_filter'],
    ['PROHIBITED_CONTENT', false, 'content_filter'],
    ['SPII', false, 'content_filter'],
    ['IMAGE_SAFETY', false, 'content_filter'],
    ['LANGUAGE', false, 'stop'],
    ['OTHER', false, 'stop'],
    ['MALFORMED_FUNCTION_CALL', false, 'stop'],
    ['FINISH_REASON_UNSPECIFIED', false, 'stop'],
    [undefined, false, 'stop'],
  ])('%s (tool calls: %s) → %s', (reason, hasToolCalls, expected) => {
    expect(toFinishReason(reason, hasToolCalls)).toBe(expected);
  });
});

describe('toChatUsage', () => {
  test.each([
    [
      'plain',
      { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
      { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cached: 0, reasoning: 0 },
    ],
    [
      'thinking tokens count as completion (reasoning) tokens, cached tokens reported',
      { promptTokenCount: 100, candidatesTokenCount: 20, thoughtsTokenCount: 30, cachedContentTokenCount: 60, totalTokenCount: 150 },
      { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150, cached: 60, reasoning: 30 },
    ],
    [
      'counts omitted (proto3 zero) → 0, total computed',
      { promptTokenCount: 7 },
      { prompt_tokens: 7, completion_tokens: 0, total_tokens: 7, cached: 0, reasoning: 0 },
    ],
    ['no usageMetadata at all', undefined, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached: 0, reasoning: 0 }],
  ])('%s', (_name, usage, expected) => {
    expect(toChatUsage(usage)).toEqual({
      prompt_tokens: expected.prompt_tokens,
      completion_tokens: expected.completion_tokens,
      total_tokens: expected.total_tokens,
      prompt_tokens_details: { cached_tokens: expected.cached },
      completion_tokens_details: { reasoning_tokens: expected.reasoning },
    });
  });
});

describe('toChatCompletion', () => {
  test('text parts are joined, thought parts skipped; ids, model and created come from the response and context', () => {
    const response: GenerateContentResponse = {
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'Let me think…', thought: true }, { text: 'Paris is ' }, { text: 'the capital.' }] },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 6, thoughtsTokenCount: 4, totalTokenCount: 18 },
      modelVersion: 'gemini-2.5-flash-001',
      responseId: 'abc123',
    };
    expect(toChatCompletion(response, context, 'req-1')).toEqual({
      id: 'chatcmpl-abc123',
      object: 'chat.completion',
      created: context.created,
      model: 'gemini-2.5-flash-001',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Paris is the capital.', refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 8,
        completion_tokens: 10,
        total_tokens: 18,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 4 },
      },
      system_fingerprint: null,
    });
  });

  test('functionCall parts → tool_calls with stable, distinct ids, content null and finish_reason tool_calls', () => {
    const response: GenerateContentResponse = {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'get_time' } }],
          },
          finishReason: 'STOP',
        },
      ],
      responseId: 'r-9',
    };
    const first = toChatCompletion(response, context, 'req-1');
    const again = toChatCompletion(response, context, 'req-1');
    const message = first.choices[0].message;
    expect(message.content).toBeNull();
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(message.tool_calls?.map((c) => c.function)).toEqual([
      { name: 'get_weather', arguments: '{"city":"Paris"}' },
      { name: 'get_time', arguments: '{}' },
    ]);
    expect(message.tool_calls?.[0].id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(message.tool_calls?.[0].id).not.toBe(message.tool_calls?.[1].id);
    expect(again.choices[0].message.tool_calls).toEqual(message.tool_calls);
  });

  test('several candidates → several choices; missing responseId and modelVersion fall back to stable ids and the batch model', () => {
    const response: GenerateContentResponse = {
      candidates: [
        { content: { role: 'model', parts: [{ text: 'A' }] }, finishReason: 'STOP', index: 0 },
        { content: { role: 'model', parts: [{ text: 'B' }] }, finishReason: 'MAX_TOKENS', index: 1 },
      ],
    };
    const completion = toChatCompletion(response, context, 'req-2');
    expect(completion.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'A', 'stop'],
      [1, 'B', 'length'],
    ]);
    expect(completion.model).toBe('gemini-2.5-flash');
    expect(completion.id).toMatch(/^chatcmpl-[A-Za-z0-9]{24}$/);
    expect(toChatCompletion(response, context, 'req-2').id).toBe(completion.id);
    expect(toChatCompletion(response, context, 'req-3').id).not.toBe(completion.id);
  });
});

describe('blockedReason', () => {
  test.each<[string, GenerateContentResponse, RegExp | null]>([
    ['an ordinary answer', textResponse('Hi'), null],
    [
      'a blocked prompt (no candidates, promptFeedback.blockReason)',
      {
        promptFeedback: {
          blockReason: 'SAFETY',
          safetyRatings: [
            { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH' },
            { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
          ],
        },
      },
      /blocked the prompt \(blockReason SAFETY; categories: HARM_CATEGORY_DANGEROUS_CONTENT\)/,
    ],
    [
      'a candidate stopped by the safety filter with no content',
      {
        candidates: [
          { finishReason: 'SAFETY', safetyRatings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'MEDIUM', blocked: true }] },
        ],
      },
      /blocked the response \(finishReason SAFETY; categories: HARM_CATEGORY_HATE_SPEECH\)/,
    ],
    ['a candidate cut by RECITATION after some text is still an answer', textResponse('Partial', 'RECITATION'), null],
    ['no candidates and no block reason is not a block', { candidates: [] }, null],
  ])('%s', (_name, response, expected) => {
    const reason = blockedReason(response);
    if (expected === null) expect(reason).toBeNull();
    else expect(reason).toMatch(expected);
  });
});

describe('httpStatusOf', () => {
  test.each([
    [{ code: 400, status: 'INVALID_ARGUMENT' }, 400],
    [{ code: 3, status: 'INVALID_ARGUMENT' }, 400],
    [{ code: 8 }, 429],
    [{ code: 13 }, 500],
    [{ code: 14 }, 503],
    [{ status: 'NOT_FOUND' }, 404],
    [{ status: 'DEADLINE_EXCEEDED' }, 504],
    [{}, 500],
  ])('%j → %d', (error, status) => {
    expect(httpStatusOf(error)).toBe(status);
  });
});

describe('toOutputLine', () => {
  test('a response line → success line with a chat.completion body', () => {
    const line = toOutputLine({ key: 'request-1', response: textResponse('4') }, context);
    expect(line.error).toBeNull();
    expect(line.custom_id).toBe('request-1');
    expect(line.response?.status_code).toBe(200);
    expect(line.response?.request_id).toBe('resp-1');
    const body = line.response?.body as ChatCompletion;
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.content).toBe('4');
    expect(body.usage.total_tokens).toBe(15);
  });

  test.each<[string, Parameters<typeof toOutputLine>[0], number, string, string | null, RegExp]>([
    [
      'an error line (HTTP-style code) keeps its status, type and message',
      { key: 'k', error: { code: 400, message: 'Invalid value at contents[0].role', status: 'INVALID_ARGUMENT' } },
      400,
      'invalid_request_error',
      'invalid_argument',
      /Invalid value at contents\[0\]\.role/,
    ],
    [
      'an error line with a gRPC code',
      { key: 'k', error: { code: 8, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } },
      429,
      'rate_limit_error',
      'resource_exhausted',
      /Quota exceeded/,
    ],
    [
      'an internal error',
      { key: 'k', error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } },
      500,
      'server_error',
      'internal',
      /internal error/,
    ],
    [
      'a blocked prompt → 400 content_filter',
      { key: 'k', response: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 3 } } },
      400,
      'invalid_request_error',
      'content_filter',
      /blocked the prompt \(blockReason PROHIBITED_CONTENT\)/,
    ],
    [
      'a safety-blocked candidate → 400 content_filter',
      { key: 'k', response: { candidates: [{ finishReason: 'SAFETY' }] } },
      400,
      'invalid_request_error',
      'content_filter',
      /blocked the response/,
    ],
    [
      'no candidates and no block reason → 500',
      { key: 'k', response: { candidates: [] } },
      500,
      'server_error',
      'provider_error',
      /no candidates/,
    ],
    ['neither response nor error → 500', { key: 'k' }, 500, 'server_error', 'provider_error', /neither a response nor an error/],
  ])('%s', (_name, input, status, type, code, message) => {
    const line = toOutputLine(input, context);
    expect(line.custom_id).toBe('k');
    expect(line.error).toBeNull();
    expect(line.response?.status_code).toBe(status);
    expect(line.response?.request_id).toEqual(expect.any(String));
    const error = (line.response?.body as { error: { message: string; type: string; code: string | null } }).error;
    expect(error.type).toBe(type);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });
});

describe('parseResponseLine', () => {
  test('reads a keyed line, and the key from metadata when it sits there', () => {
    expect(parseResponseLine('{"key":"a","response":{}}', 1)).toEqual({ key: 'a', response: {} });
    expect(parseResponseLine('{"metadata":{"key":"b"},"error":{"code":500}}', 2).key).toBe('b');
  });
  test.each([
    ['not JSON', '{"key":', /line 3 is not valid JSON/],
    ['not an object', '[1]', /line 3 is not a JSON object/],
    ['no key', '{"response":{}}', /line 3 has no key/],
  ])('rejects %s, naming the line', (_name, text, message) => {
    expect(() => parseResponseLine(text, 3)).toThrow(message);
  });
});
