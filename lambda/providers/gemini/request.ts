// OpenAI batch input line → Gemini batch input line (shared/spec/gemini.md §2.6 and §3). Pure: no I/O.
// Every OpenAI field is either mapped, knowingly dropped (it has no effect Gemini could honour), or
// rejected with an error naming it, so a request never silently runs differently from what was asked.
import type { BatchRequestInput, ChatCompletionRequest, ChatContentPart, ChatMessage } from '#contracts/openai-types';
import type {
  GeminiBatchLine,
  GeminiContent,
  GeminiFunctionDeclaration,
  GeminiGenerationConfig,
  GeminiPart,
  GeminiSchema,
  GeminiToolConfig,
  GenerateContentRequest,
} from './types';

import { GeminiConversionError } from './request-error';
import { convertLineBody } from '#lambda/providers/convert/responses-request';
import { geminiCapabilities, thinkingConfigFor } from './capabilities';
import {
  appendTurn,
  parseDataUrl,
  parseToolArguments,
  readMaxTokens,
  readStopSequences,
  type Turn,
} from '#lambda/providers/convert/chat-request';

export { GeminiConversionError };

/**
 * The thoughtSignature Google documents for a history that did not come from Gemini (an OpenAI chat
 * history never carries Gemini's signatures): ai.google.dev/gemini-api/docs/thought-signatures, FAQ.
 */
export const FOREIGN_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

/** Gemini accepts at most this many stop sequences. */
export const MAX_STOP_SEQUENCES = 5;

/**
 * Body fields that change nothing Gemini could honour, dropped on purpose: `model` (the batch's model
 * applies to every line), bookkeeping fields, and `parallel_tool_calls` (Gemini decides itself how many
 * calls to make; it has no switch for this).
 */
const DROPPED_FIELDS = new Set([
  'model',
  'user',
  'metadata',
  'store',
  'service_tier',
  'parallel_tool_calls',
  'stream',
  'stream_options',
  'safety_identifier',
  'prompt_cache_key',
]);

/** Fields we translate; anything else is rejected by name. */
const MAPPED_FIELDS = new Set([
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'n',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'response_format',
  'tools',
  'tool_choice',
  'reasoning_effort',
  'logprobs',
]);

/** `{key: custom_id, request: GenerateContentRequest}`; throws GeminiConversionError naming the field. */
export function toGeminiBatchLine(request: BatchRequestInput): GeminiBatchLine {
  return { key: request.custom_id, request: convertLineBody(request, toGenerateContentRequest) };
}

