// Anthropic → OpenAI: a Message becomes a chat.completion (spec/anthropic.md §5) and a results line
// becomes an OpenAI batch output or error line (§3). Pure data → data.
import type { Message, StopReason } from '@anthropic-ai/sdk/resources/messages/messages';
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import type { BatchRequestOutput, ChatCompletion, ChatToolCall, FinishReason } from '#contracts/openai-types';
import { httpErrorLine, notRunLine, successLine } from '#lambda/openai/output-lines';
import { chatCompletion, completionUsage } from '#lambda/openai/chat-completion';

type Line = Omit<BatchRequestOutput, 'id'>;

const FINISH_REASONS: Record<StopReason, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** A stop_reason we do not know yet (the enum grows) reads as a normal stop. */
export function finishReasonOf(stopReason: StopReason | string | null | undefined): FinishReason {
  return (stopReason && FINISH_REASONS[stopReason as StopReason]) || 'stop';
}

/**
 * HTTP status for an errored request's error type. Our choice (Anthropic documents the codes per
 * type); overloaded_error is Anthropic's 529, which OpenAI clients know as 503.
 */
const STATUS_BY_ERROR_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 503,
  timeout_error: 504,
};

export function statusForErrorType(type: string | null | undefined): number {
  return (type && STATUS_BY_ERROR_TYPE[type]) || 500;
}

/** `created` is the Message Batch's end time (Unix seconds): when the completion became available. */
export function toChatCompletion(message: Message, created: number): ChatCompletion {
  const text: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  for (const block of message.content ?? []) {
    if (block.type === 'text') text.push(block.text);
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
    // thinking, redacted_thinking and server-tool blocks have no chat.completion equivalent.
  }
  const usage = message.usage;
  const cacheRead = usage?.cache_read_input_tokens ?? 0;
  const cacheCreation = usage?.cache_creation_input_tokens ?? 0;
  // OpenAI's prompt_tokens include cached ones; Anthropic counts cache reads and writes separately.
  const promptTokens = (usage?.input_tokens ?? 0) + cacheRead + cacheCreation;
  return chatCompletion({
    id: message.id,
    created,
    model: message.model,
    choices: [{ texts: text, toolCalls, finishReason: finishReasonOf(message.stop_reason) }],
    usage: completionUsage(promptTokens, usage?.output_tokens ?? 0, {
      cached: cacheRead,
      reasoning: usage?.output_tokens_details?.thinking_tokens ?? 0,
    }),
  });
}

export interface ResultLineContext {
  /** Unix seconds for chat.completion.created. */
  created: number;
  /** request_id for an errored line that carries none. */
  fallbackRequestId: string;
}

/**
 * One results line → one OpenAI line, under the client's own custom_id (the results carry the id we
 * sent, which may differ; the caller maps it back).
 */
export function resultToLine(response: MessageBatchIndividualResponse, customId: string, context: ResultLineContext): Line {
  const result = response.result;
  switch (result?.type) {
    case 'succeeded':
      return successLine(customId, result.message.id, toChatCompletion(result.message, context.created));
    case 'errored': {
      const error = result.error?.error;
      const type = error?.type ?? 'api_error';
      return httpErrorLine(
        customId,
        statusForErrorType(type),
        result.error?.request_id ?? context.fallbackRequestId,
        error?.message ?? 'Anthropic reported an error for this request without a message.',
        type,
      );
    }
    case 'canceled':
      return notRunLine(customId, 'batch_cancelled', 'This request was cancelled.');
    case 'expired':
      return notRunLine(customId, 'batch_expired');
    default:
      return notRunLine(
        customId,
        'batch_failed',
        `Anthropic returned an unknown result type ${JSON.stringify((result as { type?: unknown } | undefined)?.type ?? null)} for this request.`,
      );
  }
}
