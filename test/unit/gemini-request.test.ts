// OpenAI batch line → Gemini batch line (lambda/providers/gemini/request.ts), table-driven.
import { GeminiConversionError, toGeminiBatchLine, toGeminiSchema, toGenerateContentRequest } from '#lambda/providers/gemini/request';
import type { ChatCompletionRequest } from '#contracts/openai-types';
import type { GeminiContent, GenerateContentRequest } from '#lambda/providers/gemini/types';

const body = (extra: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({
  model: 'gemini-2.5-flash',
  messages: [{ role: 'user', content: 'Hello!' }],
  ...extra,
});
const hello: GeminiContent = { role: 'user', parts: [{ text: 'Hello!' }] };

describe('toGeminiBatchLine', () => {
  test('uses custom_id as the key and drops the per-line model (the batch model applies)', () => {
    const line = toGeminiBatchLine({
      custom_id: 'request-1',
      method: 'POST',
      url: '/v1/chat/completions',
      body: body({ max_tokens: 100 }),
    });
    expect(line).toEqual({ key: 'request-1', request: { contents: [hello], generationConfig: { maxOutputTokens: 100 } } });
    expect(JSON.stringify(line)).not.toContain('gemini-2.5-flash');
  });
});

describe('toGenerateContentRequest: messages', () => {
  const cases: Array<[string, Partial<ChatCompletionRequest>, GenerateContentRequest]> = [
    ['a plain user message', {}, { contents: [hello] }],
    [
      'system and developer messages → one systemInstruction joined by blank lines',
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hello!' },
        ],
      },
      { systemInstruction: { parts: [{ text: 'Be brief.\n\nAnswer in French.' }] }, contents: [hello] },
    ],
    [
      'multi-turn: assistant → model role, order kept',
      {
        messages: [
          { role: 'user', content: 'What is 2+2?' },
          { role: 'assistant', content: '4' },
          { role: 'user', content: 'And 3+3?' },
        ],
      },
      {
        contents: [
          { role: 'user', parts: [{ text: 'What is 2+2?' }] },
          { role: 'model', parts: [{ text: '4' }] },
          { role: 'user', parts: [{ text: 'And 3+3?' }] },
        ],
      },
    ],
    [
      'consecutive same-role messages merge into one turn',
      {
        messages: [
          { role: 'user', content: 'One.' },
          { role: 'user', content: [{ type: 'text', text: 'Two.' }] },
        ],
      },
      { contents: [{ role: 'user', parts: [{ text: 'One.' }, { text: 'Two.' }] }] },
    ],
    [
      'images: data URL → inlineData, https URL with a known extension → fileData, Gemini file URI → fileData',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare:' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.JPG?size=large' } },
              { type: 'image_url', image_url: { url: 'https://generativelanguage.googleapis.com/v1beta/files/abc123' } },
            ],
          },
        ],
      },
      {
        contents: [
          {
            role: 'user',
            parts: [
              { text: 'Compare:' },
              { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
              { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.JPG?size=large' } },
              { fileData: { fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc123' } },
            ],
          },
        ],
      },
    ],
    [
      'tool calls → functionCall, tool results → functionResponse named by the earlier call (ids are not sent)',
      {
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
          { role: 'tool', tool_call_id: 'call_2', content: 'noon' },
        ],
      },
      {
        contents: [
          { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
          {
            role: 'model',
            parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'get_time', args: {} } }],
          },
          {
            role: 'user',
            parts: [
              { functionResponse: { name: 'get_weather', response: { content: { temp: 21 } } } },
              { functionResponse: { name: 'get_time', response: { content: 'noon' } } },
            ],
          },
        ],
      },
    ],
  ];
  test.each(cases)('%s', (_name, extra, expected) => {
    expect(toGenerateContentRequest(body(extra))).toEqual(expected);
  });
});