export function toGenerateContentRequest(body: ChatCompletionRequest): GenerateContentRequest {
  for (const field of Object.keys(body)) {
    if (!MAPPED_FIELDS.has(field) && !DROPPED_FIELDS.has(field)) {
      throw new GeminiConversionError(field, `body.${field} is not supported for Gemini batches.`);
    }
  }
  if (body.logprobs === true) throw new GeminiConversionError('logprobs', 'body.logprobs is not supported for Gemini batches.');

  const { systemInstruction, contents } = convertMessages(body.messages, geminiCapabilities(body.model).needsThoughtSignatures);
  const out: GenerateContentRequest = { contents };
  if (systemInstruction) out.systemInstruction = systemInstruction;
  const generationConfig = convertGenerationConfig(body);
  if (Object.keys(generationConfig).length > 0) out.generationConfig = generationConfig;
  if (body.tools !== undefined) {
    const functionDeclarations = convertTools(body.tools);
    if (functionDeclarations.length > 0) out.tools = [{ functionDeclarations }];
  }
  if (body.tool_choice !== undefined) out.toolConfig = convertToolChoice(body.tool_choice);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// messages

/** What converting a conversation gathers as it goes. */
interface Conversation {
  systemTexts: string[];
  /** Gemini wants alternating user/model turns: the shared appendTurn merges consecutive same-role ones. */
  turns: Array<Turn<'user' | 'model', GeminiPart>>;
  /** Gemini keys tool results by function name, OpenAI by call id: which id named which function. */
  functionNameByCallId: Map<string, string>;
  /** Gemini 3 wants a thought signature on function calls (capabilities.ts). */
  signFunctionCalls: boolean;
}

function convertMessages(
  messages: ChatMessage[],
  signFunctionCalls: boolean,
): { systemInstruction?: GeminiContent; contents: GeminiContent[] } {
  const conversation: Conversation = { systemTexts: [], turns: [], functionNameByCallId: new Map(), signFunctionCalls };
  messages.forEach((message, i) => convertMessage(conversation, message, `messages[${i}]`));
  const contents: GeminiContent[] = conversation.turns.map((turn) => ({ role: turn.role, parts: turn.content }));
  if (contents.length === 0) {
    throw new GeminiConversionError(
      'messages',
      'messages must contain at least one user or assistant message for Gemini (system messages alone are not a prompt).',
    );
  }
  const { systemTexts } = conversation;
  return { systemInstruction: systemTexts.length ? { parts: [{ text: systemTexts.join('\n\n') }] } : undefined, contents };
}

function convertMessage(conversation: Conversation, message: ChatMessage, at: string): void {
  switch (message.role) {
    case 'system':
    case 'developer': {
      const text = textOnly(message.content, at);
      if (text !== '') conversation.systemTexts.push(text);
      return;
    }
    case 'user':
      return appendTurn(conversation.turns, 'user', userParts(message.content, at));
    case 'assistant':
      return appendTurn(conversation.turns, 'model', modelParts(conversation, message, at));
    case 'tool':
      return appendTurn(conversation.turns, 'user', [functionResponsePart(conversation, message, at)]);
    default:
      throw new GeminiConversionError(
        `${at}.role`,
        `${at}.role ${JSON.stringify((message as { role: unknown }).role)} is not supported for Gemini batches.`,
      );
  }
}

/** An assistant message: its text, then its tool calls as function calls. */
function modelParts(conversation: Conversation, message: ChatMessage, at: string): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const text = textOnly(message.content ?? null, at, ['text', 'refusal']);
  if (text !== '') parts.push({ text });
  (message.tool_calls ?? []).forEach((call, j) => {
    const callAt = `${at}.tool_calls[${j}]`;
    if (call?.type !== 'function' || typeof call.function?.name !== 'string') {
      throw new GeminiConversionError(callAt, `${callAt} must be a function call with a name.`);
    }
    conversation.functionNameByCallId.set(call.id, call.function.name);
    const functionCall = {
      name: call.function.name,
      args: parseToolArguments(call.function.arguments, `${callAt}.function.arguments`),
    };
    // Gemini 3 wants a signature on the first function call of each step (parallel calls: the first only).
    parts.push(
      conversation.signFunctionCalls && j === 0 ? { functionCall, thoughtSignature: FOREIGN_THOUGHT_SIGNATURE } : { functionCall },
    );
  });
  return parts;
}

/** A tool message: the result of the function its tool_call_id named. */
function functionResponsePart(conversation: Conversation, message: ChatMessage, at: string): GeminiPart {
  const name = message.tool_call_id === undefined ? undefined : conversation.functionNameByCallId.get(message.tool_call_id);
  if (name === undefined) {
    throw new GeminiConversionError(
      `${at}.tool_call_id`,
      `${at}.tool_call_id ${JSON.stringify(message.tool_call_id ?? null)} does not match a tool call of an earlier assistant message; Gemini needs the function name for every tool result.`,
    );
  }
  return { functionResponse: { name, response: { content: parseMaybeJson(textOnly(message.content, at)) } } };
}

/** The text of a message whose content may only be text (system, developer, tool, assistant). */
function textOnly(content: ChatMessage['content'], at: string, textTypes: string[] = ['text']): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw new GeminiConversionError(`${at}.content`, `${at}.content must be a string or an array of parts.`);
  return content
    .map((part, j) => {
      const p = part as { type?: string; text?: unknown; refusal?: unknown };
      const value = p.type === 'refusal' ? p.refusal : p.text;
      if (!textTypes.includes(p.type ?? '') || typeof value !== 'string') {
        throw new GeminiConversionError(
          `${at}.content[${j}]`,
          `${at}.content[${j}] of type ${JSON.stringify(p.type ?? null)} is not supported here; only text parts are.`,
        );
      }
      return value;
    })
    .join('');
}

