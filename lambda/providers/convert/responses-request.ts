// A Responses API body (`/v1/responses` batch lines) → the chat.completions body every chat converter
// (Anthropic, Bedrock's families, Gemini) already reads: one internal form, no fourth converter. The
// converters' errors are then renamed into the Responses body's terms (input[3], text.format, …).
// Shapes: OpenAI API reference "Responses" / shared/spec/openai-openapi (CreateResponse, InputItem,
// EasyInputMessage, FunctionToolCall, FunctionCallOutputItemParam, FunctionTool, ResponseTextParam);
// docs/providers.md "Responses". Pure.
import type {
  BatchRequestInput,
  ChatCompletionRequest,
  ChatContentPart,
  ChatMessage,
  ChatTool,
  ChatToolCall,
} from '#contracts/openai-types';
import { RESPONSES_ENDPOINT } from '#lambda/batch-files/endpoints';
import { ConversionError } from './conversion-error';

type Body = Record<string, unknown>;
const isObject = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);
const given = (value: unknown) => value !== undefined && value !== null;

const fail = (field: string, reason: string): never => {
  throw new ConversionError(field, `body.${field} ${reason}`);
};

/** Fields with the same name and meaning in both APIs. */
const SAME_FIELDS = [
  'model',
  'temperature',
  'top_p',
  'parallel_tool_calls',
  'user',
  'metadata',
  'store',
  'service_tier',
  'top_logprobs',
  'safety_identifier',
  'prompt_cache_key',
];
/** Fields read below. */
const READ_FIELDS = [
  'input',
  'instructions',
  'max_output_tokens',
  'tools',
  'tool_choice',
  'text',
  'reasoning',
  'truncation',
  'include',
  'stream',
  'background',
];

/** The chat body of a Responses body, and which Responses path each chat message came from. */
export interface TranslatedResponsesBody {
  body: ChatCompletionRequest;
  /** messages[i] of the chat body stands for this path of the Responses body (`instructions`, `input[2]`). */
  sources: string[];
}

export function responsesToChat(source: Body): TranslatedResponsesBody {
  for (const key of Object.keys(source)) {
    if (!SAME_FIELDS.includes(key) && !READ_FIELDS.includes(key) && given(source[key]))
      fail(key, 'is not supported for this provider (the gateway translates Responses lines to its chat API).');
  }
  const messages: ChatMessage[] = [];
  const sources: string[] = [];
  if (given(source.instructions)) {
    messages.push({ role: 'system', content: String(source.instructions) });
    sources.push('instructions');
  }
  inputMessages(source.input, messages, sources);
  const body: ChatCompletionRequest = { model: source.model as string, messages };
  for (const key of SAME_FIELDS) if (given(source[key]) && key !== 'model') body[key] = source[key];
  if (given(source.max_output_tokens)) body.max_completion_tokens = source.max_output_tokens as number;
  if (given(source.tools)) body.tools = tools(source.tools);
  if (given(source.tool_choice)) body.tool_choice = toolChoice(source.tool_choice);
  Object.assign(body, textFormat(source.text), reasoning(source.reasoning));
  if (given(source.truncation) && source.truncation !== 'disabled')
    fail('truncation', `${JSON.stringify(source.truncation)} is not supported for this provider; only "disabled".`);
  if (Array.isArray(source.include) && source.include.length > 0)
    fail('include', 'is not supported for this provider (it returns no extra output data).');
  return { body, sources };
}