describe('toGenerateContentRequest: generation config, response format, tools', () => {
  const cases: Array<[string, Partial<ChatCompletionRequest>, Partial<GenerateContentRequest>]> = [
    ['max_tokens → maxOutputTokens', { max_tokens: 100 }, { generationConfig: { maxOutputTokens: 100 } }],
    [
      'max_completion_tokens wins over max_tokens',
      { max_tokens: 100, max_completion_tokens: 50 },
      { generationConfig: { maxOutputTokens: 50 } },
    ],
    [
      'sampling parameters',
      { temperature: 0.2, top_p: 0.9, n: 2, seed: 7, presence_penalty: 0.5, frequency_penalty: -0.5 },
      { generationConfig: { temperature: 0.2, topP: 0.9, candidateCount: 2, seed: 7, presencePenalty: 0.5, frequencyPenalty: -0.5 } },
    ],
    ['stop as a string → one stop sequence', { stop: 'END' }, { generationConfig: { stopSequences: ['END'] } }],
    ['stop as an array', { stop: ['a', 'b'] }, { generationConfig: { stopSequences: ['a', 'b'] } }],
    ['response_format text adds nothing', { response_format: { type: 'text' } }, {}],
    [
      'response_format json_object → JSON MIME type',
      { response_format: { type: 'json_object' } },
      { generationConfig: { responseMimeType: 'application/json' } },
    ],
    [
      'response_format json_schema → responseMimeType + responseSchema (OpenAPI subset)',
      {
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'answer',
            strict: true,
            schema: {
              type: 'object',
              properties: { answer: { type: 'string' }, confidence: { type: ['number', 'null'] } },
              required: ['answer', 'confidence'],
              additionalProperties: false,
            },
          },
        },
      },
      {
        generationConfig: {
          responseMimeType: 'application/json',
          responseSchema: {
            type: 'OBJECT',
            properties: { answer: { type: 'STRING' }, confidence: { type: 'NUMBER', nullable: true } },
            required: ['answer', 'confidence'],
          },
        },
      },
    ],
    ['reasoning_effort → thinking budget', { reasoning_effort: 'low' }, { generationConfig: { thinkingConfig: { thinkingBudget: 1024 } } }],
    [
      'bookkeeping fields are dropped',
      { user: 'u-1', metadata: { a: 'b' }, store: false, parallel_tool_calls: false, logprobs: false },
      {},
    ],
    [
      'tools → functionDeclarations; a function without properties gets no parameters',
      {
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Weather now',
              parameters: { type: 'object', properties: { city: { type: 'string', enum: ['Paris', 'Rome'] } }, required: ['city'] },
            },
          },
          { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
        ],
      },
      {
        tools: [
          {
            functionDeclarations: [
              {
                name: 'get_weather',
                description: 'Weather now',
                parameters: { type: 'OBJECT', properties: { city: { type: 'STRING', enum: ['Paris', 'Rome'] } }, required: ['city'] },
              },
              { name: 'get_time' },
            ],
          },
        ],
      },
    ],
    ['tool_choice auto → AUTO', { tool_choice: 'auto' }, { toolConfig: { functionCallingConfig: { mode: 'AUTO' } } }],
    ['tool_choice required → ANY', { tool_choice: 'required' }, { toolConfig: { functionCallingConfig: { mode: 'ANY' } } }],
    ['tool_choice none → NONE', { tool_choice: 'none' }, { toolConfig: { functionCallingConfig: { mode: 'NONE' } } }],
    [
      'tool_choice naming a function → ANY restricted to it',
      { tool_choice: { type: 'function', function: { name: 'get_weather' } } },
      { toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } } },
    ],
  ];
  test.each(cases)('%s', (_name, extra, expected) => {
    expect(toGenerateContentRequest(body(extra))).toEqual({ contents: [hello], ...expected });
  });
});

