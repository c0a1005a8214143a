// Bedrock families without a native translator (Mistral, DeepSeek, Qwen, OpenAI gpt-oss, Writer) run
// as jobs of the Converse invocation type: CreateModelInvocationJob with modelInvocationType
// "Converse", each modelInput a Converse request body (messages, system, inferenceConfig), each
// modelOutput a Converse response (output.message, stopReason, usage) — Bedrock user guide
// "Format and upload your batch inference data" (docs/providers.md, "Bedrock Converse").
// Converse-type jobs refuse records with toolConfig (400; "Process multiple prompts with batch
// inference"), and Converse needs toolConfig whenever the history has toolUse/toolResult blocks, so
// tools and tool history are refused here with a 400 naming the field, before any job exists.
import type { ChatCompletion, ChatCompletionRequest } from '#contracts/openai-types';
import {
  checkFields,
  fail,
  IMAGE_FORMATS,
  inferenceConfigOf,
  isSystemRole,
  parseImageDataUrl,
  partsOf,
  pushTurn,
  textOf,
  type InferenceConfig,
} from './translate-common';
import { fromNovaResponse, type NovaResponse } from './nova';
import type { CompletionContext } from './completion-context';

export type ConverseBlock = { text: string } | { image: { format: 'png' | 'jpeg' | 'gif' | 'webp'; source: { bytes: string } } };

export interface ConverseRequest {
  system?: Array<{ text: string }>;
  messages: Array<{ role: 'user' | 'assistant'; content: ConverseBlock[] }>;
  inferenceConfig?: InferenceConfig;
}

const HANDLED = ['messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop'];
const NO_TOOLS =
  'cannot be sent: Bedrock batch jobs of the Converse invocation type refuse tool use (records with toolConfig fail with a 400).';

export function toConverseRequest(body: ChatCompletionRequest): ConverseRequest {
  for (const field of ['tools', 'tool_choice'] as const)
    if (body[field] !== undefined && body[field] !== null) fail(`body.${field}`, NO_TOOLS);
  checkFields(body, 'converse', [...HANDLED, 'parallel_tool_calls']);
  const system: Array<{ text: string }> = [];
  const turns: ConverseRequest['messages'] = [];
  body.messages.forEach((message, i) => {
    const field = `body.messages[${i}]`;
    if (isSystemRole(message)) {
      system.push({ text: textOf(message, field, 'converse') });
    } else if (message.role === 'user' || message.role === 'assistant') {
      if (message.role === 'assistant' && message.tool_calls?.length) fail(`${field}.tool_calls`, NO_TOOLS);
      const blocks = partsOf(message, field).map((part, j): ConverseBlock => {
        if (part.type === 'text') return { text: part.text };
        if (message.role === 'assistant') return fail(`${field}.content[${j}]`, 'is an image; assistant messages carry text only.');
        const image = parseImageDataUrl(part.image_url.url, `${field}.content[${j}].image_url.url`, 'converse');
        return { image: { format: IMAGE_FORMATS[image.mediaType], source: { bytes: image.data } } };
      });
      // Converse rejects empty text blocks.
      const content = blocks.filter((b) => !('text' in b) || b.text !== '');
      if (content.length === 0) fail(`${field}.content`, 'must not be empty.');
      pushTurn(turns, message.role, content);
    } else if (message.role === 'tool') {
      fail(`${field}.role`, `"tool" ${NO_TOOLS}`);
    } else {
      fail(`${field}.role`, `${JSON.stringify(message.role)} is not a chat role.`);
    }
  });
  if (turns.length === 0 || turns[0].role !== 'user') fail('body.messages', 'must start with a user message (after any system prompts).');

  const request: ConverseRequest = { messages: turns };
  if (system.length) request.system = system;
  const inference = inferenceConfigOf(body);
  if (inference) request.inferenceConfig = inference;
  return request;
}

/** A Converse response has the shape of Nova's InvokeModel answer (output.message.content, stopReason, usage). */
export type ConverseResponse = NovaResponse;

export function fromConverseResponse(output: ConverseResponse, context: CompletionContext): ChatCompletion {
  return fromNovaResponse(output, context);
}
