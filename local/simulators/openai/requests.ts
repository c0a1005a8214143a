// How the simulated OpenAI answers one request of a batch: a deterministic chat.completion, or an
// OpenAI-shaped HTTP error for the triggers listed in ./index.ts. Pure: no I/O, no clock, no randomness
// (ids and timestamps are passed in), so the same prompt always gets the same answer and token counts.
import { countTokens as o200kTokens } from 'gpt-tokenizer/cjs/encoding/o200k_base';

/** A user message containing this makes that request fail with HTTP 400 (in the batch's error file). */
export const SIMULATE_ERROR_MARKER = '[simulate-error]';
/** A user message containing this makes that request fail with HTTP 500 (in the batch's error file). */
export const SIMULATE_SERVER_ERROR_MARKER = '[simulate-server-error]';
/** A model whose name starts with this does not exist: HTTP 404 `model_not_found` for the request. */
export const INVALID_MODEL_PREFIX = 'invalid-';

export interface RequestAnswer {
  statusCode: number;
  body: unknown;
  /** Tokens billed for a successful answer (0 for errors). */
  promptTokens: number;
  completionTokens: number;
}

export interface AnswerIds {
  completionId: string;
  /** Unix seconds. */
  created: number;
  /** Answer OpenAI's 429 rate-limit error instead (the caller's "[simulate-rate-limit-once]" state). */
  rateLimited?: boolean;
}

/** The user messages' texts of a chat body. */
export function userTextsOf(body: unknown): string[] {
  const messages = isObject(body) && Array.isArray(body.messages) ? body.messages : [];
  return messages.filter((m) => isObject(m) && m.role === 'user').map((m) => contentText((m as Record<string, unknown>).content));
}

/** Roughly OpenAI's tokenizer for English text: about four characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The text of a message's content, whether a plain string or a list of parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : '',
      )
      .join(' ');
  }
  return '';
}

/** An OpenAI-shaped error answer to one request. */
export function errorAnswer(statusCode: number, message: string, type: string, param: string | null, code: string | null): RequestAnswer {
  return { statusCode, body: { error: { message, type, param, code } }, promptTokens: 0, completionTokens: 0 };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Answers one `/v1/chat/completions` request body. */
export function answerChatCompletion(body: unknown, ids: AnswerIds): RequestAnswer {
  if (!isObject(body)) return errorAnswer(400, 'The request body must be a JSON object.', 'invalid_request_error', null, null);
  const refused = refusalOfShape(body);
  if (refused) return refused;
  const model = body.model as string;
  const messages = body.messages as unknown[];
  const triggered = triggerRefusal(model, userTextsOf(body), ids, { param: 'messages' });
  if (triggered) return triggered;
  return chatCompletion(body, model, messages, ids);
}

/** A body OpenAI refuses whatever it says: no model, no messages, a model that does not exist. */
function refusalOfShape(body: Record<string, unknown>): RequestAnswer | null {
  const model = body.model;
  if (typeof model !== 'string' || model === '') {
    return errorAnswer(400, 'you must provide a model parameter', 'invalid_request_error', null, null);
  }
  const messages = body.messages;
  if (!Array.isArray(messages)) {
    return errorAnswer(400, "Missing required parameter: 'messages'.", 'invalid_request_error', 'messages', 'missing_required_parameter');
  }
  if (messages.length === 0) {
    return errorAnswer(
      400,
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'invalid_request_error',
      'messages',
      'empty_array',
    );
  }
  if (model.startsWith(INVALID_MODEL_PREFIX)) {
    return errorAnswer(
      404,
      `The model \`${model}\` does not exist or you do not have access to it.`,
      'invalid_request_error',
      null,
      'model_not_found',
    );
  }
  return null;
}

/** How one endpoint words the triggers' answers (its rate limit, what it calls the text, the param it names). */
export interface TriggerWording {
  /** The 400's `param` (chat: 'messages'). */
  param: string | null;
  /** What the text is called in the 400's message (default 'prompt'). */
  noun?: string;
  /** The requests-per-minute limit and retry delay the 429 quotes (default 500 and 120ms). */
  rpm?: number;
  retryIn?: string;
}

/** The per-request triggers of ./index.ts, in the order they win, shared by every endpoint. */
export function triggerRefusal(model: string, texts: string[], ids: AnswerIds, wording: TriggerWording): RequestAnswer | null {
  const { param, noun = 'prompt', rpm = 500, retryIn = '120ms' } = wording;
  if (texts.some((t) => t.includes(SIMULATE_SERVER_ERROR_MARKER)))
    return errorAnswer(500, 'The server had an error while processing your request. Sorry about that!', 'server_error', null, null);
  if (ids.rateLimited) {
    const message = `Rate limit reached for ${model} on requests per min (RPM): Limit ${rpm}, Used ${rpm}, Requested 1. Please try again in ${retryIn}.`;
    return errorAnswer(429, message, 'requests', null, 'rate_limit_exceeded');
  }
  if (texts.some((t) => t.includes(SIMULATE_ERROR_MARKER)))
    return errorAnswer(
      400,
      `Simulated error: the ${noun} contains ${SIMULATE_ERROR_MARKER}.`,
      'invalid_request_error',
      param,
      'simulated_error',
    );
  return null;
}

/** The deterministic answer: an echo of the last user message, cut at the token limit. */
function chatCompletion(body: Record<string, unknown>, model: string, messages: unknown[], ids: AnswerIds): RequestAnswer {
  const userTexts = userTextsOf(body);
  const lastUser = (userTexts[userTexts.length - 1] ?? '').replace(/\s+/g, ' ').trim();
  const snippet = lastUser.length > 120 ? `${lastUser.slice(0, 117)}...` : lastUser;
  let content = `Simulated answer from ${model} to: "${snippet}"`;
  let completionTokens = estimateTokens(content);
  let finishReason: 'stop' | 'length' = 'stop';
  const limit =
    typeof body.max_completion_tokens === 'number'
      ? body.max_completion_tokens
      : typeof body.max_tokens === 'number'
        ? body.max_tokens
        : null;
  if (limit !== null && limit >= 0 && completionTokens > limit) {
    content = content.slice(0, limit * 4);
    completionTokens = limit;
    finishReason = 'length';
  }
  const promptTokens = chatPromptTokens(messages);
  return {
    statusCode: 200,
    promptTokens,
    completionTokens,
    body: {
      id: ids.completionId,
      object: 'chat.completion',
      created: ids.created,
      model,
      choices: [
        { index: 0, message: { role: 'assistant', content, refusal: null, annotations: [] }, logprobs: null, finish_reason: finishReason },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
      service_tier: 'default',
      system_fingerprint: 'fp_simulator',
    },
  };
}

/**
 * What OpenAI bills: the prompt in its o200k_base encoding (GPT-4o and later) with 3 tokens of framing
 * per message plus its role, and 3 priming the reply (OpenAI cookbook, "How to count tokens with tiktoken").
 */
function chatPromptTokens(messages: unknown[]): number {
  return messages.reduce(
    (sum: number, m) =>
      sum +
      3 +
      (isObject(m) && typeof m.role === 'string' ? o200kTokens(m.role) : 0) +
      o200kTokens(isObject(m) ? contentText(m.content) : ''),
    3,
  );
}