function userParts(content: ChatMessage['content'], at: string): GeminiPart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) throw new GeminiConversionError(`${at}.content`, `${at}.content must be a string or an array of parts.`);
  return content.map((part: ChatContentPart, j) => {
    const partAt = `${at}.content[${j}]`;
    if (part.type === 'text' && typeof part.text === 'string') return { text: part.text };
    if (part.type === 'image_url' && typeof part.image_url?.url === 'string')
      return imagePart(part.image_url.url, `${partAt}.image_url.url`);
    throw new GeminiConversionError(
      partAt,
      `${partAt} of type ${JSON.stringify((part as { type?: unknown }).type ?? null)} is not supported for Gemini batches; use text or image_url parts.`,
    );
  });
}

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

const GEMINI_FILE_URI = /^https:\/\/generativelanguage\.googleapis\.com\/v1(beta)?\/files\/[^/]+$/;

function imagePart(url: string, at: string): GeminiPart {
  const dataUrl = parseDataUrl(url);
  if (dataUrl) return { inlineData: { mimeType: dataUrl.mediaType, data: dataUrl.data } };
  // A file already in the Gemini Files API: the service knows its type.
  if (GEMINI_FILE_URI.test(url)) return { fileData: { fileUri: url } };
  if (/^https?:\/\//.test(url)) {
    const extension = /\.([A-Za-z0-9]+)(?:[?#].*)?$/.exec(new URL(url).pathname)?.[1]?.toLowerCase();
    const mimeType = extension ? IMAGE_TYPES[extension] : undefined;
    // Gemini needs a MIME type for a URL it did not store; guessing wrong fails the request later.
    if (!mimeType) {
      throw new GeminiConversionError(
        at,
        `${at}: cannot tell the image type of this URL for Gemini; use a data: URL or a URL ending in ${Object.keys(IMAGE_TYPES)
          .map((e) => '.' + e)
          .join(', ')}.`,
      );
    }
    return { fileData: { mimeType, fileUri: url } };
  }
  throw new GeminiConversionError(at, `${at} must be a data: URL or an http(s) URL.`);
}

/** Tool output is free text in OpenAI; Gemini takes a JSON value, so structured output stays structured. */
function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------------------------------
// generation config

function convertGenerationConfig(body: ChatCompletionRequest): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  const maxTokens = readMaxTokens(body);
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  if (body.temperature != null) config.temperature = number(body.temperature, 'temperature');
  if (body.top_p != null) config.topP = number(body.top_p, 'top_p');
  if (body.n != null) config.candidateCount = integer(body.n, 'n', 1);
  if (body.seed != null) config.seed = integer(body.seed, 'seed');
  if (body.presence_penalty != null) config.presencePenalty = number(body.presence_penalty, 'presence_penalty');
  if (body.frequency_penalty != null) config.frequencyPenalty = number(body.frequency_penalty, 'frequency_penalty');
  const stop = readStopSequences(body);
  if (stop) {
    if (stop.length > MAX_STOP_SEQUENCES)
      throw new GeminiConversionError('stop', `body.stop has ${stop.length} sequences; Gemini accepts at most ${MAX_STOP_SEQUENCES}.`);
    config.stopSequences = stop;
  }
  if (body.response_format != null) Object.assign(config, convertResponseFormat(body.response_format));
  if (body.reasoning_effort != null) {
    const thinkingConfig = thinkingConfigFor(body.reasoning_effort, typeof body.model === 'string' ? body.model : undefined);
    if (thinkingConfig) config.thinkingConfig = thinkingConfig;
  }
  return config;
}

function number(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new GeminiConversionError(field, `body.${field} must be a number.`);
  return value;
}

function integer(value: unknown, field: string, min?: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || (min !== undefined && value < min)) {
    throw new GeminiConversionError(field, `body.${field} must be an integer${min !== undefined ? ` ≥ ${min}` : ''}.`);
  }
  return value;
}

