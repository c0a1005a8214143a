// The batch endpoints the gateway accepts, as a table: endpoint → the check of one line's body (pure;
// throws LineError naming the line and the field). Which provider runs which endpoint is the
// adapter's `endpoints` property (lambda/providers/provider.ts); a new endpoint is one entry here plus
// that property on the adapters that run it. README "Endpoints × providers".
import { LineError } from './lines';
import { checkEmbeddingBody, embeddingInputCount, embeddingTexts, EMBEDDINGS_ENDPOINT, MAX_BATCH_EMBEDDING_INPUTS } from './embeddings';

export type Body = Record<string, unknown>;

/** How a provider runs an endpoint: its own API takes the lines as they are, or the gateway translates them. */
export type EndpointMode = 'native' | 'translated';

export interface EndpointRule {
  /** The line's body, whatever provider runs it. */
  check(body: Body, line: number): void;
  /** What a provider the gateway translates for cannot run (e.g. Responses' built-in tools), refused at upload. */
  checkTranslated?(body: Body, line: number): void;
  /** Rules of OpenAI's own API for the endpoint, refused at upload instead of failing the line there. */
  checkNative?(body: Body, line: number): void;
  /** Whether every line must name `body.model` (moderations default to OpenAI's latest model). */
  modelOptional?: boolean;
  /** A limit over the whole file, beside the 50,000 requests: the inputs a batch may hold (embeddings). */
  inputs?: { of(body: Body): number; max: number };
}

const fail = (line: number, message: string, code: string): never => {
  throw new LineError(line, `Line ${line}: ${message}`, code);
};

const isObject = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);
const given = (value: unknown) => value !== undefined && value !== null;

/** `stream` makes no sense in a batch: OpenAI answers every line as one response body. */
function refuseStream(body: Body, line: number): void {
  if (body.stream === true) fail(line, 'stream is not supported in batches.', 'invalid_body');
}

function checkChat(body: Body, line: number): void {
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    fail(line, 'body.messages must be a non-empty array.', 'invalid_messages');
  (body.messages as unknown[]).forEach((message, i) => {
    if (!isObject(message) || typeof message.role !== 'string')
      fail(line, `body.messages[${i}] must be an object with a role.`, 'invalid_messages');
  });
  refuseStream(body, line);
}

/** Responses tools the gateway can translate: functions. The built-in ones run only on OpenAI's side. */
const TRANSLATABLE_TOOL_TYPES = ['function'];

/**
 * A Responses body (OpenAI API reference, "Create a model response"; spec openai-openapi CreateResponse):
 * `input` a string or a non-empty list of items. `background` and `stream` are refused for every
 * provider: a batch line is answered once, as one Response object.
 */
function checkResponses(body: Body, line: number): void {
  const input = body.input;
  if (typeof input !== 'string' && !(Array.isArray(input) && input.length > 0)) {
    fail(line, 'body.input must be a string or a non-empty array of input items.', 'invalid_input');
  }
  if (Array.isArray(input))
    input.forEach((item, i) => isObject(item) || fail(line, `body.input[${i}] must be an object.`, 'invalid_input'));
  if (given(body.instructions) && typeof body.instructions !== 'string') fail(line, 'body.instructions must be a string.', 'invalid_body');
  const max = body.max_output_tokens;
  if (given(max) && !(typeof max === 'number' && Number.isInteger(max) && max >= 1))
    fail(line, 'body.max_output_tokens must be a positive integer.', 'invalid_body');
  if (given(body.tools) && !Array.isArray(body.tools)) fail(line, 'body.tools must be an array.', 'invalid_body');
  for (const field of ['stream', 'background'] as const) {
    if (given(body[field]) && body[field] !== false)
      fail(
        line,
        `body.${field} is not supported in batches (each line is answered once, as one Response object).`,
        'unsupported_parameter',
      );
  }
}

/** Where another provider runs a Responses line: no server-side state and no built-in tools there. */
function checkResponsesTranslated(body: Body, line: number): void {
  for (const field of ['previous_response_id', 'conversation', 'prompt'] as const) {
    if (given(body[field]))
      fail(
        line,
        `body.${field} is not supported here: it refers to state kept by OpenAI, which this provider does not have; send the whole input instead.`,
        'unsupported_parameter',
      );
  }
  ((body.tools ?? []) as unknown[]).forEach((tool, i) => {
    const type = isObject(tool) ? tool.type : undefined;
    if (!TRANSLATABLE_TOOL_TYPES.includes(type as string)) {
      fail(
        line,
        `body.tools[${i}] of type ${JSON.stringify(type ?? null)} is a built-in OpenAI tool, which only provider openai runs; only function tools are translated for other providers.`,
        'unsupported_parameter',
      );
    }
  });
}

