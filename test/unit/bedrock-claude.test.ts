import { toBedrockRecord, fromBedrockOutput } from '#lambda/providers/bedrock/records';
import { BedrockTranslationError } from '#lambda/providers/bedrock/translate-common';
import { CLAUDE_DEFAULT_MAX_TOKENS } from '#lambda/providers/bedrock/claude';
import type { ChatCompletionRequest } from '#contracts/openai-types';

const MODEL = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const user = (content: ChatCompletionRequest['messages'][number]['content']) => ({ role: 'user' as const, content });
const req = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({ model: MODEL, messages: [user('Hi')], ...extra });
const V = 'bedrock-2023-05-31';

describe('Claude on Bedrock: chat.completions body → modelInput', () => {
  const cases: Array<[string, ChatCompletionRequest, Record<string, unknown>]> = [
    [
      'model dropped, anthropic_version added, max_tokens defaulted',
      req(),
      { anthropic_version: V, max_tokens: CLAUDE_DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'Hi' }] },
    ],
    [
      'max_tokens passes through',
      req({ max_tokens: 100 }),
      { anthropic_version: V, max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] },
    ],
    [
      'max_completion_tokens wins over max_tokens',
      req({ max_tokens: 100, max_completion_tokens: 20 }),
      { anthropic_version: V, max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] },
    ],
    [
      'system and developer messages become system; temperature clamped to 1; stop → stop_sequences',
      {
        model: MODEL,
        messages: [{ role: 'system', content: 'Be brief.' }, { role: 'developer', content: 'Use French.' }, user('Hi')],
        temperature: 1.6,
        top_p: 0.5,
        stop: 'END',
      },
      {
        anthropic_version: V,
        max_tokens: CLAUDE_DEFAULT_MAX_TOKENS,
        system: 'Be brief.\n\nUse French.',
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 1,
        top_p: 0.5,
        stop_sequences: ['END'],
      },
    ],
    [
      'multi-turn with an assistant reply keeps the alternation',
      { model: MODEL, messages: [user('2+2?'), { role: 'assistant', content: '4' }, user('and 3+3?')] },
      {
        anthropic_version: V,
        max_tokens: CLAUDE_DEFAULT_MAX_TOKENS,
        messages: [
          { role: 'user', content: '2+2?' },
          { role: 'assistant', content: '4' },
          { role: 'user', content: 'and 3+3?' },
        ],
      },
    ],
    [
      "tools, a tool call and its result; user → no metadata (not in Bedrock's schema)",
      {
        model: MODEL,
        user: 'u-1',
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Weather',
              parameters: { type: 'object', properties: { city: { type: 'string' } } },
            },
          },
        ],
        tool_choice: 'required',
        messages: [
          user('Weather in Paris?'),
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
        ],
      },
      {
        anthropic_version: V,
        max_tokens: CLAUDE_DEFAULT_MAX_TOKENS,
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'Sunny' }] },
        ],
        tools: [
          { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
        ],
        tool_choice: { type: 'any' },
      },
    ],
    [
      'a base64 image becomes an image block',
      {
        model: MODEL,
        messages: [
          user([
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ]),
        ],
      },
      {
        anthropic_version: V,
        max_tokens: CLAUDE_DEFAULT_MAX_TOKENS,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            ],
          },
        ],
      },
    ],
  ];

  it.each(cases)('%s', (_name, body, modelInput) => {
    expect(toBedrockRecord('R00000001', body, 'claude')).toEqual({ recordId: 'R00000001', modelInput });
  });

  const errors: Array<[string, ChatCompletionRequest, string]> = [
    ['n > 1', req({ n: 2 }), 'body.n'],
    [
      'an image URL Bedrock cannot fetch',
      { model: MODEL, messages: [user([{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }])] },
      'body.messages[0].content[0].image_url.url',
    ],
    ['JSON mode', req({ response_format: { type: 'json_object' } }), 'body.response_format'],
    [
      'tool call arguments that are not JSON',
      {
        model: MODEL,
        messages: [
          user('x'),
          { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{bad' } }] },
        ],
      },
      'body.messages[1].tool_calls[0].function.arguments',
    ],
  ];

  it.each(errors)('rejects %s with a 400 naming the line and the field', (_name, body, field) => {
    let error: unknown;
    try {
      toBedrockRecord('R00000001', body, 'claude', 12);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BedrockTranslationError);
    const e = error as BedrockTranslationError;
    expect(e.status).toBe(400);
    expect(e.param).toBe(field);
    expect(e.message.startsWith(`Line 12: ${field}`)).toBe(true);
  });
});

describe('Claude on Bedrock: modelOutput → chat.completion', () => {
  const context = { model: MODEL, created: 1_700_000_000, id: 'chatcmpl-fallback' };
  const message = (extra: Record<string, unknown>) => ({
    id: 'msg_bdrk_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-3-5-haiku-20241022',
    content: [{ type: 'text', text: 'Hello!' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 3 },
    ...extra,
  });

  const cases: Array<
    [string, Record<string, unknown>, { content: string | null; finish: string; toolCalls?: unknown; prompt: number; completion: number }]
  > = [
    ['end_turn → stop', message({}), { content: 'Hello!', finish: 'stop', prompt: 10, completion: 3 }],
    ['max_tokens → length', message({ stop_reason: 'max_tokens' }), { content: 'Hello!', finish: 'length', prompt: 10, completion: 3 }],
    [
      'stop_sequence → stop',
      message({ stop_reason: 'stop_sequence', stop_sequence: 'END' }),
      { content: 'Hello!', finish: 'stop', prompt: 10, completion: 3 },
    ],
    [
      'tool_use → tool_calls with JSON arguments, no text → null content',
      message({ content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }], stop_reason: 'tool_use' }),
      {
        content: null,
        finish: 'tool_calls',
        toolCalls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        prompt: 10,
        completion: 3,
      },
    ],
    [
      'cached prompt tokens count as prompt tokens',
      message({ usage: { input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 90 } }),
      { content: 'Hello!', finish: 'stop', prompt: 100, completion: 3 },
    ],
  ];

  it.each(cases)('%s', (_name, output, expected) => {
    const completion = fromBedrockOutput({ recordId: 'R00000001', modelOutput: output }, 'claude', context);
    expect(completion.id).toBe('msg_bdrk_01');
    expect(completion.model).toBe(MODEL);
    expect(completion.created).toBe(context.created);
    expect(completion.choices[0].message.content).toBe(expected.content);
    expect(completion.choices[0].finish_reason).toBe(expected.finish);
    expect(completion.choices[0].message.tool_calls).toEqual(expected.toolCalls);
    expect(completion.usage.prompt_tokens).toBe(expected.prompt);
    expect(completion.usage.completion_tokens).toBe(expected.completion);
    expect(completion.usage.total_tokens).toBe(expected.prompt + expected.completion);
  });

  it('throws on an output that is not a Claude message', () => {
    expect(() => fromBedrockOutput({ recordId: 'R1', modelOutput: { generation: 'x' } }, 'claude', context)).toThrow(/content/);
  });
});
