import { toBedrockRecord, fromBedrockOutput } from '#lambda/providers/bedrock/records';
import { BedrockTranslationError } from '#lambda/providers/bedrock/translate-common';
import type { ChatCompletionRequest } from '#contracts/openai-types';

const MODEL = 'meta.llama3-1-70b-instruct-v1:0';
const user = (content: ChatCompletionRequest['messages'][number]['content']) => ({ role: 'user' as const, content });
const req = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({ model: MODEL, messages: [user('Hi')], ...extra });

const L3 = {
  begin: '<|begin_of_text|>',
  turn: (role: string, text: string) => `<|start_header_id|>${role}<|end_header_id|>\n\n${text}<|eot_id|>`,
  next: '<|start_header_id|>assistant<|end_header_id|>\n\n',
};
const L4 = {
  begin: '<|begin_of_text|>',
  turn: (role: string, text: string) => `<|header_start|>${role}<|header_end|>\n\n${text}<|eot|>`,
  next: '<|header_start|>assistant<|header_end|>\n\n',
};

describe('Meta Llama: chat.completions body → prompt in the chat template', () => {
  const cases: Array<[string, 'llama3' | 'llama4', ChatCompletionRequest, Record<string, unknown>]> = [
    ['a user message', 'llama3', req(), { prompt: L3.begin + L3.turn('user', 'Hi') + L3.next }],
    [
      'system prompt, multi-turn, and sampling parameters',
      'llama3',
      {
        model: MODEL,
        messages: [
          { role: 'system', content: 'Be brief.' },
          user('2+2?'),
          { role: 'assistant', content: '4' },
          user([{ type: 'text', text: 'and 3+3?' }]),
        ],
        max_tokens: 64,
        temperature: 0.4,
        top_p: 0.8,
      },
      {
        prompt:
          L3.begin +
          L3.turn('system', 'Be brief.') +
          L3.turn('user', '2+2?') +
          L3.turn('assistant', '4') +
          L3.turn('user', 'and 3+3?') +
          L3.next,
        max_gen_len: 64,
        temperature: 0.4,
        top_p: 0.8,
      },
    ],
    [
      'max_completion_tokens wins; temperature clamped to 1',
      'llama3',
      req({ max_tokens: 500, max_completion_tokens: 50, temperature: 1.8 }),
      { prompt: L3.begin + L3.turn('user', 'Hi') + L3.next, max_gen_len: 50, temperature: 1 },
    ],
    [
      'developer messages are system turns; Llama 4 uses its own tokens',
      'llama4',
      { model: 'meta.llama4-scout-17b-instruct-v1:0', messages: [{ role: 'developer', content: 'Terse.' }, user('Hi')] },
      { prompt: L4.begin + L4.turn('system', 'Terse.') + L4.turn('user', 'Hi') + L4.next },
    ],
  ];

  it.each(cases)('%s', (_name, family, body, modelInput) => {
    expect(toBedrockRecord('R00000003', body, family)).toEqual({ recordId: 'R00000003', modelInput });
  });

  const errors: Array<[string, ChatCompletionRequest, string]> = [
    ['stop sequences', req({ stop: 'END' }), 'body.stop'],
    ['tools', req({ tools: [{ type: 'function', function: { name: 'f' } }] }), 'body.tools'],
    ['a tool message', { model: MODEL, messages: [user('x'), { role: 'tool', tool_call_id: 'c', content: 'y' }] }, 'body.messages[1]'],
    [
      'an image',
      { model: MODEL, messages: [user([{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }])] },
      'body.messages[0].content[0]',
    ],
    ["max_tokens above Bedrock's 2048 cap", req({ max_tokens: 4000 }), 'body.max_tokens'],
    ['presence_penalty', req({ presence_penalty: 0.5 }), 'body.presence_penalty'],
  ];

  it.each(errors)('rejects %s, naming the field and the line', (_name, body, field) => {
    let error: unknown;
    try {
      toBedrockRecord('R00000003', body, 'llama3', 41);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BedrockTranslationError);
    expect((error as Error).message.startsWith(`Line 41: ${field} `)).toBe(true);
  });

  it('accepts harmless defaults (n: 1, presence_penalty: 0)', () => {
    expect(() => toBedrockRecord('R1', req({ n: 1, presence_penalty: 0, frequency_penalty: 0 }), 'llama3')).not.toThrow();
  });
});

describe('Meta Llama: modelOutput → chat.completion', () => {
  const context = { model: MODEL, created: 1_700_000_200, id: 'chatcmpl-llama' };
  const cases: Array<[string, Record<string, unknown>, string, number, number]> = [
    ['stop → stop', { generation: 'Four.', prompt_token_count: 20, generation_token_count: 3, stop_reason: 'stop' }, 'stop', 20, 3],
    ['length → length', { generation: 'Fo', prompt_token_count: 20, generation_token_count: 1, stop_reason: 'length' }, 'length', 20, 1],
    ['a missing stop_reason reads as stop', { generation: 'x', prompt_token_count: 1, generation_token_count: 1 }, 'stop', 1, 1],
  ];

  it.each(cases)('%s', (_name, modelOutput, finish, prompt, completion) => {
    const result = fromBedrockOutput({ recordId: 'R1', modelOutput }, 'llama3', context);
    expect(result.id).toBe('chatcmpl-llama');
    expect(result.model).toBe(MODEL);
    expect(result.choices[0].message).toEqual({ role: 'assistant', content: modelOutput.generation, refusal: null });
    expect(result.choices[0].finish_reason).toBe(finish);
    expect(result.usage).toEqual({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });
  });

  it('throws on an output without a generation', () => {
    expect(() => fromBedrockOutput({ recordId: 'R1', modelOutput: { output: {} } }, 'llama3', context)).toThrow(/generation/);
  });
});