function inputMessages(input: unknown, messages: ChatMessage[], sources: string[]): void {
  if (typeof input === 'string') {
    messages.push({ role: 'user', content: input });
    sources.push('input');
    return;
  }
  if (!Array.isArray(input)) return fail('input', 'must be a string or an array of input items.');
  input.forEach((item, i) => {
    const at = `input[${i}]`;
    if (!isObject(item)) return fail(at, 'must be an object.');
    const type = item.type ?? 'message';
    if (type === 'message') {
      messages.push(message(item, at));
      sources.push(at);
    } else if (type === 'function_call') {
      const call = functionCall(item, at);
      const last = messages[messages.length - 1];
      // Parallel calls are consecutive items; in chat they are one assistant message's tool_calls.
      if (last?.role === 'assistant' && last.tool_calls && sources[sources.length - 1].startsWith('input[')) last.tool_calls.push(call);
      else {
        messages.push({ role: 'assistant', content: null, tool_calls: [call] });
        sources.push(at);
      }
    } else if (type === 'function_call_output') {
      if (typeof item.call_id !== 'string' || item.call_id === '') fail(`${at}.call_id`, 'is required on a function_call_output item.');
      messages.push({ role: 'tool', tool_call_id: item.call_id as string, content: outputText(item.output, `${at}.output`) });
      sources.push(at);
    } else {
      fail(
        `${at}.type`,
        `${JSON.stringify(type)} is not supported for this provider; input items can be messages, function_call and function_call_output.`,
      );
    }
  });
}

const ROLES = ['user', 'assistant', 'system', 'developer'];

function message(item: Body, at: string): ChatMessage {
  const role = item.role as ChatMessage['role'];
  if (!ROLES.includes(role)) return fail(`${at}.role`, `must be one of ${ROLES.join(', ')}; got ${JSON.stringify(item.role ?? null)}.`);
  const content = item.content;
  if (typeof content === 'string') return { role, content };
  if (!Array.isArray(content)) return fail(`${at}.content`, 'must be a string or an array of content parts.');
  return { role, content: content.map((part, j) => contentPart(part, `${at}.content[${j}]`)) };
}

/** input_text / output_text / refusal → text; input_image with a URL → image_url. */
function contentPart(part: unknown, at: string): ChatContentPart {
  const p = isObject(part) ? part : {};
  if ((p.type === 'input_text' || p.type === 'output_text') && typeof p.text === 'string') return { type: 'text', text: p.text };
  if (p.type === 'refusal' && typeof p.refusal === 'string') return { type: 'text', text: p.refusal };
  if (p.type === 'input_image') {
    if (typeof p.image_url !== 'string')
      return fail(
        `${at}.image_url`,
        'must be a URL (data: or http); images by file_id are files kept by OpenAI, which this provider cannot read.',
      );
    return { type: 'image_url', image_url: { url: p.image_url, ...(typeof p.detail === 'string' ? { detail: p.detail } : {}) } };
  }
  return fail(
    `${at}.type`,
    `${JSON.stringify(p.type ?? null)} is not supported for this provider; content parts can be input_text, output_text, refusal and input_image.`,
  );
}

function functionCall(item: Body, at: string): ChatToolCall {
  if (typeof item.call_id !== 'string' || item.call_id === '') fail(`${at}.call_id`, 'is required on a function_call item.');
  if (typeof item.name !== 'string' || item.name === '') fail(`${at}.name`, 'is required on a function_call item.');
  const args = item.arguments ?? '';
  if (typeof args !== 'string') fail(`${at}.arguments`, 'must be a JSON string.');
  return { id: item.call_id as string, type: 'function', function: { name: item.name as string, arguments: args as string } };
}

/** A function_call_output's output: a string, or a list of input_text parts. */
function outputText(output: unknown, at: string): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output))
    return output
      .map((part, j) =>
        isObject(part) && part.type === 'input_text' && typeof part.text === 'string'
          ? part.text
          : fail(`${at}[${j}]`, 'must be an input_text part for this provider.'),
      )
      .join('');
  return fail(at, 'must be a string.');
}

function tools(value: unknown): ChatTool[] {
  if (!Array.isArray(value)) return fail('tools', 'must be an array.');
  return value.map((tool, i) => {
    if (!isObject(tool) || tool.type !== 'function' || typeof tool.name !== 'string') {
      return fail(
        `tools[${i}]`,
        'must be a function tool {type:"function", name, parameters}; built-in tools run only on provider openai.',
      );
    }
    const fn: ChatTool['function'] = { name: tool.name };
    if (typeof tool.description === 'string') fn.description = tool.description;
    if (isObject(tool.parameters)) fn.parameters = tool.parameters;
    return { type: 'function', function: fn };
  });
}

