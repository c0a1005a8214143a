// OpenAI chat.completions request body → Anthropic Messages `params` (spec/anthropic.md §4).
// Pure data → data: no I/O, so every rule below is covered by a table-driven test.
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ChatCompletionRequest, ChatContentPart, ChatMessage } from '#contracts/openai-types';
import { claudeCapabilities } from './capabilities';
import { ConversionError } from '#lambda/providers/convert/conversion-error';
import {
  appendTurn,
  IMAGE_MEDIA_TYPES,
  isImageMediaType,
  parseDataUrl,
  parseToolArguments,
  readMaxTokens,
  readStopSequences,
  type Turn as KitTurn,
} from '#lambda/providers/convert/chat-request';

/** The shared converter error (../convert); Anthropic's field paths have no `body.` prefix. */
export { ConversionError };

/**
 * Anthropic requires `max_tokens`; OpenAI does not. When a request gives neither
 * `max_completion_tokens` nor `max_tokens` we send this many (documented in the README's Anthropic section).
 */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * OpenAI accepts temperature 0–2, Anthropic 0–1. We clamp (1.5 → 1) rather than halve, so the common
 * values 0–1 keep their meaning on both APIs (documented in the README's Anthropic section).
 */
export const MAX_ANTHROPIC_TEMPERATURE = 1;

/**
 * The SDK's create params. `temperature` and `top_p` are still accepted by the Messages API but no
 * longer declared by the SDK's types (it deprecated sampling parameters), hence the extension.
 */
export type AnthropicMessageParams = MessageCreateParamsNonStreaming & { temperature?: number; top_p?: number };

type UserBlock = Exclude<Extract<AnthropicMessageParams['messages'][number], { role: 'user' }>['content'], string>[number];
type Turn = KitTurn<'user' | 'assistant', UserBlock>;

/**
 * OpenAI body fields with no Anthropic equivalent. Dropping them silently would change what the
 * client asked for (several completions, log-probabilities, JSON mode, ...), so we refuse them. The
 * predicate says which values are harmless defaults and may pass.
 */
const UNSUPPORTED_FIELDS: Array<{ field: string; harmless: (value: unknown) => boolean; why: string }> = [
  { field: 'n', harmless: (v) => v === 1, why: 'Anthropic returns exactly one completion per request; n must be 1' },
  { field: 'logprobs', harmless: (v) => v === false, why: 'Anthropic does not return log probabilities' },
  { field: 'top_logprobs', harmless: () => false, why: 'Anthropic does not return log probabilities' },
  {
    field: 'logit_bias',
    harmless: (v) => typeof v === 'object' && v !== null && Object.keys(v).length === 0,
    why: 'Anthropic has no logit bias',
  },
  { field: 'presence_penalty', harmless: (v) => v === 0, why: 'Anthropic has no presence penalty' },
  { field: 'frequency_penalty', harmless: (v) => v === 0, why: 'Anthropic has no frequency penalty' },
  { field: 'seed', harmless: () => false, why: 'Anthropic has no sampling seed' },
  {
    field: 'response_format',
    harmless: (v) => (v as { type?: unknown })?.type === 'text',
    why: 'Anthropic has no JSON mode in the Messages API (use a tool with an input schema instead)',
  },
  { field: 'audio', harmless: () => false, why: 'Anthropic does not produce audio' },
  { field: 'modalities', harmless: (v) => Array.isArray(v) && v.every((m) => m === 'text'), why: 'Anthropic only produces text' },
  { field: 'prediction', harmless: () => false, why: 'Anthropic has no predicted outputs' },
  { field: 'functions', harmless: () => false, why: 'the legacy functions field is not supported; use tools' },
  { field: 'function_call', harmless: () => false, why: 'the legacy function_call field is not supported; use tool_choice' },
  { field: 'web_search_options', harmless: () => false, why: 'web search options are not mapped to Anthropic' },
  { field: 'stream', harmless: (v) => v === false, why: 'streaming is not available in batches' },
];

/** Converts one chat.completions body. Throws ConversionError naming the field it cannot convert. */
export function toAnthropicParams(body: ChatCompletionRequest): AnthropicMessageParams {
  for (const { field, harmless, why } of UNSUPPORTED_FIELDS) {
    const value = body[field];
    if (value !== undefined && value !== null && !harmless(value)) {
      throw new ConversionError(field, `${field} is not supported for Anthropic: ${why}.`);
    }
  }
  if (typeof body.model !== 'string' || body.model === '') throw new ConversionError('model', 'model is required.');
  if (!Array.isArray(body.messages)) throw new ConversionError('messages', 'messages must be an array.');

  const { system, turns } = convertMessages(body.messages);
  if (turns.length === 0) {
    throw new ConversionError('messages', 'messages must contain at least one user, assistant or tool message besides system messages.');
  }

  const params: AnthropicMessageParams = {
    model: body.model,
    max_tokens: readMaxTokens(body) ?? DEFAULT_MAX_TOKENS,
    messages: turns.map(toMessageParam),
  };
  if (system !== null) params.system = system;

  Object.assign(params, samplingParams(body));

  const stop = readStopSequences(body);
  if (stop) params.stop_sequences = stop;

  if (body.tools !== undefined && body.tools !== null) params.tools = convertTools(body.tools);
  const toolChoice = convertToolChoice(body.tool_choice, body.parallel_tool_calls, (params.tools?.length ?? 0) > 0);
  if (toolChoice) params.tool_choice = toolChoice;

  const userId = typeof body.user === 'string' && body.user !== '' ? body.user : metadataUserId(body.metadata);
  if (userId) params.metadata = { user_id: userId };
  return params;
}

/**
 * `temperature` and `top_p` as the model's row of the capability table allows (capabilities.ts):
 * both pass for older models; for models that take only one, `temperature` is kept and `top_p`
 * dropped (OpenAI's docs advise altering one or the other, and temperature is the one clients mean);
 * for models without sampling parameters, the defaults (1) are dropped and any other value is
 * refused, because the model would reject the line.
 */
export function samplingParams(body: ChatCompletionRequest): { temperature?: number; top_p?: number } {
  const given = (value: unknown) => value !== undefined && value !== null;
  const temperature = given(body.temperature)
    ? Math.min(Math.max(numberField(body.temperature, 'temperature'), 0), MAX_ANTHROPIC_TEMPERATURE)
    : undefined;
  const topP = given(body.top_p) ? numberField(body.top_p, 'top_p') : undefined;
  const row = claudeCapabilities(typeof body.model === 'string' ? body.model : '');
  if (row.sampling === 'none') {
    for (const [field, value] of [
      ['temperature', temperature],
      ['top_p', topP],
    ] as const) {
      if (value !== undefined && value !== 1) {
        throw new ConversionError(
          field,
          `${field} is not supported for ${body.model}: ${row.models} take no sampling parameters (temperature, top_p); leave ${field} out.`,
        );
      }
    }
    return {};
  }
  const out: { temperature?: number; top_p?: number } = {};
  if (temperature !== undefined) out.temperature = temperature;
  if (topP !== undefined && (row.sampling === 'both' || temperature === undefined)) out.top_p = topP;
  return out;
}

function numberField(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConversionError(field, `${field} must be a number.`);
  return value;
}

function metadataUserId(metadata: unknown): string | null {
  const userId = (metadata as { user_id?: unknown } | null | undefined)?.user_id;
  return typeof userId === 'string' && userId !== '' ? userId : null;
}

/** System/developer messages become `system`; the rest become strictly alternating user/assistant turns. */
function convertMessages(messages: ChatMessage[]): { system: string | null; turns: Turn[] } {
  const systemParts: string[] = [];
  const turns: Turn[] = [];
  // Anthropic rejects two turns of the same role in a row: the shared appendTurn merges them.
  const push = (role: Turn['role'], blocks: UserBlock[]) => appendTurn(turns, role, blocks);

  messages.forEach((message, i) => {
    const at = `messages[${i}]`;
    if (typeof message !== 'object' || message === null) throw new ConversionError(at, `${at} must be an object.`);
    switch (message.role) {
      case 'system':
      case 'developer':
        systemParts.push(textOnly(message.content, at));
        break;
      case 'user':
        push('user', userBlocks(message.content, at));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(message, at));
        break;
      case 'tool': {
        if (typeof message.tool_call_id !== 'string' || message.tool_call_id === '') {
          throw new ConversionError(`${at}.tool_call_id`, `${at}.tool_call_id is required for tool messages.`);
        }
        push('user', [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: textOnly(message.content, at) }]);
        break;
      }
      default:
        throw new ConversionError(
          `${at}.role`,
          `${at}.role ${JSON.stringify((message as { role?: unknown }).role ?? null)} is not supported for Anthropic (use system, developer, user, assistant or tool).`,
        );
    }
  });
  return { system: systemParts.length > 0 ? systemParts.join('\n\n') : null, turns };
}

