// Anthropic Claude on Bedrock: the Anthropic Messages body (the very converter the Anthropic provider
// uses, spec anthropic.md §4/§5) with the differences of Bedrock's Claude request schema
// (bedrock userguide "model-parameters-anthropic-claude-messages-request-response"):
//   - no `model` (the job or the InvokeModel URL names it), plus `anthropic_version: "bedrock-2023-05-31"`;
//   - images only as base64 sources (Bedrock does not fetch image URLs);
//   - no `metadata` (not part of Bedrock's schema), so `user` is dropped.
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ChatCompletion, ChatCompletionRequest } from '#contracts/openai-types';
import { toAnthropicParams, type AnthropicMessageParams } from '#lambda/providers/anthropic/request';
import { ConversionError } from '#lambda/providers/convert/conversion-error';
import { toChatCompletion } from '#lambda/providers/anthropic/response';
import { fail } from './translate-common';
import type { CompletionContext } from './completion-context';

export const ANTHROPIC_BEDROCK_VERSION = 'bedrock-2023-05-31';
export { DEFAULT_MAX_TOKENS as CLAUDE_DEFAULT_MAX_TOKENS } from '#lambda/providers/anthropic/request';

export type ClaudeRequest = Omit<AnthropicMessageParams, 'model' | 'metadata'> & { anthropic_version: typeof ANTHROPIC_BEDROCK_VERSION };

export function toClaudeRequest(body: ChatCompletionRequest): ClaudeRequest {
  (Array.isArray(body.messages) ? body.messages : []).forEach((message, i) => {
    if (!Array.isArray(message?.content)) return;
    message.content.forEach((part, j) => {
      if (part?.type === 'image_url' && typeof part.image_url?.url === 'string' && !part.image_url.url.startsWith('data:')) {
        fail(
          `body.messages[${i}].content[${j}].image_url.url`,
          'must be a base64 data URL (data:image/png;base64,…): Claude on Bedrock cannot fetch images from URLs.',
        );
      }
    });
  });
  let params: AnthropicMessageParams;
  try {
    params = toAnthropicParams(body);
  } catch (err) {
    // The Anthropic converter's paths have no `body.` prefix; Bedrock's errors name it.
    if (err instanceof ConversionError) throw new ConversionError(`body.${err.field}`, `body.${err.field}: ${err.message}`);
    throw err;
  }
  const { model: _model, metadata: _metadata, ...rest } = params;
  return { anthropic_version: ANTHROPIC_BEDROCK_VERSION, ...rest };
}

/** The Anthropic Message Bedrock returns as modelOutput, as a chat.completion under the client's model id. */
export function fromClaudeResponse(output: Message, context: CompletionContext): ChatCompletion {
  if (!Array.isArray(output?.content)) throw new Error('Claude output has no content array');
  const completion = toChatCompletion(output, context.created);
  return { ...completion, id: output.id || context.id, model: context.model };
}
