import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import { finishReasonOf, resultToLine, statusForErrorType, toChatCompletion } from '#lambda/providers/anthropic/response';

function message(overrides: Partial<Message> & { usage?: Partial<Message['usage']> } = {}): Message {
  const { usage, ...rest } = overrides;
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [{ type: 'text', text: 'Hello', citations: null }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    ...rest,
    usage: {
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: null,
      cache_creation: null,
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: 'batch',
      speed: null,
      ...usage,
    },
  } as Message;
}

describe('finishReasonOf: stop_reason → finish_reason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    [null, 'stop'],
    ['something_new', 'stop'],
  ] as const)('%s → %s', (stopReason, finish) => {
    expect(finishReasonOf(stopReason)).toBe(finish);
  });
});

describe('statusForErrorType: errored result type → HTTP status', () => {
  it.each([
    ['invalid_request_error', 400],
    ['authentication_error', 401],
    ['billing_error', 402],
    ['permission_error', 403],
    ['not_found_error', 404],
    ['rate_limit_error', 429],
    ['api_error', 500],
    ['overloaded_error', 503],
    ['timeout_error', 504],
    ['an_unknown_error', 500],
  ] as const)('%s → %d', (type, status) => {
    expect(statusForErrorType(type)).toBe(status);
  });
});

describe('toChatCompletion: Message → chat.completion', () => {
  it('joins text blocks, maps usage and keeps the message id and model', () => {
    const completion = toChatCompletion(
      message({
        content: [
          { type: 'text', text: 'Hel', citations: null },
          { type: 'thinking', thinking: 'hmm', signature: 's' } as never,
          { type: 'text', text: 'lo', citations: null },
        ],
      }),
      1_700_000_000,
    );
    expect(completion).toEqual({
      id: 'msg_1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'claude-sonnet-4-5',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
  });

  it('counts cache reads and writes as prompt tokens, reports reads as cached, thinking as reasoning', () => {
    const completion = toChatCompletion(
      message({
        usage: {
          input_tokens: 10,
          cache_read_input_tokens: 100,
          cache_creation_input_tokens: 20,
          output_tokens: 7,
          output_tokens_details: { thinking_tokens: 3 },
        } as never,
      }),
      1,
    );
    expect(completion.usage).toEqual({
      prompt_tokens: 130,
      completion_tokens: 7,
      total_tokens: 137,
      prompt_tokens_details: { cached_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 3 },
    });
  });

  it('turns tool_use blocks into tool_calls with JSON arguments, content null without text', () => {
    const completion = toChatCompletion(
      message({
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } } as never],
        stop_reason: 'tool_use',
      }),
      1,
    );
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
  });
});

describe('resultToLine: results line → OpenAI output/error line', () => {
  const context = { created: 1_700_000_000, fallbackRequestId: 'req_fallback' };

  it('succeeded → 200 output line under the client custom_id, request_id = message id', () => {
    const line = resultToLine({ custom_id: 'r0', result: { type: 'succeeded', message: message() } }, 'client id 1', context);
    expect(line.custom_id).toBe('client id 1');
    expect(line.error).toBeNull();
    expect(line.response?.status_code).toBe(200);
    expect(line.response?.request_id).toBe('msg_1');
    expect(line.response?.body).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'Hello' } }] });
  });

  const errored = (type: string, requestId: string | null): MessageBatchIndividualResponse =>
    ({
      custom_id: 'x',
      result: { type: 'errored', error: { type: 'error', error: { type, message: `${type} happened` }, request_id: requestId } },
    }) as MessageBatchIndividualResponse;

  it.each([
    ['invalid_request_error', 400, 'req_a', 'req_a'],
    ['overloaded_error', 503, null, 'req_fallback'],
    ['timeout_error', 504, 'req_b', 'req_b'],
  ] as const)('errored %s → error line with status %d', (type, status, requestId, expectedRequestId) => {
    expect(resultToLine(errored(type, requestId), 'x', context)).toEqual({
      custom_id: 'x',
      response: {
        status_code: status,
        request_id: expectedRequestId,
        body: { error: { message: `${type} happened`, type, param: null, code: null } },
      },
      error: null,
    });
  });

  it.each([
    ['canceled', 'batch_cancelled'],
    ['expired', 'batch_expired'],
  ] as const)('%s → not-run line %s', (type, code) => {
    const line = resultToLine({ custom_id: 'x', result: { type } }, 'orig', context);
    expect(line).toEqual({ custom_id: 'orig', response: null, error: { code, message: expect.any(String) } });
  });

  it('an unknown result type → batch_failed, never a dropped request', () => {
    const line = resultToLine({ custom_id: 'x', result: { type: 'mystery' } } as never, 'orig', context);
    expect(line.error?.code).toBe('batch_failed');
    expect(line.error?.message).toMatch(/mystery/);
  });
});
