// What every family translator shares: the chat.completions fields no Bedrock family can honour and
// small pure helpers (text of a message, images, numbers), over the shared converter kit (../convert).
import { ConversionError } from '#lambda/providers/convert/conversion-error';
import {
  isImageMediaType,
  IMAGE_MEDIA_TYPES,
  parseDataUrl,
  readMaxTokens,
  readStopSequences,
  type ImageMediaType,
} from '#lambda/providers/convert/chat-request';
import type { ChatCompletionRequest, ChatContentPart, ChatMessage } from '#contracts/openai-types';
import type { BedrockFamily } from './model-family';

export const FAMILY_NAMES: Record<BedrockFamily, string> = {
  claude: 'Anthropic Claude',
  nova: 'Amazon Nova',
  llama3: 'Meta Llama 3',
  llama4: 'Meta Llama 4',
  converse: 'this model (Bedrock Converse)',
};

/** Bedrock's name for the shared ConversionError (field paths start with `body.`). */
export { ConversionError as BedrockTranslationError } from '#lambda/providers/convert/conversion-error';

export const fail = (field: string, reason: string): never => {
  throw new ConversionError(field, `${field} ${reason}`);
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
        fail(
          'body.response_format',
          `(${JSON.stringify((value as { type?: string }).type)}) is not supported by ${name} on Bedrock batch; ask for JSON in the prompt instead.`,
        );
        break;
      default:
        fail(`body.${key}`, `is not supported by ${name} on Bedrock.`);
    }
  }
  if (body.stream === true) fail('body.stream', 'must not be true in a batch.');
}

/** max_completion_tokens wins over the deprecated max_tokens (the shared reader's rule). */
export function maxTokensOf(body: ChatCompletionRequest): number | undefined {
  return readMaxTokens(body, 'body.');
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
  return readStopSequences(body, 'body.');
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
  const config: InferenceConfig = {
    maxTokens: maxTokensOf(body),
    temperature: temperatureOf(body),
    topP: topPOf(body),
    stopSequences: stopSequencesOf(body),
  };
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
    return fail(
      `${field}.content[${i}]`,
      `has an unsupported content part type ${JSON.stringify((part as { type?: unknown })?.type)}; only text and image_url are supported.`,
    );
  });
}

/** The text of a message whose content must be text only (system prompts, tool results, Llama). */
export function textOf(message: ChatMessage, field: string, family: BedrockFamily): string {
  return partsOf(message, field)
    .map((part, i) =>
      part.type === 'text' ? part.text : fail(`${field}.content[${i}]`, `is an image, which ${FAMILY_NAMES[family]} cannot take here.`),
    )
    .join('');
}

export type { ImageMediaType };

/** The `format` of an image block in Nova's and Converse's requests, by media type. */
export const IMAGE_FORMATS = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' } as const;

/** A base64 data URL split into media type and data. Bedrock cannot fetch http(s) image URLs. */
export function parseImageDataUrl(url: string, field: string, family: BedrockFamily): { mediaType: ImageMediaType; data: string } {
  const image = parseDataUrl(url);
  if (!image) {
    return fail(
      field,
      `must be a base64 data URL (data:image/png;base64,…): ${FAMILY_NAMES[family]} on Bedrock cannot fetch images from URLs.`,
    );
  }
  if (!isImageMediaType(image.mediaType)) {
    return fail(field, `has media type ${image.mediaType}; supported: ${IMAGE_MEDIA_TYPES.join(', ')}.`);
  }
  return { mediaType: image.mediaType, data: image.data };
}

/** Tool-call arguments and turn merging are the shared reader's (Bedrock needs alternating turns). */
export { parseToolArguments, appendTurn as pushTurn } from '#lambda/providers/convert/chat-request';
