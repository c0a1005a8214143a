// Amazon Nova on Bedrock (InvokeModel "messages-v1" schema, spec bedrock.md §7).
// Parameter spelling: the Nova user guide's complete request schema uses camelCase inferenceConfig
// keys (maxTokens, topP, stopSequences), the same as Converse; older examples showed max_new_tokens.
import type { ChatCompletion, ChatCompletionRequest, ChatMessage, ChatToolCall, FinishReason } from '#contracts/openai-types';
import {
  checkFields,
  fail,
  IMAGE_FORMATS,
  inferenceConfigOf,
  isSystemRole,
  parseImageDataUrl,
  parseToolArguments,
  partsOf,
  pushTurn,
  textOf,
  type InferenceConfig,
} from './translate-common';
import type { CompletionContext } from './completion-context';
import { chatCompletion, completionUsage } from '#lambda/openai/chat-completion';

export type NovaBlock =
  | { text: string }
  | { image: { format: 'png' | 'jpeg' | 'gif' | 'webp'; source: { bytes: string } | { s3Location: { uri: string } } } }
  | { toolUse: { toolUseId: string; name: string; input: Record<string, unknown> } }
  | { toolResult: { toolUseId: string; content: Array<{ text: string }> } };

export interface NovaRequest {
  schemaVersion: 'messages-v1';
  system?: Array<{ text: string }>;
  messages: Array<{ role: 'user' | 'assistant'; content: NovaBlock[] }>;
  inferenceConfig?: InferenceConfig;
  toolConfig?: {
    tools: Array<{ toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } }>;
    toolChoice?: { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };
  };
}

// Nova decides on parallel tool use itself; the flag is accepted and has no Nova equivalent.
const HANDLED = [
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
];

type NovaImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';
type NovaToolConfig = NonNullable<NovaRequest['toolConfig']>;

export function toNovaRequest(body: ChatCompletionRequest): NovaRequest {
  checkFields(body, 'nova', HANDLED);
  const { system, turns } = novaTurns(body.messages);
  const request: NovaRequest = { schemaVersion: 'messages-v1', messages: turns };
  if (system.length) request.system = system;
  const inference = inferenceConfigOf(body);
  if (inference) request.inferenceConfig = inference;
  if (body.tools?.length) request.toolConfig = novaToolConfig(body);
  else if (body.tool_choice !== undefined && body.tool_choice !== null) fail('body.tool_choice', 'needs body.tools.');
  return request;
}

/** System prompts apart; the other messages as alternating user/assistant turns (tool results are user turns). */
function novaTurns(messages: ChatMessage[]): { system: Array<{ text: string }>; turns: NovaRequest['messages'] } {
  const system: Array<{ text: string }> = [];
  const turns: NovaRequest['messages'] = [];
  messages.forEach((message, i) => {
    const field = `body.messages[${i}]`;
    if (isSystemRole(message)) system.push({ text: textOf(message, field, 'nova') });
    else if (message.role === 'user') pushTurn(turns, 'user', userBlocks(message, field));
    else if (message.role === 'assistant') pushTurn(turns, 'assistant', assistantBlocks(message, field));
    else if (message.role === 'tool') pushTurn(turns, 'user', [toolResultBlock(message, field)]);
    else fail(`${field}.role`, `${JSON.stringify(message.role)} is not a chat role.`);
  });
  if (turns.length === 0) fail('body.messages', 'must contain at least one user message besides system prompts.');
  return { system, turns };
}

function userBlocks(message: ChatMessage, field: string): NovaBlock[] {
  const blocks = partsOf(message, field).map((part, j): NovaBlock =>
    part.type === 'text' ? { text: part.text } : imageBlock(part.image_url.url, `${field}.content[${j}].image_url.url`),
  );
  if (blocks.length === 0) fail(`${field}.content`, 'must not be empty.');
  return blocks;
}

function imageBlock(url: string, field: string): NovaBlock {
  // Nova reads images from S3 itself (same bucket rules as the job); other URLs must be inlined.
  const s3 = /^s3:\/\/[^/]+\/.+\.(png|jpe?g|gif|webp)$/i.exec(url);
  if (s3) {
    const ext = s3[1].toLowerCase();
    return { image: { format: ext === 'jpg' ? 'jpeg' : (ext as NovaImageFormat), source: { s3Location: { uri: url } } } };
  }
  const image = parseImageDataUrl(url, field, 'nova');
  return { image: { format: IMAGE_FORMATS[image.mediaType], source: { bytes: image.data } } };
}

