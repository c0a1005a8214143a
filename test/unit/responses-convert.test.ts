// Responses batch lines on the translated providers: the Responses body → the chat body (one internal
// form), then each provider's own chat converter; and a provider's chat.completion → a Response object,
// checked against OpenAI's published Response schema.
import { convertLineBody, responsesToChat } from '#lambda/providers/convert/responses-request';
import { ConversionError } from '#lambda/providers/convert/conversion-error';
import { toAnthropicParams } from '#lambda/providers/anthropic/request';
import { toGeminiBatchLine } from '#lambda/providers/gemini/request';
import { toBedrockRecord } from '#lambda/providers/bedrock/records';
import { chatCompletionToResponse } from '#lambda/openai/response-object';
import { chatCompletion, completionUsage } from '#lambda/openai/chat-completion';
import { addUsage, emptyUsage } from '#lambda/tracker/result-files';
import type { BatchRequestInput } from '#contracts/openai-types';
import { schemaErrors } from '#test/support/openai-schema';
import { thrownBy } from '#test/support/errors';

const line = (body: Record<string, unknown>): BatchRequestInput => ({
  custom_id: 'c1',
  method: 'POST',
  url: '/v1/responses',
  body: body as BatchRequestInput['body'],
});

const weather = {
  type: 'function',
  name: 'weather',
  description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const toolHistory = [
  { role: 'user', content: 'Weather in Paris and Rome?' },
  { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
  { type: 'function_call', call_id: 'call_2', name: 'weather', arguments: '{"city":"Rome"}' },
  { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
  { type: 'function_call_output', call_id: 'call_2', output: 'rain' },
];

describe('Responses body → chat body', () => {
  test.each([
    ['a string input', { model: 'm', input: 'Hi' }, { model: 'm', messages: [{ role: 'user', content: 'Hi' }] }],
    [
      'instructions, limits and sampling',
      {
        model: 'm',
        instructions: 'Be brief.',
        input: 'Hi',
        max_output_tokens: 50,
        temperature: 0.2,
        top_p: 0.9,
        user: 'u1',
        metadata: { a: 'b' },
      },
      {
        model: 'm',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
        max_completion_tokens: 50,
        temperature: 0.2,
        top_p: 0.9,
        user: 'u1',
        metadata: { a: 'b' },
      },
    ],
    [
      'message items with input_text, input_image and an assistant output_text',
      {
        model: 'm',
        input: [
          { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Rules' }] },
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'What is this?' },
              { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
            ],
          },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'A cat.', annotations: [] }] },
          { role: 'user', content: 'Sure?' },
        ],
      },
      {
        model: 'm',
        messages: [
          { role: 'developer', content: [{ type: 'text', text: 'Rules' }] },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
            ],
          },
          { role: 'assistant', content: [{ type: 'text', text: 'A cat.' }] },
          { role: 'user', content: 'Sure?' },
        ],
      },
    ],
    [
      'function tools, tool_choice and a parallel tool history',
      { model: 'm', input: toolHistory, tools: [weather], tool_choice: { type: 'function', name: 'weather' }, parallel_tool_calls: true },
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
          { role: 'tool', tool_call_id: 'call_2', content: 'rain' },
        ],
        tools: [{ type: 'function', function: { name: 'weather', description: 'Weather in a city', parameters: weather.parameters } }],
        tool_choice: { type: 'function', function: { name: 'weather' } },
        parallel_tool_calls: true,
      },
    ],
    [
      'text.format json_schema',
      {
        model: 'm',
        input: 'Hi',
        text: {
          format: { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } }, strict: true },
        },
      },
      {
        model: 'm',
        messages: [{ role: 'user', content: 'Hi' }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } }, strict: true },
        },
      },
    ],
    [
      'text.format text',
      { model: 'm', input: 'Hi', text: { format: { type: 'text' } } },
      { model: 'm', messages: [{ role: 'user', content: 'Hi' }] },
    ],
    [
      'reasoning effort',
      { model: 'm', input: 'Hi', reasoning: { effort: 'low' } },
      { model: 'm', messages: [{ role: 'user', content: 'Hi' }], reasoning_effort: 'low' },
    ],
  ])('%s', (_name, body, expected) => {
    expect(responsesToChat(body).body).toEqual(expected);
  });

  test.each([
    ['an unknown field', { model: 'm', input: 'x', frobnicate: 1 }, 'frobnicate'],
    ['an item reference', { model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type'],
    [
      'an image by file_id',
      { model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] },
      'input[0].content[0].image_url',
    ],
    [
      'an input_file part',
      { model: 'm', input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }] },
      'input[0].content[0].type',
    ],
    ['a built-in tool', { model: 'm', input: 'x', tools: [{ type: 'web_search' }] }, 'tools[0]'],
    ['a function_call without call_id', { model: 'm', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }, 'input[0].call_id'],
    ['an unknown text.format', { model: 'm', input: 'x', text: { format: { type: 'grammar' } } }, 'text.format.type'],
    ['truncation auto', { model: 'm', input: 'x', truncation: 'auto' }, 'truncation'],
  ])('refuses %s, naming the field', (_name, body, field) => {
    const error = thrownBy(() => responsesToChat(body), ConversionError);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(new RegExp(`^body\\.${field.replace(/[.[\]]/g, '\\$&')} `));
  });
});

