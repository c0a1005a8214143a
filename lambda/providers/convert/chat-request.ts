// The shared reader of OpenAI chat.completions request bodies: the rules every converter applies the
// same way (max-token precedence, stop sequences, data URLs, tool-call arguments, same-role turn
// merging), written once. Pure. Field paths: `prefix` is what the converter puts before a body field
// in ConversionError.field ('' for Anthropic and Gemini, 'body.' for Bedrock); messages always say
// `body.<field>`, as a client reads it.
import type { ChatCompletionRequest } from '#contracts/openai-types';
import { ConversionError } from './conversion-error';

export type MaxTokensField = 'max_completion_tokens' | 'max_tokens';

/** max_completion_tokens wins over the deprecated max_tokens, as in OpenAI's API (null counts as absent). */
export function maxTokensField(body: ChatCompletionRequest): MaxTokensField {
  return body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
}

/** The line's output-token limit (by the precedence above), or undefined when it sets none. */
export function readMaxTokens(body: ChatCompletionRequest, prefix = ''): number | undefined {
  const field = maxTokensField(body);
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConversionError(prefix + field, `body.${field} must be a positive integer (an integer ≥ 1); got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** `stop` as a list (a string is one sequence); undefined when absent or empty. */
export function readStopSequences(body: ChatCompletionRequest, prefix = ''): string[] | undefined {
  const stop = body.stop as unknown;
  if (stop === undefined || stop === null) return undefined;
  const list = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) {
    throw new ConversionError(`${prefix}stop`, 'body.stop must be a string or an array of strings.');
  }
  return list.length ? (list as string[]) : undefined;
}

/** A `data:<media type>;base64,<data>` URL split in two (media type lower-cased), or null for any other URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | null {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1].toLowerCase(), data: match[2] } : null;
}

/** The image types Anthropic's Messages API and Bedrock's Claude and Nova take inline. */
export const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
export type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];

export function isImageMediaType(mediaType: string): mediaType is ImageMediaType {
  return (IMAGE_MEDIA_TYPES as readonly string[]).includes(mediaType);
}

/**
 * Tool-call arguments arrive as a JSON string; every provider wants the object. Absent or blank
 * arguments are an empty object; `field` is the full path (it names the error).
 */
export function parseToolArguments(args: unknown, field: string): Record<string, unknown> {
  if (args === undefined || (typeof args === 'string' && args.trim() === '')) return {};
  if (typeof args !== 'string') throw new ConversionError(field, `${field} must be a JSON string.`);
  let value: unknown;
  try {
    value = JSON.parse(args);
  } catch {
    throw new ConversionError(field, `${field} is not valid JSON; it must be a JSON object encoded as a string.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConversionError(field, `${field} must be a JSON object encoded as a string.`);
  return value as Record<string, unknown>;
}

export interface Turn<Role extends string, Block> {
  role: Role;
  content: Block[];
}

/**
 * Appends a turn, merging it into the previous one when the role repeats: Anthropic, Bedrock and
 * Gemini all want alternating turns (several tool results in a row, or a tool result followed by a
 * user message, become one turn). An empty turn adds nothing.
 */
export function appendTurn<Role extends string, Block>(turns: Array<Turn<Role, Block>>, role: Role, content: readonly Block[]): void {
  if (content.length === 0) return;
  const last = turns[turns.length - 1];
  if (last && last.role === role) last.content.push(...content);
  else turns.push({ role, content: [...content] });
}
