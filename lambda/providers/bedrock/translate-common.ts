// What every family translator shares: the error it throws, the chat.completions fields no Bedrock
// family can honour, and small pure helpers (text of a message, data URLs, numbers).
import { GatewayError } from '../../http/errors';
import type { ChatCompletionRequest, ChatContentPart, ChatMessage } from '../../openai/types';
import type { BedrockFamily } from './model-family';

export const FAMILY_NAMES: Record<BedrockFamily, string> = {
  claude: 'Anthropic Claude',
  nova: 'Amazon Nova',
  llama3: 'Meta Llama 3',
  llama4: 'Meta Llama 4',
  converse: 'this model (Bedrock Converse)',
};

/**
 * A request line that cannot be expressed for its model family. `field` is the path inside the line
 * (`body.tools`, `body.messages[2].content[0]`); the adapter adds the line number.
 */
export class BedrockTranslationError extends GatewayError {
  /** `detail` is the whole sentence and starts with the field, e.g. `body.n must be 1 …`. */
  constructor(readonly field: string, readonly detail: string, readonly line: number | null = null) {
    super(400, line === null ? detail : `Line ${line}: ${detail}`, 'invalid_request_error', field, 'unsupported_for_model');
    this.name = 'BedrockTranslationError';
  }

  /** The same error, naming the input line. */
  atLine(line: number): BedrockTranslationError {
    return new BedrockTranslationError(this.field, this.detail, line);
  }
}

export const fail = (field: string, reason: string): never => {
  throw new BedrockTranslationError(field, `${field} ${reason}`);
};

/** chat.completions fields that carry no meaning for the model and are dropped (model: the job names it). */
const IGNORED_FIELDS = new Set(['model', 'stream', 'user', 'store', 'metadata', 'service_tier', 'stream_options']);

/**
 * Rejects fields the family cannot honour instead of silently dropping them: a batch that quietly
 * ignores `n: 3`, `seed` or `response_format` returns something else than the client asked for (the
 * Anthropic converter, used for Claude, decides the same way). `handled` lists the fields the
 * family's translator reads; harmless default values (n: 1, penalties 0, …) pass.
 */
export function checkFields(body: ChatCompletionRequest, family: BedrockFamily, handled: readonly string[]): void {
  const name = FAMILY_NAMES[family];
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined || value === null || IGNORED_FIELDS.has(key) || handled.includes(key)) continue;
    switch (key) {
      case 'n':
        if (value === 1) continue;
        fail('body.n', `must be 1 for ${name} on Bedrock (one completion per request); got ${JSON.stringify(value)}.`);
        break;
      case 'presence_penalty':
      case 'frequency_penalty':
        if (value === 0) continue;
        fail(`body.${key}`, `is not supported by ${name} on Bedrock.`);
        break;
      case 'logprobs':
        if (value === false) continue;
        fail('body.logprobs', `is not supported by ${name} on Bedrock.`);
        break;
      case 'logit_bias':
        if (typeof value === 'object' && Object.keys(value as object).length === 0) continue;
        fail('body.logit_bias', `is not supported by ${name} on Bedrock.`);
        break;
      case 'modalities':
        if (Array.isArray(value) && value.every((m) => m === 'text')) continue;
        fail('body.modalities', `can only be ["text"] for ${name} on Bedrock.`);
        break;
      case 'response_format':
        if ((value as { type?: string }).type === 'text') continue;
        fail('body.response_format', `(${JSON.stringify((value as { type?: string }).type)}) is not supported by ${name} on Bedrock batch; ask for JSON in the prompt instead.`);
        break;
      default:
        fail(`body.${key}`, `is not supported by ${name} on Bedrock.`);
    }
  }
  if (body.stream === true) fail('body.stream', 'must not be true in a batch.');
}

/** max_completion_tokens wins over the deprecated max_tokens, as in OpenAI's API. */
export function maxTokensOf(body: ChatCompletionRequest): number | undefined {
  const field = body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(`body.${field}`, `must be a positive integer; got ${JSON.stringify(value)}.`);
  return value as number;
}

/**
 * OpenAI's temperature goes to 2, every Bedrock family's stops at 1. We clamp (0.7 stays 0.7, 1.5
 * becomes 1) rather than halve, so the common values keep their meaning.
 */
