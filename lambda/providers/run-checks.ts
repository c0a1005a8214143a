// Whether a provider's model can run a chat request, answered by the same pure converters that
// convert it when the batch is created (one piece of code per rule): a request the converter refuses
// (e.g. `n > 1` for Claude, `logprobs` for Gemini) cannot run there. Used by the estimate route to list
// alternatives. Each adapter's runCheck hook names its converter; models that share a converter share
// a group, so a file is checked once per group.
import type { ProviderName } from '#contracts/records';
import type { RunCheck } from './provider';
import { adapterFor } from './registry';

export type { RunCheck };

/** The converter that a batch for this provider and model would use; null when the gateway has none (e.g. a Bedrock family it cannot translate). */
export function runCheckFor(provider: ProviderName, model: string): RunCheck | null {
  return adapterFor(provider).runCheck?.(model) ?? null;
}
