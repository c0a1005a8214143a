// Meta Llama on Bedrock: a single prompt string in the model's chat template (spec bedrock.md §7).
// Llama 3.x and Llama 4 use different special tokens, so the template follows the model id.
// The Bedrock Llama body has no stop sequences, tools or images (text-only here), so those are rejected.
import type { ChatCompletion, ChatCompletionRequest, FinishReason } from '#contracts/openai-types';
import type { BedrockFamily } from './model-family';
import { checkFields, fail, isSystemRole, maxTokensOf, temperatureOf, textOf, topPOf } from './translate-common';
import type { CompletionContext } from './completion-context';
import { maxTokensField } from '#lambda/providers/convert/chat-request';
import { chatCompletion, completionUsage } from '#lambda/openai/chat-completion';

export interface LlamaRequest {
  prompt: string;
  max_gen_len?: number;
  temperature?: number;
  top_p?: number;
}

/** Bedrock caps max_gen_len at 2048 for Llama models. */
export const LLAMA_MAX_GEN_LEN = 2048;

const HANDLED = ['messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p'];

const TEMPLATES = {
  // https://www.llama.com/docs/model-cards-and-prompt-formats/meta-llama-3/
  llama3: { begin: '<|begin_of_text|>', header: (role: string) => `<|start_header_id|>${role}<|end_header_id|>\n\n`, end: '<|eot_id|>' },
  // https://www.llama.com/docs/model-cards-and-prompt-formats/llama4/
  llama4: { begin: '<|begin_of_text|>', header: (role: string) => `<|header_start|>${role}<|header_end|>\n\n`, end: '<|eot|>' },
} as const;

export function toLlamaRequest(body: ChatCompletionRequest, family: Extract<BedrockFamily, 'llama3' | 'llama4'>): LlamaRequest {
  if (body.stop !== undefined && body.stop !== null)
    fail('body.stop', 'is not supported by Meta Llama on Bedrock (the model has no stop sequence parameter).');
  checkFields(body, family, HANDLED);
  const template = TEMPLATES[family];
  let prompt = template.begin;
  let sawUser = false;
  body.messages.forEach((message, i) => {
    const field = `body.messages[${i}]`;
    if (message.role === 'tool' || message.tool_calls?.length)
      fail(field, 'uses tool calling, which Meta Llama on Bedrock does not support.');
    let role: string;
    if (isSystemRole(message)) role = 'system';
    else if (message.role === 'user' || message.role === 'assistant') role = message.role;
    else return fail(`${field}.role`, `${JSON.stringify(message.role)} is not a chat role.`);
    if (role === 'user') sawUser = true;
    prompt += template.header(role) + textOf(message, field, family) + template.end;
  });
  if (!sawUser) fail('body.messages', 'must contain at least one user message.');
  prompt += template.header('assistant');

  const request: LlamaRequest = { prompt };
  const maxTokens = maxTokensOf(body);
  if (maxTokens !== undefined) {
    const field = maxTokensField(body);
    if (maxTokens > LLAMA_MAX_GEN_LEN)
      fail(`body.${field}`, `must be at most ${LLAMA_MAX_GEN_LEN} for Meta Llama on Bedrock; got ${maxTokens}.`);
    request.max_gen_len = maxTokens;
  }
  const temperature = temperatureOf(body);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = topPOf(body);
  if (topP !== undefined) request.top_p = topP;
  return request;
}

/** The InvokeModel response of a Llama model (modelOutput). */
export interface LlamaResponse {
  generation?: string;
  prompt_token_count?: number;
  generation_token_count?: number;
  stop_reason?: string | null;
}

const LLAMA_FINISH: Record<string, FinishReason> = { stop: 'stop', length: 'length' };

export function fromLlamaResponse(output: LlamaResponse, context: CompletionContext): ChatCompletion {
  if (typeof output?.generation !== 'string') throw new Error('Llama output has no generation string');
  return chatCompletion({
    id: context.id,
    created: context.created,
    model: context.model,
    // The generation is the whole answer, so even an empty one is content "" rather than null.
    choices: [{ texts: [output.generation], finishReason: LLAMA_FINISH[output.stop_reason ?? 'stop'] ?? 'stop' }],
    usage: completionUsage(output.prompt_token_count ?? 0, output.generation_token_count ?? 0),
  });
}