/** Content that may only carry text (system, developer, tool): joined into one string. */
function textOnly(content: ChatMessage['content'], at: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw new ConversionError(`${at}.content`, `${at}.content must be a string or an array of content parts.`);
  return content
    .map((part, j) => {
      if (part?.type !== 'text' || typeof part.text !== 'string') {
        throw new ConversionError(`${at}.content[${j}]`, `${at}.content[${j}] must be a text part here.`);
      }
      return part.text;
    })
    .join('');
}

function userBlocks(content: ChatMessage['content'], at: string): UserBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw new ConversionError(`${at}.content`, `${at}.content must be a string or an array of content parts.`);
  return content.map((part, j) => contentPart(part, `${at}.content[${j}]`));
}

function contentPart(part: ChatContentPart, at: string): UserBlock {
  if (part?.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
  if (part?.type === 'image_url' && typeof part.image_url?.url === 'string') return imageBlock(part.image_url.url, at);
  const type = (part as { type?: unknown } | null)?.type;
  throw new ConversionError(
    at,
    `${at} has type ${JSON.stringify(type ?? null)}, which is not supported for Anthropic (text and image_url are).`,
  );
}

/** `data:<media type>;base64,<data>` → base64 source; http(s) URLs → url source. */
export function imageBlock(url: string, at = 'image_url'): UserBlock {
  const data = parseDataUrl(url);
  if (data) {
    if (!isImageMediaType(data.mediaType)) {
      throw new ConversionError(
        at,
        `${at}: image type ${data.mediaType} is not supported by Anthropic (${IMAGE_MEDIA_TYPES.join(', ')} are).`,
      );
    }
    return { type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw new ConversionError(at, `${at}: image_url.url must be a base64 data URL or an http(s) URL.`);
}

function assistantBlocks(message: ChatMessage, at: string): UserBlock[] {
  const blocks: UserBlock[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    // Anthropic rejects empty text blocks; an assistant turn with only tool calls has content "" or null.
    if (content !== '') blocks.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    content.forEach((part, j) => {
      const p = part as { type?: unknown; text?: unknown; refusal?: unknown };
      const text = p?.type === 'text' ? p.text : p?.type === 'refusal' ? p.refusal : undefined;
      if (typeof text !== 'string')
        throw new ConversionError(`${at}.content[${j}]`, `${at}.content[${j}] must be a text or refusal part in an assistant message.`);
      if (text !== '') blocks.push({ type: 'text', text });
    });
  } else if (content !== undefined && content !== null) {
    throw new ConversionError(`${at}.content`, `${at}.content must be a string, an array of content parts, or null.`);
  }
  (message.tool_calls ?? []).forEach((call, k) => {
    const where = `${at}.tool_calls[${k}]`;
    if (call?.type !== 'function' || typeof call.function?.name !== 'string' || typeof call.id !== 'string') {
      throw new ConversionError(where, `${where} must be a function call with an id and a name.`);
    }
    const input = parseToolArguments(call.function.arguments, `${where}.function.arguments`);
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input });
  });
  return blocks;
}

function toMessageParam(turn: Turn): AnthropicMessageParams['messages'][number] {
  // A turn that is a single text block is sent as a plain string, as a person would write it.
  const only = turn.content.length === 1 ? turn.content[0] : undefined;
  if (only?.type === 'text') return { role: turn.role, content: only.text };
  return { role: turn.role, content: turn.content };
}

function convertTools(tools: unknown): NonNullable<AnthropicMessageParams['tools']> {
  if (!Array.isArray(tools)) throw new ConversionError('tools', 'tools must be an array.');
  return tools.map((tool, i) => {
    const at = `tools[${i}]`;
    if (tool?.type !== 'function' || typeof tool.function?.name !== 'string') {
      throw new ConversionError(at, `${at}: only function tools with a name are supported for Anthropic.`);
    }
    const parameters = tool.function.parameters;
    if (
      parameters !== undefined &&
      (typeof parameters !== 'object' || parameters === null || (parameters.type !== undefined && parameters.type !== 'object'))
    ) {
      throw new ConversionError(
        `${at}.function.parameters`,
        `${at}.function.parameters must be a JSON schema of type "object" (Anthropic's input_schema).`,
      );
    }
    return {
      name: tool.function.name,
      ...(typeof tool.function.description === 'string' ? { description: tool.function.description } : {}),
      input_schema: parameters ? { type: 'object', ...parameters } : { type: 'object', properties: {} },
    };
  });
}

function convertToolChoice(choice: unknown, parallel: unknown, hasTools: boolean): AnthropicMessageParams['tool_choice'] | null {
  // Without tools a choice means nothing (OpenAI allows "none" there; Anthropic would reject it).
  if (!hasTools) return null;
  const disableParallel = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined || choice === null) return parallel === false ? { type: 'auto', disable_parallel_tool_use: true } : null;
  if (choice === 'auto') return { type: 'auto', ...disableParallel };
  if (choice === 'required') return { type: 'any', ...disableParallel };
  if (choice === 'none') return { type: 'none' };
  const named = choice as { type?: unknown; function?: { name?: unknown } };
  if (named?.type === 'function' && typeof named.function?.name === 'string') {
    return { type: 'tool', name: named.function.name, ...disableParallel };
  }
  throw new ConversionError('tool_choice', 'tool_choice must be "auto", "required", "none" or {type:"function", function:{name}}.');
}
