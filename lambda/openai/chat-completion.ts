// The OpenAI chat.completion envelope, built in one place for every provider's response converter.
// A converter only says what the model answered (text, tool calls, why it stopped, token counts);
// the rules of OpenAI's shape and key order live here. Pure data → data.
import type { ChatCompletion, ChatCompletionUsage, ChatToolCall, FinishReason } from '#contracts/openai-types';

type Choice = ChatCompletion['choices'][number];

/** What one choice of a completion says, in provider-neutral terms. */
export interface ChoiceContent {
  /** The answer's text parts, in order (see assistantMessage for what none at all means). */
  texts: readonly string[];
  toolCalls?: readonly ChatToolCall[];
  finishReason: FinishReason;
  /** The choice's index; by default its place in `choices`. */
  index?: number;
}

export interface ChatCompletionContent {
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
  choices: readonly ChoiceContent[];
  usage: ChatCompletionUsage;
  /** Written only when given (null included): OpenAI's field, which some converters report as null. */
  systemFingerprint?: string | null;
}

export interface UsageDetails {
  /** Cached prompt tokens: a part of prompt_tokens, not an addition to it. */
  cached?: number;
  /** Reasoning tokens: a part of completion_tokens, not an addition to it. */
  reasoning?: number;
  /** The provider's own total, when it counts tokens the other two leave out; else their sum. */
  total?: number;
}

/**
 * The assistant message of one choice. Content is null when the answer has no text part at all
 * (OpenAI's shape for a reply that is only tool calls), and the joined text otherwise, "" included.
 * `tool_calls` appears only when there are some: OpenAI leaves the key out rather than send [].
 */
export function assistantMessage(texts: readonly string[], toolCalls: readonly ChatToolCall[] = []): Choice['message'] {
  return {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : null,
    ...(toolCalls.length > 0 ? { tool_calls: [...toolCalls] } : {}),
    // No provider here returns a refusal apart from the answer; one shows as finish_reason content_filter.
    refusal: null,
  };
}

/**
 * chat.completion usage. OpenAI's prompt_tokens include the cached tokens (cached_tokens is a subset),
 * so a provider that counts cache reads or writes apart from its input tokens adds them in first.
 * The details objects appear only when given, as each provider reports only some of them.
 */
export function completionUsage(promptTokens: number, completionTokens: number, details: UsageDetails = {}): ChatCompletionUsage {
  const usage: ChatCompletionUsage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: details.total ?? promptTokens + completionTokens,
  };
  if (details.cached !== undefined) usage.prompt_tokens_details = { cached_tokens: details.cached };
  if (details.reasoning !== undefined) usage.completion_tokens_details = { reasoning_tokens: details.reasoning };
  return usage;
}

/** The whole chat.completion object, keys in OpenAI's order. */
export function chatCompletion(content: ChatCompletionContent): ChatCompletion {
  return {
    id: content.id,
    object: 'chat.completion',
    created: content.created,
    model: content.model,
    choices: content.choices.map((choice, i) => ({
      index: choice.index ?? i,
      message: assistantMessage(choice.texts, choice.toolCalls),
      finish_reason: choice.finishReason,
      // Requests asking for logprobs are refused before they reach a provider that would need this.
      logprobs: null,
    })),
    usage: content.usage,
    ...(content.systemFingerprint !== undefined ? { system_fingerprint: content.systemFingerprint } : {}),
  };
}
