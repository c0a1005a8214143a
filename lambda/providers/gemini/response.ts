// Gemini results → OpenAI: GenerateContentResponse → chat.completion (spec §4), and one line of a batch
// responses file → one OpenAI output or error line. Pure: no I/O.
//
// Blocked requests go to the error file. A prompt Gemini refused (`promptFeedback.blockReason`, no
// candidates) or a response whose every candidate was stopped by a safety filter before producing any
// text or function call has nothing to return, so it becomes an HTTP-style error line:
// status 400, type invalid_request_error, code `content_filter` (what OpenAI and Azure OpenAI answer
// when their own content filter rejects a request), with a message naming the reason and categories.
// A candidate that was cut short by a filter after producing some text stays a success with
// finish_reason `content_filter`, exactly as OpenAI reports a partially filtered completion.
import { stableToken } from '#lambda/ids';
import { httpErrorLine, successLine } from '#lambda/openai/output-lines';
import { chatCompletion, completionUsage } from '#lambda/openai/chat-completion';
import type { BatchRequestOutput, ChatCompletion, ChatCompletionUsage, ChatToolCall, FinishReason } from '#contracts/openai-types';
import type { OpenAIErrorType } from '#lambda/http/errors';
import type { GeminiCandidate, GeminiResponseLine, GeminiUsageMetadata, GenerateContentResponse, GoogleRpcStatus } from './types';

type OutputLine = Omit<BatchRequestOutput, 'id'>;

export interface ResultContext {
  /** The gateway batch id: seeds ids that must come out the same when results are collected twice. */
  batchId: string;
  /** The model to report when the response has no modelVersion. */
  model: string;
  /** `created` of every chat.completion (Unix seconds): when the batch finished. */
  created: number;
}

/** Finish reasons that mean a filter stopped the candidate. */
const CONTENT_FILTER_REASONS = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

export function toFinishReason(reason: string | undefined, hasToolCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason !== undefined && CONTENT_FILTER_REASONS.has(reason)) return 'content_filter';
  // STOP and everything else (LANGUAGE, OTHER, MALFORMED_FUNCTION_CALL, unspecified, …).
  return hasToolCalls ? 'tool_calls' : 'stop';
}

export function toChatUsage(usage: GeminiUsageMetadata | undefined): ChatCompletionUsage {
  const thoughts = usage?.thoughtsTokenCount ?? 0;
  // Thinking tokens are billed as output, and OpenAI counts reasoning tokens inside completion_tokens.
  const completion = (usage?.candidatesTokenCount ?? 0) + thoughts;
  return completionUsage(usage?.promptTokenCount ?? 0, completion, {
    cached: usage?.cachedContentTokenCount ?? 0,
    reasoning: thoughts,
    total: usage?.totalTokenCount,
  });
}

/** chat.completion for one Gemini response. `seed` makes generated ids stable (batch id + custom_id). */
export function toChatCompletion(
  response: GenerateContentResponse,
  context: ResultContext,
  seed: string,
  stableId = response.responseId ?? stableToken(24, context.batchId, seed),
): ChatCompletion {
  const idSeed = response.responseId ?? `${context.batchId}\u0000${seed}`;
  const candidates = response.candidates ?? [];
  return chatCompletion({
    id: `chatcmpl-${stableId}`,
    created: context.created,
    model: response.modelVersion ?? context.model,
    choices: candidates.map((candidate, i) => {
      const index = candidate.index ?? i;
      const parts = candidate.content?.parts ?? [];
      const text = parts
        .filter((p) => typeof p.text === 'string' && p.thought !== true)
        .map((p) => p.text)
        .join('');
      const toolCalls: ChatToolCall[] = parts
        .filter((p) => p.functionCall)
        .map((p, j) => ({
          // Gemini function calls carry no id; OpenAI clients echo this id back in the tool message.
          id: `call_${stableToken(24, idSeed, String(index), String(j))}`,
          type: 'function',
          function: { name: p.functionCall!.name, arguments: JSON.stringify(p.functionCall!.args ?? {}) },
        }));
      return {
        index,
        // Content null only for a reply of nothing but function calls; a candidate with no output at all is "".
        texts: text === '' && toolCalls.length > 0 ? [] : [text],
        toolCalls,
        finishReason: toFinishReason(candidate.finishReason, toolCalls.length > 0),
      };
    }),
    usage: toChatUsage(response.usageMetadata),
    systemFingerprint: null,
  });
}

/**
 * Why a response has nothing to return because Gemini blocked it, or null when it has an answer.
 * Covers a blocked prompt (no candidates) and candidates all stopped by a filter with no output.
 */
