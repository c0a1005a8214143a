// The simulator's models must reject what the real models reject, or they could not catch a
// translator bug; and their answers must be in each family's real response shape.
import { answer, ModelError, simFamilyOf } from '#local/simulators/bedrock/model-behaviour';
import { toModelInput } from '#lambda/providers/bedrock/records';

const claudeBody = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 50, messages: [{ role: 'user', content: 'Hello there' }] };
const novaBody = { messages: [{ role: 'user', content: [{ text: 'Hello there' }] }] };
const llamaBody = {
  prompt:
    '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
};

describe('simulated model validation', () => {
  it.each([
    ['claude with a model field', 'claude', { ...claudeBody, model: 'x' }, /extraneous key \[model\]/],
    ['claude without anthropic_version', 'claude', { max_tokens: 5, messages: claudeBody.messages }, /anthropic_version/],
    ['claude without max_tokens', 'claude', { anthropic_version: 'bedrock-2023-05-31', messages: claudeBody.messages }, /max_tokens/],
    [
      'claude starting with an assistant turn',
      'claude',
      { ...claudeBody, messages: [{ role: 'assistant', content: 'x' }] },
      /first message/,
    ],
    ['claude with temperature above 1', 'claude', { ...claudeBody, temperature: 1.5 }, /temperature/],
    ['nova with Converse-style text content', 'nova', { messages: [{ role: 'user', content: 'Hello' }] }, /content/],
    ['nova with an unknown inferenceConfig key', 'nova', { ...novaBody, inferenceConfig: { max_new_tokens: 5 } }, /max_new_tokens/],
    ['llama with messages instead of a prompt', 'llama', { messages: novaBody.messages }, /extraneous key \[messages\]/],
    ['llama with max_gen_len above 2048', 'llama', { ...llamaBody, max_gen_len: 4096 }, /max_gen_len/],
  ] as const)('rejects %s with a 400', (_name, family, body, message) => {
    let error: unknown;
    try {
      answer(family, 'model', body, true);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).status).toBe(400);
    expect((error as Error).message).toMatch(message);
  });

  it('accepts every family body the gateway translators produce', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system' as const, content: 'Be brief.' },
        { role: 'user' as const, content: 'Hello there' },
      ],
      max_tokens: 20,
      temperature: 0.5,
      top_p: 0.9,
    };
    expect(answer('claude', 'anthropic.claude-3-haiku-20240307-v1:0', toModelInput(body, 'claude'), true).kind).toBe('output');
    expect(answer('nova', 'amazon.nova-lite-v1:0', toModelInput(body, 'nova'), true).kind).toBe('output');
    expect(answer('llama', 'meta.llama3-1-8b-instruct-v1:0', toModelInput(body, 'llama3'), true).kind).toBe('output');
  });
});

describe('simulated answers', () => {
  it('are deterministic, in the family shape, and honour the token limit', () => {
    const first = answer('claude', 'anthropic.claude-3-haiku-20240307-v1:0', claudeBody, true);
    expect(answer('claude', 'anthropic.claude-3-haiku-20240307-v1:0', claudeBody, true)).toEqual(first);
    expect(first).toMatchObject({
      kind: 'output',
      output: { type: 'message', content: [{ type: 'text', text: 'Simulated Claude reply to: Hello there' }], stop_reason: 'end_turn' },
    });
    const short = answer('nova', 'amazon.nova-lite-v1:0', { ...novaBody, inferenceConfig: { maxTokens: 2 } }, true);
    expect(short).toMatchObject({
      output: { output: { message: { content: [{ text: 'Simulated Nova' }] } }, stopReason: 'max_tokens', usage: { outputTokens: 2 } },
    });
    expect(answer('llama', 'meta.llama3-1-8b-instruct-v1:0', llamaBody, true)).toMatchObject({
      output: { generation: 'Simulated Llama reply to: Hello there', stop_reason: 'stop' },
    });
  });

  it('cut the reply at a stop sequence', () => {
    const result = answer('claude', 'anthropic.claude-3-haiku-20240307-v1:0', { ...claudeBody, stop_sequences: ['reply'] }, true);
    expect(result).toMatchObject({
      output: { content: [{ text: 'Simulated Claude ' }], stop_reason: 'stop_sequence', stop_sequence: 'reply' },
    });
  });

  it('follow the triggers', () => {
    const say = (text: string) => ({ ...claudeBody, messages: [{ role: 'user', content: text }] });
    expect(() => answer('claude', 'm', say('[simulate-error]'), true)).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => answer('claude', 'm', say('[simulate-server-error]'), true)).toThrow(expect.objectContaining({ status: 500 }));
    expect(answer('claude', 'm', say('[simulate-unprocessed]'), true)).toEqual({ kind: 'unprocessed' });
    // Outside batch jobs there is no "unprocessed": the record is answered.
    expect(answer('claude', 'm', say('[simulate-unprocessed]'), false).kind).toBe('output');
    const withTool = { ...say('weather [simulate-tool-call]'), tools: [{ name: 'get_weather', input_schema: { type: 'object' } }] };
    expect(answer('claude', 'm', withTool, true)).toMatchObject({
      output: { stop_reason: 'tool_use', content: [{ type: 'tool_use', name: 'get_weather' }] },
    });
  });

  it('know the families by model id, profiles included', () => {
    expect(simFamilyOf('us.anthropic.claude-3-5-haiku-20241022-v1%3A0')).toBe('claude');
    expect(simFamilyOf('amazon.nova-pro-v1:0')).toBe('nova');
    expect(simFamilyOf('meta.llama4-scout-17b-instruct-v1:0')).toBe('llama');
    expect(simFamilyOf('cohere.command-r-v1:0')).toBeNull();
  });
});
