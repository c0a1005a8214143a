// Whether a provider's model can run a chat request, answered by the same pure converters that
// convert it when the batch is created (one piece of code per rule): a request the converter refuses
// (e.g. `n > 1` for Claude, `logprobs` for Gemini) cannot run there. Used by the estimate route to list
// alternatives. Models that share a converter share a group, so a file is checked once per group.
import type { ChatCompletionRequest } from '../openai/types';
import type { ProviderName } from '../store/records';
import { toAnthropicParams } from './anthropic/request';
import { toGenerateContentRequest } from './gemini/request';
import { familyOf } from './bedrock/model-family';
import { toModelInput } from './bedrock/records';

export interface RunCheck {
  /** Models with the same group are converted by the same code. */
  group: string;
  /** Throws (with the converter's reason) when the body cannot run. */
  convert(body: ChatCompletionRequest): unknown;
}

/** The converter that a batch for this provider and model would use; null when the gateway has none (e.g. a Bedrock family it cannot translate). */
export function runCheckFor(provider: ProviderName, model: string): RunCheck | null {
  switch (provider) {
    case 'openai':
      return { group: 'openai', convert: (body) => body }; // lines are passed through unchanged
    case 'anthropic':
      return { group: 'anthropic', convert: (body) => toAnthropicParams({ ...body, model }) };
    case 'gemini':
      return { group: 'gemini', convert: (body) => toGenerateContentRequest(body) };
    case 'bedrock': {
      const family = familyOf(model);
      return family ? { group: `bedrock:${family}`, convert: (body) => toModelInput({ ...body, model }, family) } : null;
    }
  }
}