export function blockedReason(response: GenerateContentResponse): string | null {
  const candidates = response.candidates ?? [];
  if (candidates.length === 0) {
    const feedback = response.promptFeedback;
    if (!feedback?.blockReason) return null;
    const detail = feedback.blockReasonMessage ? `: ${feedback.blockReasonMessage}` : '';
    return `Gemini blocked the prompt (blockReason ${feedback.blockReason}${detail}${categories(feedback.safetyRatings)}).`;
  }
  const silentlyFiltered = (c: GeminiCandidate) =>
    c.finishReason !== undefined &&
    CONTENT_FILTER_REASONS.has(c.finishReason) &&
    !(c.content?.parts ?? []).some((p) => (typeof p.text === 'string' && p.text !== '' && !p.thought) || p.functionCall);
  if (!candidates.every(silentlyFiltered)) return null;
  const reasons = [...new Set(candidates.map((c) => c.finishReason))].join(', ');
  return `Gemini blocked the response (finishReason ${reasons}${categories(candidates.flatMap((c) => c.safetyRatings ?? []))}).`;
}

function categories(ratings: Array<{ category: string; probability?: string; blocked?: boolean }> | undefined): string {
  const flagged = (ratings ?? []).filter((r) => r.blocked || r.probability === 'HIGH' || r.probability === 'MEDIUM').map((r) => r.category);
  return flagged.length ? `; categories: ${[...new Set(flagged)].join(', ')}` : '';
}

/** google.rpc codes (0-16) as HTTP statuses; codes ≥ 100 are already HTTP statuses. */
const RPC_TO_HTTP: Record<number, number> = {
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};
const STATUS_TO_HTTP: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  ABORTED: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

export function httpStatusOf(error: GoogleRpcStatus): number {
  if (typeof error.code === 'number' && error.code >= 100 && error.code < 600) return error.code;
  if (typeof error.code === 'number' && RPC_TO_HTTP[error.code]) return RPC_TO_HTTP[error.code];
  return (error.status && STATUS_TO_HTTP[error.status]) || 500;
}

export function openAIErrorTypeOf(status: number): OpenAIErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** The request id reported on a line: Gemini's responseId, or one derived from batch and custom_id. */
export function requestIdFor(context: ResultContext, key: string, response?: GenerateContentResponse): string {
  return response?.responseId ?? `gemini-${stableToken(24, context.batchId, key)}`;
}

/** One parsed responses-file line → the OpenAI output line (2xx) or error line for its custom_id. */
export function toOutputLine(line: GeminiResponseLine & { key: string }, context: ResultContext): OutputLine {
  const key = line.key;
  if (line.error) {
    const status = httpStatusOf(line.error);
    const message = line.error.message || `Gemini reported an error${line.error.status ? ` (${line.error.status})` : ''} for this request.`;
    return httpErrorLine(
      key,
      status,
      requestIdFor(context, key),
      message,
      openAIErrorTypeOf(status),
      line.error.status ? line.error.status.toLowerCase() : null,
    );
  }
  const response = line.response;
  if (!response) {
    return httpErrorLine(
      key,
      500,
      requestIdFor(context, key),
      'Gemini returned neither a response nor an error for this request.',
      'server_error',
      'provider_error',
    );
  }
  // One hash per line serves both generated ids (this runs for every line of a 200 MB results file).
  const stableId = response.responseId ?? stableToken(24, context.batchId, key);
  const requestId = response.responseId ?? `gemini-${stableId}`;
  const blocked = blockedReason(response);
  if (blocked) return httpErrorLine(key, 400, requestId, blocked, 'invalid_request_error', 'content_filter');
  if ((response.candidates ?? []).length === 0) {
    return httpErrorLine(key, 500, requestId, 'Gemini returned no candidates for this request.', 'server_error', 'provider_error');
  }
  return successLine(key, requestId, toChatCompletion(response, context, key, stableId));
}

/** Parses one responses-file line. Throws naming the line when it is not a keyed JSON object. */
export function parseResponseLine(text: string, lineNumber: number): GeminiResponseLine & { key: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`Gemini responses file line ${lineNumber} is not valid JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`Gemini responses file line ${lineNumber} is not a JSON object.`);
  const line = value as GeminiResponseLine;
  // Some producers put the key in metadata (the inline-response shape); accept both.
  const key = line.key ?? (value as { metadata?: { key?: unknown } }).metadata?.key;
  if (typeof key !== 'string') throw new Error(`Gemini responses file line ${lineNumber} has no key.`);
  // The parsed object is ours: set the key in place rather than copy every line of a large file.
  line.key = key;
  return line as GeminiResponseLine & { key: string };
}