describe('toGenerateContentRequest: what Gemini cannot do is rejected, naming the field', () => {
  const cases: Array<[string, Partial<ChatCompletionRequest>, string, RegExp]> = [
    ['an unknown body field', { logit_bias: { '50256': -100 } }, 'logit_bias', /body\.logit_bias is not supported/],
    ['logprobs: true', { logprobs: true }, 'logprobs', /logprobs/],
    ['more than 5 stop sequences', { stop: ['1', '2', '3', '4', '5', '6'] }, 'stop', /at most 5/],
    ['a non-numeric temperature', { temperature: 'hot' as unknown as number }, 'temperature', /must be a number/],
    ['max_tokens of 0', { max_tokens: 0 }, 'max_tokens', /integer ≥ 1/],
    ['an unknown reasoning_effort', { reasoning_effort: 'extreme' }, 'reasoning_effort', /reasoning_effort/],
    ['a non-function tool', { tools: [{ type: 'web_search' } as never] }, 'tools[0]', /only function tools/],
    ['a bad tool_choice', { tool_choice: 'sometimes' as never }, 'tool_choice', /tool_choice/],
    [
      'only system messages',
      { messages: [{ role: 'system', content: 'Be brief.' }] },
      'messages',
      /at least one user or assistant message/,
    ],
    [
      'an audio part',
      { messages: [{ role: 'user', content: [{ type: 'input_audio' } as never] }] },
      'messages[0].content[0]',
      /input_audio/,
    ],
    [
      'an image in a system message',
      {
        messages: [
          { role: 'system', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] },
          { role: 'user', content: 'x' },
        ],
      },
      'messages[0].content[0]',
      /only text parts/,
    ],
    [
      'an image URL of unknown type',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/image' } }] }] },
      'messages[0].content[0].image_url.url',
      /cannot tell the image type/,
    ],
    [
      'a tool result without a matching call',
      {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'tool', tool_call_id: 'call_9', content: '1' },
        ],
      },
      'messages[1].tool_call_id',
      /does not match a tool call/,
    ],
    [
      'tool call arguments that are not a JSON object',
      {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }] },
        ],
      },
      'messages[1].tool_calls[0].function.arguments',
      /JSON object/,
    ],
    [
      'a schema keyword Gemini cannot express',
      {
        response_format: {
          type: 'json_schema',
          json_schema: { name: 's', schema: { type: 'object', properties: { a: { not: { type: 'string' } } } } },
        },
      },
      'response_format.json_schema.schema.properties.a.not',
      /not supported/,
    ],
    ['a role Gemini does not know', { messages: [{ role: 'function' as never, content: 'x' }] }, 'messages[0].role', /not supported/],
  ];
  test.each(cases)('%s', (_name, extra, field, message) => {
    let caught: unknown;
    try {
      toGenerateContentRequest(body(extra));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GeminiConversionError);
    expect((caught as GeminiConversionError).field).toBe(field);
    expect((caught as Error).message).toMatch(message);
  });
});

describe('toGeminiSchema', () => {
  test('inlines local $refs, turns oneOf into anyOf and const into a one-value enum, keeps Gemini formats only', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: {
        step: { type: 'object', properties: { text: { type: 'string', format: 'uri' }, at: { type: 'string', format: 'date-time' } } },
      },
      properties: {
        steps: { type: 'array', items: { $ref: '#/$defs/step' }, minItems: 1, uniqueItems: true },
        kind: { const: 'plan' },
        value: { oneOf: [{ type: 'integer' }, { type: 'string' }] },
      },
    };
    expect(toGeminiSchema(schema, 'schema')).toEqual({
      type: 'OBJECT',
      properties: {
        steps: {
          type: 'ARRAY',
          minItems: 1,
          items: { type: 'OBJECT', properties: { text: { type: 'STRING' }, at: { type: 'STRING', format: 'date-time' } } },
        },
        kind: { type: 'STRING', enum: ['plan'] },
        value: { anyOf: [{ type: 'INTEGER' }, { type: 'STRING' }] },
      },
    });
  });

  test.each([
    [
      'a recursive $ref',
      { $defs: { node: { type: 'object', properties: { next: { $ref: '#/$defs/node' } } } }, $ref: '#/$defs/node' },
      /recursive/,
    ],
    ['a remote $ref', { $ref: 'https://example.com/schema.json' }, /\$defs or definitions/],
    ['a union of two non-null types', { type: ['string', 'number'] }, /one type/],
    ['additionalProperties as a schema', { type: 'object', additionalProperties: { type: 'string' } }, /additionalProperties/],
    ['an enum of numbers', { type: 'integer', enum: [1, 2] }, /enums of strings/],
  ])('rejects %s', (_name, schema, message) => {
    expect(() => toGeminiSchema(schema, 'schema')).toThrow(message);
  });
});
