import { assistantMessage, chatCompletion, completionUsage, type UsageDetails } from '#lambda/openai/chat-completion';
import type { ChatCompletionUsage, ChatToolCall } from '#contracts/openai-types';

const call = (id: string): ChatToolCall => ({ id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } });

describe('assistantMessage', () => {
  test.each<[string, string[], ChatToolCall[] | undefined, string | null, ChatToolCall[] | undefined]>([
    ['text parts are joined in order', ['Hel', 'lo'], undefined, 'Hello', undefined],
    ['no text part at all → content null', [], undefined, null, undefined],
    ['only tool calls → content null, tool_calls kept', [], [call('c1')], null, [call('c1')]],
    ['an empty text part is content "", not null', [''], undefined, '', undefined],
    ['an empty text part beside tool calls stays ""', [''], [call('c1')], '', [call('c1')]],
    ['text and tool calls together', ['Let me check.'], [call('c1'), call('c2')], 'Let me check.', [call('c1'), call('c2')]],
    ['an empty tool call list leaves tool_calls out', ['Hi'], [], 'Hi', undefined],
  ])('%s', (_name, texts, toolCalls, content, expectedCalls) => {
    const message = assistantMessage(texts, toolCalls);
    expect(message.content).toBe(content);
    expect(message.refusal).toBeNull();
    expect(message.role).toBe('assistant');
    if (expectedCalls) expect(message.tool_calls).toEqual(expectedCalls);
    else expect(message).not.toHaveProperty('tool_calls');
  });

  test('keys come in OpenAI order: role, content, tool_calls, refusal', () => {
    expect(Object.keys(assistantMessage(['x'], [call('c1')]))).toEqual(['role', 'content', 'tool_calls', 'refusal']);
    expect(Object.keys(assistantMessage(['x']))).toEqual(['role', 'content', 'refusal']);
  });
});

describe('completionUsage', () => {
  test.each<[string, number, number, UsageDetails | undefined, ChatCompletionUsage]>([
    ['no details → totals only', 12, 4, undefined, { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 }],
    [
      'cached only → prompt_tokens_details only',
      10,
      1,
      { cached: 8 },
      { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11, prompt_tokens_details: { cached_tokens: 8 } },
    ],
    [
      'reasoning only → completion_tokens_details only',
      5,
      7,
      { reasoning: 3 },
      { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12, completion_tokens_details: { reasoning_tokens: 3 } },
    ],
    [
      'both details, zeros included',
      3,
      2,
      { cached: 0, reasoning: 0 },
      {
        prompt_tokens: 3,
        completion_tokens: 2,
        total_tokens: 5,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    ],
    ['a provider total wins over the sum', 8, 10, { total: 21 }, { prompt_tokens: 8, completion_tokens: 10, total_tokens: 21 }],
    [
      'an undefined provider total falls back to the sum',
      8,
      10,
      { total: undefined },
      { prompt_tokens: 8, completion_tokens: 10, total_tokens: 18 },
    ],
  ])('%s', (_name, prompt, completion, details, expected) => {
    const usage = completionUsage(prompt, completion, details);
    expect(usage).toEqual(expected);
    // toEqual ignores keys whose value is undefined: the details must be absent, not undefined.
    expect(Object.keys(usage)).toEqual(Object.keys(expected));
  });
});

describe('chatCompletion', () => {
  const usage = completionUsage(1, 2);

  test('one choice: the whole envelope, keys in OpenAI order, no system_fingerprint unless given', () => {
    const completion = chatCompletion({
      id: 'chatcmpl-1',
      created: 1_700_000_000,
      model: 'm',
      choices: [{ texts: ['Hi'], finishReason: 'stop' }],
      usage,
    });
    expect(JSON.stringify(completion)).toBe(
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1_700_000_000,
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hi', refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      }),
    );
  });

  test.each<[string, string | null | undefined, boolean]>([
    ['systemFingerprint null is written as null', null, true],
    ['a systemFingerprint string is written', 'fp_1', true],
    ['no systemFingerprint leaves the key out', undefined, false],
  ])('%s', (_name, systemFingerprint, present) => {
    const completion = chatCompletion({ id: 'x', created: 0, model: 'm', choices: [], usage, systemFingerprint });
    if (present) expect(completion.system_fingerprint).toBe(systemFingerprint);
    else expect(completion).not.toHaveProperty('system_fingerprint');
  });

  test('several choices: index defaults to the position, an explicit index wins; each message follows assistantMessage', () => {
    const completion = chatCompletion({
      id: 'x',
      created: 0,
      model: 'm',
      choices: [
        { texts: ['A'], finishReason: 'stop' },
        { texts: [], toolCalls: [call('c1')], finishReason: 'tool_calls', index: 5 },
        { texts: ['C'], toolCalls: [], finishReason: 'length' },
      ],
      usage,
    });
    expect(
      completion.choices.map((c) => [c.index, c.message.content, c.finish_reason, c.message.tool_calls?.length ?? 0, c.logprobs]),
    ).toEqual([
      [0, 'A', 'stop', 0, null],
      [5, null, 'tool_calls', 1, null],
      [2, 'C', 'length', 0, null],
    ]);
    expect(completion.choices[2].message).not.toHaveProperty('tool_calls');
  });
});