export function temperatureOf(body: ChatCompletionRequest): number | undefined {
  return numberIn(body.temperature, 'body.temperature', 0, 2, (v) => Math.min(v, 1));
}

export function topPOf(body: ChatCompletionRequest): number | undefined {
  return numberIn(body.top_p, 'body.top_p', 0, 1);
}

function numberIn(value: unknown, field: string, min: number, max: number, adjust: (v: number) => number = (v) => v): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(field, `must be a number from ${min} to ${max}; got ${JSON.stringify(value)}.`);
  }
  return adjust(value as number);
}

export function stopSequencesOf(body: ChatCompletionRequest): string[] | undefined {
  const stop = body.stop;
  if (stop === undefined || stop === null) return undefined;
  const list = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) fail('body.stop', 'must be a string or an array of strings.');
  return list.length ? list : undefined;
}

/** The sampling settings of Nova's InvokeModel body and of a Converse request (same camelCase names). */
export interface InferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

/** A line's inferenceConfig, or undefined when it sets none of its fields. */
export function inferenceConfigOf(body: ChatCompletionRequest): InferenceConfig | undefined {
  const config: InferenceConfig = { maxTokens: maxTokensOf(body), temperature: temperatureOf(body), topP: topPOf(body), stopSequences: stopSequencesOf(body) };
  for (const key of Object.keys(config) as Array<keyof InferenceConfig>) if (config[key] === undefined) delete config[key];
  return Object.keys(config).length ? config : undefined;
}

/** System and developer messages become the family's system prompt; their order is kept. */
export function isSystemRole(message: ChatMessage): boolean {
  return message.role === 'system' || message.role === 'developer';
}

/** The content parts of a message, strings as one text part. */
export function partsOf(message: ChatMessage, field: string): ChatContentPart[] {
  const content = message.content;
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) fail(`${field}.content`, 'must be a string or an array of content parts.');
  return content.map((part, i) => {
    if (part && part.type === 'text' && typeof part.text === 'string') return part;
    if (part && part.type === 'image_url' && typeof part.image_url?.url === 'string') return part;
    return fail(`${field}.content[${i}]`, `has an unsupported content part type ${JSON.stringify((part as { type?: unknown })?.type)}; only text and image_url are supported.`);
  });
}

/** The text of a message whose content must be text only (system prompts, tool results, Llama). */
export function textOf(message: ChatMessage, field: string, family: BedrockFamily): string {
  return partsOf(message, field)
    .map((part, i) => (part.type === 'text' ? part.text : fail(`${field}.content[${i}]`, `is an image, which ${FAMILY_NAMES[family]} cannot take here.`)))
    .join('');
}

const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
export type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];

/** A base64 data URL split into media type and data. Bedrock cannot fetch http(s) image URLs. */
export function parseImageDataUrl(url: string, field: string, family: BedrockFamily): { mediaType: ImageMediaType; data: string } {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!match) {
    return fail(field, `must be a base64 data URL (data:image/png;base64,…): ${FAMILY_NAMES[family]} on Bedrock cannot fetch images from URLs.`);
  }
  const mediaType = match[1].toLowerCase();
  if (!(IMAGE_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
    fail(field, `has media type ${mediaType}; supported: ${IMAGE_MEDIA_TYPES.join(', ')}.`);
  }
  return { mediaType: mediaType as ImageMediaType, data: match[2] };
}

/** Tool call arguments arrive as a JSON string; the Bedrock families want the object. */
export function parseToolArguments(args: unknown, field: string): Record<string, unknown> {
  if (typeof args !== 'string') return fail(field, 'must be a JSON string.');
  if (args.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(args);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  return fail(field, 'must be a JSON object encoded as a string.');
}

/** Appends a turn, merging it into the previous one when the role repeats (Bedrock needs alternation). */
export function pushTurn<Block>(turns: Array<{ role: 'user' | 'assistant'; content: Block[] }>, role: 'user' | 'assistant', content: Block[]): void {
  const last = turns[turns.length - 1];
  if (last && last.role === role) last.content.push(...content);
  else turns.push({ role, content: [...content] });
}
