import { ConversionError, DEFAULT_MAX_TOKENS, toAnthropicParams, type AnthropicMessageParams } from '#lambda/providers/anthropic/request';
import type { ChatCompletionRequest } from '#contracts/openai-types';

const user = (content: ChatCompletionRequest['messages'][number]['content']) => ({ role: 'user' as const, content });
const base = { model: 'claude-sonnet-4-5', messages: [user('Hi')] };

describe('toAnthropicParams: chat.completions body → Messages params', () => {
  const cases: Array<[string, ChatCompletionRequest, AnthropicMessageParams]> = [
    [
      'a plain user message, max_tokens defaulted',
      base,
      { model: 'claude-sonnet-4-5', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'Hi' }] },
    ],
    [
      'max_tokens passes through',
      { ...base, max_tokens: 100 },
      { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] },
    ],
    [
      'max_completion_tokens wins over max_tokens',
      { ...base, max_tokens: 100, max_completion_tokens: 50 },
      { model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] },
    ],
    [
      'system and developer messages join into system, in order, with a blank line',
      {
        model: 'm',
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'developer',
            content: [
              { type: 'text', text: 'Answer in ' },
              { type: 'text', text: 'French.' },
            ],
          },
          user('Hi'),
        ],
      },
      { model: 'm', max_tokens: DEFAULT_MAX_TOKENS, system: 'Be brief.\n\nAnswer in French.', messages: [{ role: 'user', content: 'Hi' }] },
    ],
    [
      'consecutive user messages merge into one turn',
      { model: 'm', messages: [user('a'), user('b')] },
      {
        model: 'm',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'a' },
              { type: 'text', text: 'b' },
            ],
          },
        ],
      },
    ],
    [
      'sampling (a model that takes both): temperature clamped to 1, top_p kept, stop string → stop_sequences',
      { ...base, model: 'claude-3-7-sonnet-20250219', temperature: 1.7, top_p: 0.9, stop: 'END' },
      {
        model: 'claude-3-7-sonnet-20250219',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 1,
        top_p: 0.9,
        stop_sequences: ['END'],
      },
    ],
    [
      'temperature within 0–1 unchanged; stop array kept',
      { ...base, temperature: 0.3, stop: ['a', 'b'] },
      {
        model: 'claude-sonnet-4-5',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 0.3,
        stop_sequences: ['a', 'b'],
      },
    ],
    [
      'images: data URL → base64 source, https URL → url source',
      {
        model: 'm',
        messages: [
          user([
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
          ]),
        ],
      },
      {
        model: 'm',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            ],
          },
        ],
      },
    ],
    [
      'a tool round trip: tool_calls → tool_use, tool messages → one merged tool_result turn',
      {
        model: 'm',
        messages: [
          user('Weather in Paris and Rome?'),
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18C' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '24C' }] },
          user('Thanks'),
        ],
      },
      {
        model: 'm',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: [
              { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
              { type: 'tool_use', id: 'call_2', name: 'weather', input: { city: 'Rome' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
              { type: 'tool_result', tool_use_id: 'call_2', content: '24C' },
              { type: 'text', text: 'Thanks' },
            ],
          },
        ],
      },
    ],
    [
      'assistant text with a tool call keeps both, text first',
      {
        model: 'm',
        messages: [
          user('q'),
          {
            role: 'assistant',
            content: 'Let me check.',
            tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '' } }],
          },
        ],
      },
      {
        model: 'm',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [
          { role: 'user', content: 'q' },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Let me check.' },
              { type: 'tool_use', id: 't', name: 'f', input: {} },
            ],
          },
        ],
      },
    ],
    [
      'tools → input_schema (defaulted when absent), tool_choice required → any, parallel_tool_calls false',
      {
        ...base,
        tools: [
          {
            type: 'function',
            function: {
              name: 'weather',
              description: 'Gets weather',
              parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            },
          },
          { type: 'function', function: { name: 'now' } },
        ],
        tool_choice: 'required',
        parallel_tool_calls: false,
      },
      {
        model: 'claude-sonnet-4-5',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [{ role: 'user', content: 'Hi' }],
        tools: [
          {
            name: 'weather',
            description: 'Gets weather',
            input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
          { name: 'now', input_schema: { type: 'object', properties: {} } },
        ],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
      },
    ],
    [
      'named tool_choice → {type: tool, name}',
      { ...base, tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'function', function: { name: 'f' } } },
      {
        model: 'claude-sonnet-4-5',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [{ role: 'user', content: 'Hi' }],
        tools: [{ name: 'f', input_schema: { type: 'object', properties: {} } }],
        tool_choice: { type: 'tool', name: 'f' },
      },
    ],
    [
      'tool_choice none → {type: none}; auto → {type: auto}',
      { ...base, tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'none' },
      {
        model: 'claude-sonnet-4-5',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [{ role: 'user', content: 'Hi' }],
        tools: [{ name: 'f', input_schema: { type: 'object', properties: {} } }],
        tool_choice: { type: 'none' },
      },
    ],
    [
      'parallel_tool_calls false without tool_choice → auto without parallel use',
      { ...base, tools: [{ type: 'function', function: { name: 'f' } }], parallel_tool_calls: false },
      {
        model: 'claude-sonnet-4-5',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [{ role: 'user', content: 'Hi' }],
        tools: [{ name: 'f', input_schema: { type: 'object', properties: {} } }],
        tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      },
    ],
    [
      'tool_choice without tools is dropped',
      { ...base, tool_choice: 'none' },
      { model: 'claude-sonnet-4-5', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'Hi' }] },
    ],
    [
      'user → metadata.user_id; harmless defaults (n 1, penalties 0, logprobs false, text format) pass',
      {
        ...base,
        user: 'user-42',
        n: 1,
        presence_penalty: 0,
        frequency_penalty: 0,
        logprobs: false,
        response_format: { type: 'text' },
        stream: false,
      },
      {
        model: 'claude-sonnet-4-5',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [{ role: 'user', content: 'Hi' }],
        metadata: { user_id: 'user-42' },
      },
    ],
    [
      'metadata.user_id is used when user is absent; the message name is dropped',
      { model: 'm', messages: [{ role: 'user', content: 'Hi', name: 'ann' }], metadata: { user_id: 'u-7' } },
      { model: 'm', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'Hi' }], metadata: { user_id: 'u-7' } },
    ],
  ];

  it.each(cases)('%s', (_name, body, expected) => {
    expect(toAnthropicParams(body)).toEqual(expected);
  });

  const rejected: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['n > 1', { ...base, n: 2 }, 'n', /n must be 1/],
    ['logprobs', { ...base, logprobs: true }, 'logprobs', /log probabilities/],
    ['top_logprobs', { ...base, top_logprobs: 3 }, 'top_logprobs', /log probabilities/],
    ['presence_penalty', { ...base, presence_penalty: 0.5 }, 'presence_penalty', /presence penalty/],
    ['frequency_penalty', { ...base, frequency_penalty: -1 }, 'frequency_penalty', /frequency penalty/],
    ['seed', { ...base, seed: 7 }, 'seed', /seed/],
    ['logit_bias', { ...base, logit_bias: { '50256': -100 } }, 'logit_bias', /logit bias/],
    ['JSON mode', { ...base, response_format: { type: 'json_object' } }, 'response_format', /JSON mode/],
    ['stream', { ...base, stream: true }, 'stream', /streaming/],
    ['only system messages', { model: 'm', messages: [{ role: 'system', content: 'x' }] }, 'messages', /at least one/],
    [
      'an audio part',
      { model: 'm', messages: [user([{ type: 'input_audio', input_audio: {} } as never])] },
      'messages[0].content[0]',
      /input_audio/,
    ],
    [
      'an unsupported image type',
      { model: 'm', messages: [user([{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AAA' } }])] },
      'messages[0].content[0]',
      /image\/bmp/,
    ],
    [
      'an image that is neither data nor http',
      { model: 'm', messages: [user([{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }])] },
      'messages[0].content[0]',
      /data URL or an http/,
    ],
    [
      'tool arguments that are not JSON',
      {
        model: 'm',
        messages: [
          user('q'),
          { role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{oops' } }] },
        ],
      },
      'messages[1].tool_calls[0].function.arguments',
      /not valid JSON/,
    ],
    [
      'a tool message without tool_call_id',
      { model: 'm', messages: [user('q'), { role: 'tool', content: 'r' }] },
      'messages[1].tool_call_id',
      /required/,
    ],
    [
      'the legacy function role',
      { model: 'm', messages: [{ role: 'function', content: 'r', name: 'f' }] },
      'messages[0].role',
      /"function" is not supported/,
    ],
    ['a non-function tool', { ...base, tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools[0]', /only function tools/],
    [
      'a non-object parameters schema',
      { ...base, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }] },
      'tools[0].function.parameters',
      /type "object"/,
    ],
    ['max_tokens 0', { ...base, max_tokens: 0 }, 'max_tokens', /positive integer/],
    ['a temperature that is not a number', { ...base, temperature: 'hot' }, 'temperature', /must be a number/],
    ['stop with a non-string', { ...base, stop: [1] }, 'stop', /strings/],
    [
      'an unknown tool_choice',
      { ...base, tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'always' },
      'tool_choice',
      /tool_choice must be/,
    ],
  ];

  it.each(rejected)('rejects %s, naming the field', (_name, body, field, message) => {
    let thrown: unknown;
    try {
      toAnthropicParams(body as ChatCompletionRequest);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConversionError);
    expect((thrown as ConversionError).field).toBe(field);
    expect((thrown as ConversionError).message).toMatch(message);
  });
});