function assistantBlocks(message: ChatMessage, field: string): NovaBlock[] {
  const text = textOf(message, field, 'nova');
  const blocks: NovaBlock[] = text ? [{ text }] : [];
  (message.tool_calls ?? []).forEach((call, j) => {
    blocks.push({
      toolUse: {
        toolUseId: call.id,
        name: call.function?.name,
        input: parseToolArguments(call.function?.arguments, `${field}.tool_calls[${j}].function.arguments`),
      },
    });
  });
  if (blocks.length === 0) fail(`${field}.content`, 'must not be empty for an assistant message without tool_calls.');
  return blocks;
}

function toolResultBlock(message: ChatMessage, field: string): NovaBlock {
  if (typeof message.tool_call_id !== 'string') fail(`${field}.tool_call_id`, 'is required on a tool message.');
  return { toolResult: { toolUseId: message.tool_call_id as string, content: [{ text: textOf(message, field, 'nova') }] } };
}

function novaToolConfig(body: ChatCompletionRequest): NovaToolConfig {
  const tools = (body.tools ?? []).map((tool, i) => {
    if (tool?.type !== 'function' || typeof tool.function?.name !== 'string')
      fail(`body.tools[${i}]`, 'must be {type:"function", function:{name,…}}.');
    return {
      toolSpec: {
        name: tool.function.name,
        ...(tool.function.description ? { description: tool.function.description } : {}),
        inputSchema: { json: tool.function.parameters ?? { type: 'object', properties: {} } },
      },
    };
  });
  const toolConfig: NovaToolConfig = { tools };
  const toolChoice = novaToolChoice(body.tool_choice);
  if (toolChoice) toolConfig.toolChoice = toolChoice;
  return toolConfig;
}

function novaToolChoice(choice: ChatCompletionRequest['tool_choice']): NovaToolConfig['toolChoice'] {
  if (choice === 'auto') return { auto: {} };
  if (choice === 'required') return { any: {} };
  if (choice === 'none') fail('body.tool_choice', '"none" is not supported by Amazon Nova; leave out body.tools instead.');
  if (typeof choice === 'object' && choice !== null) {
    if (choice.type !== 'function' || typeof choice.function?.name !== 'string')
      fail('body.tool_choice', `must be "auto", "required" or {type:"function",function:{name}}.`);
    return { tool: { name: choice.function.name } };
  }
  return undefined;
}

/** The InvokeModel response of a Nova model (modelOutput). */
export interface NovaResponse {
  output?: {
    message?: { role?: string; content?: Array<{ text?: string; toolUse?: { toolUseId?: string; name?: string; input?: unknown } }> };
  };
  stopReason?: string;
  usage?: {
    inputTokens?: number;
    outputTokens?: number;
    totalTokens?: number;
    cacheReadInputTokenCount?: number;
    cacheWriteInputTokenCount?: number;
  };
}

const NOVA_FINISH: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  content_filtered: 'content_filter',
  guardrail_intervened: 'content_filter',
};

export function fromNovaResponse(output: NovaResponse, context: CompletionContext): ChatCompletion {
  const content = output?.output?.message?.content;
  if (!Array.isArray(content)) throw new Error('Nova output has no output.message.content array');
  const texts: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  for (const block of content) {
    if (typeof block.text === 'string') texts.push(block.text);
    else if (block.toolUse) {
      toolCalls.push({
        id: String(block.toolUse.toolUseId),
        type: 'function',
        function: { name: String(block.toolUse.name), arguments: JSON.stringify(block.toolUse.input ?? {}) },
      });
    }
  }
  const usage = output.usage ?? {};
  // Like OpenAI's prompt_tokens, count cached input too (Nova reports it apart from inputTokens).
  const cacheRead = usage.cacheReadInputTokenCount ?? 0;
  const prompt = (usage.inputTokens ?? 0) + cacheRead + (usage.cacheWriteInputTokenCount ?? 0);
  return chatCompletion({
    id: context.id,
    created: context.created,
    model: context.model,
    choices: [{ texts, toolCalls, finishReason: NOVA_FINISH[output.stopReason ?? 'end_turn'] ?? 'stop' }],
    usage: completionUsage(prompt, usage.outputTokens ?? 0, { cached: cacheRead }),
  });
}
