import { toBedrockRecord, fromBedrockOutput } from '#lambda/providers/bedrock/records';
import { BedrockTranslationError } from '#lambda/providers/bedrock/translate-common';
import type { ChatCompletionRequest } from '#contracts/openai-types';

const MODEL = 'amazon.nova-lite-v1:0';
const user = (content: ChatCompletionRequest['messages'][number]['content']) => ({ role: 'user' as const, content });
const req = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({ model: MODEL, messages: [user('Hi')], ...extra });
const hi = [{ role: 'user', content: [{ text: 'Hi' }] }];

describe('Amazon Nova: chat.completions body → modelInput', () => {
  const cases: Array<[string, ChatCompletionRequest, Record<string, unknown>]> = [
    ['a plain user message: no inferenceConfig when nothing is set', req(), { schemaVersion: 'messages-v1', messages: hi }],
    [
      'max_tokens → inferenceConfig.maxTokens',
      req({ max_tokens: 100 }),
      { schemaVersion: 'messages-v1', messages: hi, inferenceConfig: { maxTokens: 100 } },
    ],
    [
      'max_completion_tokens wins over max_tokens',
      req({ max_tokens: 100, max_completion_tokens: 30 }),
      { schemaVersion: 'messages-v1', messages: hi, inferenceConfig: { maxTokens: 30 } },
    ],
    [
      'system prompts → system[]; temperature clamped; top_p; stop list',
      {
        model: MODEL,
        messages: [{ role: 'system', content: 'Be brief.' }, { role: 'developer', content: 'No emojis.' }, user('Hi')],
        temperature: 1.2,
        top_p: 0.9,
        stop: ['END', 'STOP'],
      },
      {
        schemaVersion: 'messages-v1',
        system: [{ text: 'Be brief.' }, { text: 'No emojis.' }],
        messages: hi,
        inferenceConfig: { temperature: 1, topP: 0.9, stopSequences: ['END', 'STOP'] },
      },
    ],
    [
      'multi-turn; consecutive user messages merge into one turn',
      { model: MODEL, messages: [user('a'), user('b'), { role: 'assistant', content: 'c' }, user('d')] },
      {
        schemaVersion: 'messages-v1',
        messages: [
          { role: 'user', content: [{ text: 'a' }, { text: 'b' }] },
          { role: 'assistant', content: [{ text: 'c' }] },
          { role: 'user', content: [{ text: 'd' }] },
        ],
      },
    ],
    [
      'tools → toolConfig, tool call → toolUse, tool result → toolResult in a user turn',
      {
        model: MODEL,
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
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        messages: [
          user('Weather?'),
          {
            role: 'assistant',
            content: 'Let me check.',
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'Rain' },
        ],
      },
      {
        schemaVersion: 'messages-v1',
        messages: [
          { role: 'user', content: [{ text: 'Weather?' }] },
          {
            role: 'assistant',
            content: [{ text: 'Let me check.' }, { toolUse: { toolUseId: 'call_1', name: 'get_weather', input: { city: 'Oslo' } } }],
          },
          { role: 'user', content: [{ toolResult: { toolUseId: 'call_1', content: [{ text: 'Rain' }] } }] },
        ],
        toolConfig: {
          tools: [
            {
              toolSpec: {
                name: 'get_weather',
                description: 'Weather',
                inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } },
              },
            },
          ],
          toolChoice: { tool: { name: 'get_weather' } },
        },
      },
    ],
    [
      'images: base64 data URL → bytes, s3:// URL → s3Location',
      {
        model: MODEL,
        messages: [
          user([
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
            { type: 'image_url', image_url: { url: 's3://bucket/pics/cat.png' } },
          ]),
        ],
      },
      {
        schemaVersion: 'messages-v1',
        messages: [
          {
            role: 'user',
            content: [
              { image: { format: 'jpeg', source: { bytes: '/9j/4AAQ' } } },
              { image: { format: 'png', source: { s3Location: { uri: 's3://bucket/pics/cat.png' } } } },
            ],
          },
        ],
      },
    ],
    ['user and n: 1 are harmless', req({ user: 'u', n: 1 }), { schemaVersion: 'messages-v1', messages: hi }],
  ];

  it.each(cases)('%s', (_name, body, modelInput) => {
    expect(toBedrockRecord('R00000002', body, 'nova')).toEqual({ recordId: 'R00000002', modelInput });
  });

  const errors: Array<[string, ChatCompletionRequest, string]> = [
    ['tool_choice "none"', req({ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'none' }), 'body.tool_choice'],
    [
      'an http image URL',
      { model: MODEL, messages: [user([{ type: 'image_url', image_url: { url: 'https://x.test/a.png' } }])] },
      'body.messages[0].content[0].image_url.url',
    ],
    [
      'an unsupported image type',
      { model: MODEL, messages: [user([{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AA==' } }])] },
      'body.messages[0].content[0].image_url.url',
    ],
    ['seed (no seeded sampling)', req({ seed: 7 }), 'body.seed'],
    ['logprobs', req({ logprobs: true }), 'body.logprobs'],
    ['a non-integer max_tokens', req({ max_tokens: 1.5 }), 'body.max_tokens'],
    ['temperature above 2', req({ temperature: 3 }), 'body.temperature'],
    ['only system messages', { model: MODEL, messages: [{ role: 'system', content: 'x' }] }, 'body.messages'],
  ];

  it.each(errors)('rejects %s, naming the field and the line', (_name, body, field) => {
    const attempt = () => toBedrockRecord('R00000002', body, 'nova', 3);
    expect(attempt).toThrow(BedrockTranslationError);
    expect(attempt).toThrow(new RegExp(`^Line 3: ${field.replace(/[.[\]]/g, '\\$&')} `));
  });
});

describe('Amazon Nova: modelOutput → chat.completion', () => {
  const context = { model: MODEL, created: 1_700_000_100, id: 'chatcmpl-abc' };
  const output = (
    content: unknown[],
    stopReason: string,
    usage: Record<string, number> = { inputTokens: 12, outputTokens: 4, totalTokens: 16 },
  ) => ({
    output: { message: { role: 'assistant', content } },
    stopReason,
    usage,
  });

  const cases: Array<
    [string, unknown, { content: string | null; finish: string; prompt: number; completion: number; toolCalls?: unknown; cached?: number }]
  > = [
    ['end_turn → stop', output([{ text: 'Hello' }], 'end_turn'), { content: 'Hello', finish: 'stop', prompt: 12, completion: 4 }],
    ['max_tokens → length', output([{ text: 'Hel' }], 'max_tokens'), { content: 'Hel', finish: 'length', prompt: 12, completion: 4 }],
    ['stop_sequence → stop', output([{ text: 'Hello' }], 'stop_sequence'), { content: 'Hello', finish: 'stop', prompt: 12, completion: 4 }],
    [
      'content_filtered → content_filter',
      output([{ text: '' }], 'content_filtered'),
      { content: '', finish: 'content_filter', prompt: 12, completion: 4 },
    ],
    [
      'guardrail_intervened → content_filter',
      output([{ text: 'blocked' }], 'guardrail_intervened'),
      { content: 'blocked', finish: 'content_filter', prompt: 12, completion: 4 },
    ],
    [
      'toolUse → tool_calls',
      output([{ toolUse: { toolUseId: 'tu_1', name: 'get_weather', input: { city: 'Oslo' } } }], 'tool_use'),
      {
        content: null,
        finish: 'tool_calls',
        prompt: 12,
        completion: 4,
        toolCalls: [{ id: 'tu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
      },
    ],
    [
      'cache reads count as prompt tokens',
      output([{ text: 'x' }], 'end_turn', { inputTokens: 2, outputTokens: 1, cacheReadInputTokenCount: 8 }),
      { content: 'x', finish: 'stop', prompt: 10, completion: 1, cached: 8 },
    ],
  ];

  it.each(cases)('%s', (_name, modelOutput, expected) => {
    const completion = fromBedrockOutput({ recordId: 'R1', modelOutput }, 'nova', context);
    expect(completion).toMatchObject({ id: 'chatcmpl-abc', object: 'chat.completion', created: context.created, model: MODEL });
    expect(completion.choices[0].message.content).toBe(expected.content);
    expect(completion.choices[0].finish_reason).toBe(expected.finish);
    expect(completion.choices[0].message.tool_calls).toEqual(expected.toolCalls);
    expect(completion.usage).toEqual({
      prompt_tokens: expected.prompt,
      completion_tokens: expected.completion,
      total_tokens: expected.prompt + expected.completion,
      prompt_tokens_details: { cached_tokens: expected.cached ?? 0 },
    });
  });

  it('throws on an output that is not a Nova response', () => {
    expect(() => fromBedrockOutput({ recordId: 'R1', modelOutput: { content: [] } }, 'nova', context)).toThrow(/output\.message\.content/);
  });
});