describe('Responses lines through each provider’s converter', () => {
  const simple = { model: 'MODEL', instructions: 'Be brief.', input: 'Hi', max_output_tokens: 64, temperature: 0.5 };

  test.each([
    [
      'Anthropic',
      'claude-sonnet-4-5',
      (r: BatchRequestInput) => convertLineBody(r, toAnthropicParams),
      { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }], system: 'Be brief.', temperature: 0.5 },
    ],
    [
      'Gemini',
      'gemini-2.5-flash',
      (r: BatchRequestInput) => toGeminiBatchLine(r),
      {
        key: 'c1',
        request: {
          contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
          systemInstruction: { parts: [{ text: 'Be brief.' }] },
          generationConfig: { maxOutputTokens: 64, temperature: 0.5 },
        },
      },
    ],
    [
      'Bedrock Claude',
      'anthropic.claude-3-5-haiku-20241022-v1:0',
      (r: BatchRequestInput) => convertLineBody(r, (b) => toBedrockRecord('R00000001', b, 'claude', 1)),
      {
        recordId: 'R00000001',
        modelInput: {
          anthropic_version: 'bedrock-2023-05-31',
          max_tokens: 64,
          messages: [{ role: 'user', content: 'Hi' }],
          system: 'Be brief.',
          temperature: 0.5,
        },
      },
    ],
    [
      'Bedrock Nova',
      'us.amazon.nova-lite-v1:0',
      (r: BatchRequestInput) => convertLineBody(r, (b) => toBedrockRecord('R00000001', b, 'nova', 1)),
      {
        recordId: 'R00000001',
        modelInput: {
          schemaVersion: 'messages-v1',
          system: [{ text: 'Be brief.' }],
          messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
          inferenceConfig: { maxTokens: 64, temperature: 0.5 },
        },
      },
    ],
    [
      'Bedrock Converse',
      'mistral.mistral-large-2407-v1:0',
      (r: BatchRequestInput) => convertLineBody(r, (b) => toBedrockRecord('R00000001', b, 'converse', 1)),
      {
        recordId: 'R00000001',
        modelInput: {
          system: [{ text: 'Be brief.' }],
          messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
          inferenceConfig: { maxTokens: 64, temperature: 0.5 },
        },
      },
    ],
  ])('%s: instructions, input, max_output_tokens, temperature', (_name, model, convert, expected) => {
    expect(convert(line({ ...simple, model }))).toEqual(expected);
  });

  it('Anthropic: function tools and their history become tool_use / tool_result blocks', () => {
    const params = convertLineBody(line({ model: 'claude-sonnet-4-5', input: toolHistory, tools: [weather] }), toAnthropicParams);
    expect(params.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'weather', input: { city: 'Rome' } },
      ],
    });
    expect(params.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
        { type: 'tool_result', tool_use_id: 'call_2', content: 'rain' },
      ],
    });
    expect(params.tools).toEqual([{ name: 'weather', description: 'Weather in a city', input_schema: weather.parameters }]);
  });

  it('Gemini: text.format json_schema becomes responseSchema, tool results are keyed by function name', () => {
    const out = toGeminiBatchLine(
      line({
        model: 'gemini-2.5-flash',
        input: toolHistory,
        tools: [weather],
        text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object', properties: { a: { type: 'string' } } } } },
      }),
    );
    expect(out.request.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: { type: 'OBJECT', properties: { a: { type: 'STRING' } } },
    });
    expect(out.request.contents[2]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { name: 'weather', response: { content: 'sunny' } } },
        { functionResponse: { name: 'weather', response: { content: 'rain' } } },
      ],
    });
  });

  test.each([
    [
      'Anthropic refuses text.format json_schema',
      () =>
        convertLineBody(
          line({ model: 'claude-sonnet-4-5', input: 'x', text: { format: { type: 'json_schema', schema: {} } } }),
          toAnthropicParams,
        ),
      'text.format',
    ],
    [
      'Bedrock Nova refuses text.format json_object',
      () =>
        convertLineBody(line({ model: 'nova', input: 'x', text: { format: { type: 'json_object' } } }), (b) =>
          toBedrockRecord('R1', b, 'nova', 3),
        ),
      'body.text.format',
    ],
    [
      'Bedrock Converse refuses function tools',
      () => convertLineBody(line({ model: 'mistral', input: 'x', tools: [weather] }), (b) => toBedrockRecord('R1', b, 'converse', 3)),
      'body.tools',
    ],
    [
      'Gemini: a function_call_output without its call',
      () =>
        toGeminiBatchLine(
          line({
            model: 'gemini-2.5-flash',
            input: [
              { role: 'user', content: 'x' },
              { type: 'function_call_output', call_id: 'nope', output: 'y' },
            ],
          }),
        ),
      'input[1].call_id',
    ],
    [
      'Bedrock Claude: an image URL it cannot fetch',
      () =>
        convertLineBody(
          line({ model: 'c', input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'https://x/y.png' }] }] }),
          (b) => toBedrockRecord('R1', b, 'claude', 3),
        ),
      'body.input[0].content[0].image_url.url',
    ],
  ])('%s, naming the Responses field', (_name, convert, field) => {
    const error = thrownBy(convert, ConversionError);
    expect(error.field).toBe(field);
    expect(error.message).toContain(field.replace(/^body\./, ''));
    expect(error.message).not.toMatch(/messages\[|response_format|max_completion_tokens/);
  });
});

