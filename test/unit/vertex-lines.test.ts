// OpenAI lines ⇄ Vertex AI batch lines (lambda/providers/vertex/lines.ts), and the rows through the
// Gemini result converter into OpenAI output / error lines.
import {
  CUSTOM_ID_PREFIX,
  customIdOf,
  parsePredictionLine,
  statusError,
  toGeminiResult,
  toVertexInputLine,
} from '#lambda/providers/vertex/lines';
import { toGenerateContentRequest } from '#lambda/providers/gemini/request';
import { toOutputLine } from '#lambda/providers/gemini/response';
import { GeminiConversionError } from '#lambda/providers/gemini/request-error';

const body = {
  model: 'gemini-2.5-flash',
  messages: [
    { role: 'system' as const, content: 'Be brief.' },
    { role: 'user' as const, content: 'Hi' },
  ],
  max_tokens: 50,
  temperature: 0.2,
};
const context = { batchId: 'batch_test', model: 'gemini-2.5-flash', created: 1_764_748_800 };

describe('input lines', () => {
  test("the request is the Gemini converter's GenerateContentRequest; the custom_id travels as a prefixed sibling", () => {
    const line = toVertexInputLine({ custom_id: 'req-1', method: 'POST', url: '/v1/chat/completions', body });
    expect(line).toEqual({ custom_id: `${CUSTOM_ID_PREFIX}req-1`, request: toGenerateContentRequest(body) });
    expect(line.request.systemInstruction).toBeDefined();
    expect(line.request.generationConfig).toMatchObject({ maxOutputTokens: 50, temperature: 0.2 });
  });

  test('a numeric-looking custom_id stays a string once prefixed (Vertex turns "000000" into 0)', () => {
    const line = toVertexInputLine({ custom_id: '000000', method: 'POST', url: '/v1/chat/completions', body });
    expect(line.custom_id).toBe('cid-000000');
    expect(Number.isNaN(Number(line.custom_id))).toBe(true);
  });

  test('an unsupported field is refused by name, as for Gemini', () => {
    expect(() =>
      toVertexInputLine({ custom_id: 'x', method: 'POST', url: '/v1/chat/completions', body: { ...body, logit_bias: { 1: 2 } } as never }),
    ).toThrow(GeminiConversionError);
  });
});

describe('output rows', () => {
  test.each([
    [{ custom_id: 'cid-a', status: '' }, 'a'],
    [{ custom_id: 'cid-' }, ''],
    [{ custom_id: 0 }, null], // coerced by Vertex: not one of ours
    [{ custom_id: 'a' }, null], // no prefix: not one of ours
    [{}, null],
  ])('customIdOf(%j) = %p', (row, expected) => {
    expect(customIdOf(row as never)).toBe(expected);
  });

  test.each([
    [
      'Bad Request: {"error": {"code": 400, "message": "Please use a valid role: user, model.", "status": "INVALID_ARGUMENT"}}',
      { code: 400, message: 'Please use a valid role: user, model.', status: 'INVALID_ARGUMENT' },
    ],
    [
      'Too Many Requests: {"error": {"code": 429, "message": "Resource exhausted.", "status": "RESOURCE_EXHAUSTED"}}',
      { code: 429, message: 'Resource exhausted.', status: 'RESOURCE_EXHAUSTED' },
    ],
    ['Internal Server Error', { code: 500, message: 'Internal Server Error' }],
    ['Bad Request: {not json', { code: 400, message: 'Bad Request: {not json' }],
    ['something odd happened', { code: 500, message: 'something odd happened' }],
  ])('status %p → %j', (status, expected) => {
    expect(statusError(status)).toEqual(expected);
  });

  test('a row that ran becomes a chat.completion output line with usage', () => {
    const { row, customId } = parsePredictionLine(
      JSON.stringify({
        status: '',
        processed_time: '2026-12-03T10:00:00.000+00:00',
        custom_id: 'cid-req-1',
        request: { contents: [] },
        response: {
          candidates: [{ content: { role: 'model', parts: [{ text: 'Hello!' }] }, finishReason: 'STOP' }],
          modelVersion: 'gemini-2.5-flash-001@default',
          usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 2, totalTokenCount: 9 },
        },
      }),
      1,
    );
    expect(customId).toBe('req-1');
    const out = toOutputLine(toGeminiResult(row, customId!), context);
    expect(out.custom_id).toBe('req-1');
    expect(out.error).toBeNull();
    expect(out.response).toMatchObject({
      status_code: 200,
      body: {
        object: 'chat.completion',
        choices: [{ message: { content: 'Hello!' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 },
      },
    });
  });

  test("a row with an error status becomes an error line with the HTTP status and Google's message", () => {
    const row = {
      status: 'Bad Request: {"error": {"code": 400, "message": "Please use a valid role: user, model.", "status": "INVALID_ARGUMENT"}}',
      custom_id: 'cid-bad',
    };
    const out = toOutputLine(toGeminiResult(row, 'bad'), context);
    expect(out.response).toMatchObject({
      status_code: 400,
      body: { error: { message: 'Please use a valid role: user, model.', code: 'invalid_argument' } },
    });
  });

  test('a row with neither status nor response is an error line, not a success', () => {
    const out = toOutputLine(toGeminiResult({ status: '', custom_id: 'cid-x' }, 'x'), context);
    expect(out.response?.status_code).toBe(500);
  });

  test('a line that is not a JSON object is reported with its number', () => {
    expect(() => parsePredictionLine('{oops', 7)).toThrow(/line 7 is not valid JSON/);
    expect(() => parsePredictionLine('[1]', 8)).toThrow(/line 8 is not a JSON object/);
  });
});
