// The Converse converter for Bedrock families without a native translator.
import { toConverseRequest, fromConverseResponse } from '#lambda/providers/bedrock/converse';
import { familyOf } from '#lambda/providers/bedrock/model-family';
import { BedrockTranslationError } from '#lambda/providers/bedrock/translate-common';
import type { ChatCompletionRequest } from '#contracts/openai-types';

const body = (extra: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({
  model: 'mistral.mistral-large-2407-v1:0',
  messages: [{ role: 'user', content: 'Hi' }],
  ...extra,
});

describe('familyOf: Converse families', () => {
  it.each([
    'mistral.mistral-large-2407-v1:0',
    'us.deepseek.r1-v1:0',
    'qwen.qwen3-32b-v1:0',
    'openai.gpt-oss-120b-1:0',
    'us.writer.palmyra-x5-v1:0',
  ])('%s → converse', (model) => {
    expect(familyOf(model)).toBe('converse');
  });
  it('leaves unknown vendors unsupported', () => expect(familyOf('cohere.command-r-v1:0')).toBeNull());
});

describe('toConverseRequest', () => {
  it.each<[string, Partial<ChatCompletionRequest>, unknown]>([
    ['a user message', {}, { messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }],
    [
      'system and developer → system blocks; sampling → inferenceConfig (temperature clamped to 1)',
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: 'French.' },
          { role: 'user', content: 'Hi' },
        ],
        max_completion_tokens: 50,
        temperature: 1.4,
        top_p: 0.8,
        stop: 'END',
      },
      {
        system: [{ text: 'Be brief.' }, { text: 'French.' }],
        messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
        inferenceConfig: { maxTokens: 50, temperature: 1, topP: 0.8, stopSequences: ['END'] },
      },
    ],
    [
      'a data-URL image → image block with base64 bytes; consecutive roles merge',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is it?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0=' } },
            ],
          },
          { role: 'user', content: 'Quick.' },
          { role: 'assistant', content: 'A dot.' },
          { role: 'user', content: 'Sure?' },
        ],
      },
      {
        messages: [
          {
            role: 'user',
            content: [{ text: 'What is it?' }, { image: { format: 'png', source: { bytes: 'iVBORw0=' } } }, { text: 'Quick.' }],
          },
          { role: 'assistant', content: [{ text: 'A dot.' }] },
          { role: 'user', content: [{ text: 'Sure?' }] },
        ],
      },
    ],
  ])('%s', (_name, extra, expected) => {
    expect(toConverseRequest(body(extra))).toEqual(expected);
  });

  it.each<[string, Partial<ChatCompletionRequest>, string]>([
    ['tools', { tools: [{ type: 'function', function: { name: 'f' } }] }, 'body.tools'],
    ['tool_choice', { tool_choice: 'auto' }, 'body.tool_choice'],
    [
      'an assistant tool call in the history',
      {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        ],
      },
      'body.messages[1].tool_calls',
    ],
    [
      'a tool result',
      {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'tool', tool_call_id: 'c', content: 'y' },
        ],
      },
      'body.messages[1].role',
    ],
    ['n > 1', { n: 2 }, 'body.n'],
    [
      'an image URL',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] },
      'body.messages[0].content[0].image_url.url',
    ],
    ['a history that starts with the assistant', { messages: [{ role: 'assistant', content: 'x' }] }, 'body.messages'],
  ])('refuses %s with a 400 naming the field', (_name, extra, field) => {
    let error: unknown;
    try {
      toConverseRequest(body(extra));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BedrockTranslationError);
    expect((error as BedrockTranslationError).field).toBe(field);
  });

  it('reads a Converse response into a chat.completion', () => {
    const completion = fromConverseResponse(
      {
        output: { message: { role: 'assistant', content: [{ text: 'Hello' }] } },
        stopReason: 'max_tokens',
        usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 },
      },
      { id: 'chatcmpl-1', created: 1, model: 'mistral.mistral-large-2407-v1:0' },
    );
    expect(completion.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'Hello' }, finish_reason: 'length' });
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
  });
});