describe('chat.completion → Response object', () => {
  const completion = (
    texts: string[],
    finishReason: 'stop' | 'length' | 'tool_calls',
    toolCalls = [] as Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>,
  ) =>
    chatCompletion({
      id: 'chatcmpl-1',
      created: 1_700_000_000,
      model: 'claude-sonnet-4-5',
      choices: [{ texts, toolCalls, finishReason }],
      usage: completionUsage(12, 5, { cached: 2 }),
    });

  test.each([
    ['a text answer', completion(['Hello'], 'stop'), 'completed', ['message']],
    [
      'tool calls',
      completion([], 'tool_calls', [{ id: 'call_9', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }]),
      'completed',
      ['function_call'],
    ],
    ['a cut answer', completion(['Hel'], 'length'), 'incomplete', ['message']],
  ])('%s conforms to OpenAI’s Response schema', (_name, input, status, types) => {
    const response = chatCompletionToResponse(input);
    expect(schemaErrors('Response', response)).toEqual([]);
    expect(response.object).toBe('response');
    expect(response.status).toBe(status);
    expect(response.output.map((item) => item.type)).toEqual(types);
    expect(response.usage).toEqual({
      input_tokens: 12,
      input_tokens_details: { cached_tokens: 2, cache_write_tokens: 0 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 17,
    });
  });

  it('the schema check bites: a Response without output, or with a chat-style usage, is reported', () => {
    const { output: _output, ...withoutOutput } = chatCompletionToResponse(completion(['Hello'], 'stop'));
    expect(schemaErrors('Response', withoutOutput).join('\n')).toMatch(/output/);
    const chatUsage = { ...chatCompletionToResponse(completion(['Hello'], 'stop')), usage: completionUsage(1, 1) };
    expect(schemaErrors('Response', chatUsage).join('\n')).toMatch(/input_tokens/);
  });

  it('a tool call keeps its call_id, name and arguments; ids are stable', () => {
    const input = completion([], 'tool_calls', [
      { id: 'call_9', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
    ]);
    const response = chatCompletionToResponse(input);
    expect(response.output[0]).toMatchObject({
      type: 'function_call',
      call_id: 'call_9',
      name: 'weather',
      arguments: '{"city":"Paris"}',
      status: 'completed',
    });
    expect(response.id).toMatch(/^resp_/);
    expect(chatCompletionToResponse(input).id).toBe(response.id);
    expect(response.incomplete_details).toBeNull();
  });

  it('a max_output_tokens cut says so', () => {
    expect(chatCompletionToResponse(completion(['Hel'], 'length')).incomplete_details).toEqual({ reason: 'max_output_tokens' });
  });

  it('FinOps: usage in Responses names adds up like chat usage', () => {
    const total = emptyUsage();
    addUsage(total, chatCompletionToResponse(completion(['a'], 'stop')).usage);
    addUsage(total, completionUsage(3, 4));
    expect(total).toEqual({
      input_tokens: 15,
      input_tokens_details: { cached_tokens: 2 },
      output_tokens: 9,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 24,
    });
  });
});