function convertResponseFormat(format: NonNullable<ChatCompletionRequest['response_format']>): GeminiGenerationConfig {
  switch (format.type) {
    case 'text':
      return {};
    case 'json_object':
      return { responseMimeType: 'application/json' };
    case 'json_schema': {
      const schema = format.json_schema?.schema;
      // responseSchema (OpenAPI subset), not responseJsonSchema: the latter is reported to misbehave on
      // :batchGenerateContent (spec §3).
      if (schema === undefined) return { responseMimeType: 'application/json' };
      return { responseMimeType: 'application/json', responseSchema: toGeminiSchema(schema, 'response_format.json_schema.schema') };
    }
    default:
      throw new GeminiConversionError(
        'response_format.type',
        `body.response_format.type ${JSON.stringify((format as { type?: unknown }).type ?? null)} is not supported for Gemini.`,
      );
  }
}

// ---------------------------------------------------------------------------------------------------
// JSON Schema → Gemini Schema (OpenAPI 3.0 subset)

const SCHEMA_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);
/** Gemini's Schema.format only knows these; other formats are hints it rejects, so they are dropped. */
const SCHEMA_FORMATS = new Set(['enum', 'date-time', 'int32', 'int64', 'float', 'double']);
const PASS_THROUGH = [
  'title',
  'description',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'minProperties',
  'maxProperties',
  'default',
  'example',
  'propertyOrdering',
  'nullable',
] as const;
/** Annotations and validation-only keywords Gemini cannot express; dropping them loosens nothing structural. */
const IGNORED_KEYWORDS = new Set([
  '$schema',
  '$id',
  '$comment',
  '$defs',
  'definitions',
  'examples',
  'uniqueItems',
  'multipleOf',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'readOnly',
  'writeOnly',
  'deprecated',
  'contentEncoding',
  'contentMediaType',
  'strict',
]);
const HANDLED_KEYWORDS = new Set([
  'type',
  'format',
  'enum',
  'const',
  'items',
  'properties',
  'required',
  'anyOf',
  'oneOf',
  'additionalProperties',
  '$ref',
  ...PASS_THROUGH,
]);

/**
 * Converts a JSON Schema (as OpenAI takes for json_schema and tool parameters) into Gemini's Schema:
 * upper-case type names, `["x","null"]` → nullable, `oneOf` → `anyOf`, local `$ref`s inlined, and
 * `additionalProperties: false` dropped (OpenAI strict mode requires it; Gemini has no such field).
 * Keywords that would change the shape and cannot be expressed are rejected, naming their path.
 */
export function toGeminiSchema(schema: unknown, path: string, root: unknown = schema, refStack: string[] = []): GeminiSchema {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new GeminiConversionError(path, `${path} must be a JSON Schema object.`);
  }
  const source = schema as Record<string, unknown>;
  if (typeof source.$ref === 'string') return resolveRef(source.$ref, path, root, refStack);

  for (const keyword of Object.keys(source)) {
    if (!HANDLED_KEYWORDS.has(keyword) && !IGNORED_KEYWORDS.has(keyword)) {
      throw new GeminiConversionError(`${path}.${keyword}`, `${path}.${keyword} is not supported by Gemini's response/parameter schemas.`);
    }
  }
  if (source.additionalProperties !== undefined && source.additionalProperties !== false) {
    throw new GeminiConversionError(
      `${path}.additionalProperties`,
      `${path}.additionalProperties is not supported by Gemini's schemas (only false, which is dropped).`,
    );
  }

  const out: GeminiSchema = {};
  for (const key of PASS_THROUGH) if (source[key] !== undefined) (out as Record<string, unknown>)[key] = source[key];

  if (source.type !== undefined) {
    const types = Array.isArray(source.type) ? source.type : [source.type];
    const nonNull = types.filter((t) => t !== 'null');
    if (nonNull.length !== types.length) out.nullable = true;
    if (nonNull.length !== 1 || typeof nonNull[0] !== 'string' || !SCHEMA_TYPES.has(nonNull[0])) {
      throw new GeminiConversionError(
        `${path}.type`,
        `${path}.type ${JSON.stringify(source.type)} is not supported by Gemini; use one type (optionally with "null"), or anyOf.`,
      );
    }
    out.type = nonNull[0].toUpperCase();
  }
  if (typeof source.format === 'string' && SCHEMA_FORMATS.has(source.format)) out.format = source.format;

  const enumValues = source.enum ?? (source.const !== undefined ? [source.const] : undefined);
  if (enumValues !== undefined) {
    const strings = Array.isArray(enumValues) ? enumValues.filter((v) => v !== null) : [];
    if (!Array.isArray(enumValues) || strings.some((v) => typeof v !== 'string')) {
      throw new GeminiConversionError(`${path}.enum`, `${path}: Gemini schemas only support enums of strings.`);
    }
    if (strings.length !== enumValues.length) out.nullable = true;
    out.enum = strings as string[];
    out.type ??= 'STRING';
  }

  if (source.items !== undefined) out.items = toGeminiSchema(source.items, `${path}.items`, root, refStack);
  if (source.properties !== undefined) {
    if (typeof source.properties !== 'object' || source.properties === null)
      throw new GeminiConversionError(`${path}.properties`, `${path}.properties must be an object.`);
    out.properties = {};
    for (const [name, property] of Object.entries(source.properties)) {
      out.properties[name] = toGeminiSchema(property, `${path}.properties.${name}`, root, refStack);
    }
  }
  if (Array.isArray(source.required)) out.required = source.required as string[];
  const alternatives = source.anyOf ?? source.oneOf;
  if (alternatives !== undefined) {
    const key = source.anyOf !== undefined ? 'anyOf' : 'oneOf';
    if (!Array.isArray(alternatives)) throw new GeminiConversionError(`${path}.${key}`, `${path}.${key} must be an array.`);
    out.anyOf = alternatives.map((alt, i) => toGeminiSchema(alt, `${path}.${key}[${i}]`, root, refStack));
  }
  return out;
}