/**
 * OpenAI's Responses API refuses max_output_tokens below 16 ("integer below minimum value. Expected a
 * value >= 16"; docs/providers.md): the other providers take any positive limit.
 */
export const OPENAI_MIN_OUTPUT_TOKENS = 16;

function checkResponsesNative(body: Body, line: number): void {
  const max = body.max_output_tokens;
  if (typeof max === 'number' && max < OPENAI_MIN_OUTPUT_TOKENS) {
    fail(
      line,
      `body.max_output_tokens must be at least ${OPENAI_MIN_OUTPUT_TOKENS} on OpenAI's Responses API; got ${max}.`,
      'integer_below_min_value',
    );
  }
}

/** A legacy completions body: `prompt` a string, strings, or token arrays (CreateCompletionRequest). */
function checkCompletions(body: Body, line: number): void {
  const prompt = body.prompt;
  const ok =
    typeof prompt === 'string' ||
    (Array.isArray(prompt) &&
      prompt.length > 0 &&
      (prompt.every((p) => typeof p === 'string') || prompt.every((p) => typeof p === 'number') || prompt.every((p) => Array.isArray(p))));
  if (!ok) fail(line, 'body.prompt must be a string, an array of strings, or an array of token arrays.', 'invalid_body');
  refuseStream(body, line);
}

/** A moderations body: `input` a string, strings, or multi-modal input objects (CreateModerationRequest). */
function checkModerations(body: Body, line: number): void {
  const input = body.input;
  const ok =
    typeof input === 'string' ||
    (Array.isArray(input) && input.length > 0 && (input.every((p) => typeof p === 'string') || input.every(isObject)));
  if (!ok) fail(line, 'body.input must be a string, an array of strings, or an array of text/image_url input objects.', 'invalid_input');
  if (given(body.model) && typeof body.model !== 'string') fail(line, 'body.model must be a string.', 'missing_model');
}

export const ENDPOINTS: Record<string, EndpointRule> = {
  '/v1/chat/completions': { check: checkChat },
  '/v1/responses': { check: checkResponses, checkTranslated: checkResponsesTranslated, checkNative: checkResponsesNative },
  '/v1/completions': { check: checkCompletions },
  '/v1/moderations': { check: checkModerations, modelOptional: true },
  // lambda/openai/embeddings.ts; translated providers embed text, not OpenAI token ids.
  [EMBEDDINGS_ENDPOINT]: {
    check: (body, line) => void checkEmbeddingBody(body, line),
    checkTranslated: (body, line) => void embeddingTexts(body as never, 'this provider', line),
    // OpenAI: "/v1/embeddings batches are also restricted to a maximum of 50,000 embedding inputs across all requests".
    inputs: { of: embeddingInputCount, max: MAX_BATCH_EMBEDDING_INPUTS },
  },
};

export const SUPPORTED_ENDPOINTS = Object.keys(ENDPOINTS);

export const CHAT_ENDPOINT = '/v1/chat/completions';
export const RESPONSES_ENDPOINT = '/v1/responses';

/** What adapters run without saying otherwise. */
export const DEFAULT_PROVIDER_ENDPOINTS: Readonly<Record<string, EndpointMode>> = { [CHAT_ENDPOINT]: 'native' };
/** A provider with its own chat API, for which the gateway translates chat and Responses lines. */
export const TRANSLATED_CHAT_ENDPOINTS: Readonly<Record<string, EndpointMode>> = {
  [CHAT_ENDPOINT]: 'translated',
  [RESPONSES_ENDPOINT]: 'translated',
};
/** OpenAI runs every endpoint of the table itself. */
export const OPENAI_ENDPOINTS: Readonly<Record<string, EndpointMode>> = Object.fromEntries(
  SUPPORTED_ENDPOINTS.map((e) => [e, 'native' as const]),
);

/** Which endpoints a provider runs, and how: checked at upload and at batches.create. */
export interface EndpointSupport {
  provider: string;
  endpoints: Readonly<Record<string, EndpointMode>>;
}

export function providerRunsMessage(support: EndpointSupport, endpoint: string): string {
  return `provider '${support.provider}' does not run ${endpoint} batches; it runs ${Object.keys(support.endpoints).join(', ')}.`;
}