function toolChoice(value: unknown): ChatCompletionRequest['tool_choice'] {
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (isObject(value) && value.type === 'function' && typeof value.name === 'string')
    return { type: 'function', function: { name: value.name } };
  return fail('tool_choice', 'must be "auto", "none", "required" or {type:"function", name} for this provider.');
}

/** text.format → response_format (json_schema's fields sit flat in Responses, under json_schema in chat). */
function textFormat(text: unknown): Partial<ChatCompletionRequest> {
  if (!given(text)) return {};
  if (!isObject(text)) return fail('text', 'must be an object.');
  for (const key of Object.keys(text)) {
    if (key === 'format' || !given(text[key])) continue;
    if (key === 'verbosity' && text.verbosity === 'medium') continue;
    fail(`text.${key}`, 'is not supported for this provider.');
  }
  const format = text.format;
  if (!given(format)) return {};
  if (!isObject(format)) return fail('text.format', 'must be an object.');
  if (format.type === 'text') return {};
  if (format.type === 'json_object') return { response_format: { type: 'json_object' } };
  if (format.type === 'json_schema') {
    const json_schema: NonNullable<ChatCompletionRequest['response_format']>['json_schema'] = { schema: format.schema };
    if (typeof format.name === 'string') json_schema.name = format.name;
    if (typeof format.strict === 'boolean') json_schema.strict = format.strict;
    return { response_format: { type: 'json_schema', json_schema } };
  }
  return fail('text.format.type', `must be "text", "json_object" or "json_schema"; got ${JSON.stringify(format.type ?? null)}.`);
}

function reasoning(value: unknown): Partial<ChatCompletionRequest> {
  if (!given(value)) return {};
  if (!isObject(value)) return fail('reasoning', 'must be an object.');
  for (const key of Object.keys(value))
    if (key !== 'effort' && given(value[key])) fail(`reasoning.${key}`, 'is not supported for this provider.');
  return given(value.effort) ? { reasoning_effort: value.effort } : {};
}

/** Chat paths as the Responses body names them (the longest match first). */
function responsesPath(path: string, sources: string[]): string {
  const prefix = path.startsWith('body.') ? 'body.' : '';
  const rest = path.slice(prefix.length);
  const message = /^messages\[(\d+)\](.*)$/.exec(rest);
  if (message)
    return (
      prefix +
      (sources[Number(message[1])] ?? 'input') +
      message[2].replace(/^\.tool_calls\[\d+\]\.function/, '').replace(/^\.tool_call_id/, '.call_id')
    );
  const renames: Array<[RegExp, string]> = [
    [/^messages/, 'input'],
    [/^response_format\.json_schema/, 'text.format'],
    [/^response_format/, 'text.format'],
    [/^max_completion_tokens/, 'max_output_tokens'],
    [/^(tools\[\d+\])\.function/, '$1'],
    [/^reasoning_effort/, 'reasoning.effort'],
  ];
  for (const [pattern, replacement] of renames) if (pattern.test(rest)) return prefix + rest.replace(pattern, replacement);
  return path;
}

/** A converter's error about the chat body, in the Responses body's terms. */
export function inResponsesTerms(err: ConversionError, sources: string[]): ConversionError {
  const field = responsesPath(err.field, sources);
  if (field === err.field) return err;
  const bare = (p: string) => p.replace(/^body\./, '');
  const detail = err.detail
    .split(`body.${bare(err.field)}`)
    .join(`body.${bare(field)}`)
    .split(bare(err.field))
    .join(bare(field));
  return new ConversionError(field, detail, err.line, err.code ?? undefined);
}

/**
 * Runs a chat converter on one batch line: chat lines as they are, Responses lines translated first,
 * with the converter's errors renamed into the Responses body's terms.
 */
export function convertLineBody<T>(request: BatchRequestInput, convert: (body: ChatCompletionRequest) => T): T {
  if (request.url !== RESPONSES_ENDPOINT) return convert(request.body);
  const { body, sources } = responsesToChat(request.body);
  try {
    return convert(body);
  } catch (err) {
    if (err instanceof ConversionError) throw inResponsesTerms(err, sources);
    throw err;
  }
}