function resolveRef(ref: string, path: string, root: unknown, refStack: string[]): GeminiSchema {
  const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
  const target = match ? (root as Record<string, Record<string, unknown> | undefined>)[match[1]]?.[match[2]] : undefined;
  if (!match || target === undefined) {
    throw new GeminiConversionError(
      `${path}.$ref`,
      `${path}.$ref ${JSON.stringify(ref)} must point into this schema's $defs or definitions.`,
    );
  }
  if (refStack.includes(ref)) {
    throw new GeminiConversionError(
      `${path}.$ref`,
      `${path}.$ref ${JSON.stringify(ref)} is recursive; Gemini schemas cannot express recursion.`,
    );
  }
  return toGeminiSchema(target, path, root, [...refStack, ref]);
}

// ---------------------------------------------------------------------------------------------------
// tools

function convertTools(tools: unknown): GeminiFunctionDeclaration[] {
  if (!Array.isArray(tools)) throw new GeminiConversionError('tools', 'body.tools must be an array.');
  return tools.map((tool, i) => {
    const at = `tools[${i}]`;
    const t = tool as { type?: unknown; function?: { name?: unknown; description?: unknown; parameters?: unknown } };
    if (t?.type !== 'function' || typeof t.function?.name !== 'string') {
      throw new GeminiConversionError(at, `${at} must be a function tool with a name; Gemini batches support only function tools.`);
    }
    const declaration: GeminiFunctionDeclaration = { name: t.function.name };
    if (typeof t.function.description === 'string') declaration.description = t.function.description;
    const parameters = t.function.parameters as Record<string, unknown> | undefined;
    // Gemini rejects an OBJECT schema with no properties ("should be non-empty for OBJECT type"):
    // a function without arguments is declared without parameters.
    const hasProperties =
      parameters &&
      typeof parameters.properties === 'object' &&
      parameters.properties !== null &&
      Object.keys(parameters.properties).length > 0;
    if (hasProperties) declaration.parameters = toGeminiSchema(parameters, `${at}.function.parameters`);
    return declaration;
  });
}

function convertToolChoice(choice: unknown): GeminiToolConfig {
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  const named = choice as { type?: unknown; function?: { name?: unknown } };
  if (named?.type === 'function' && typeof named.function?.name === 'string') {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [named.function.name] } };
  }
  throw new GeminiConversionError(
    'tool_choice',
    'body.tool_choice must be "auto", "required", "none" or {"type":"function","function":{"name":…}}.',
  );
}
