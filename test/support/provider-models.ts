// A model each provider's simulator runs, for suites that go over every provider of the catalog: a new
// provider adds one line here instead of one in each suite (the type makes a missing one a compile error).
import type { ProviderName } from '#contracts/providers';

export const TEST_MODEL: Record<ProviderName, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-5',
  bedrock: 'us.amazon.nova-lite-v1:0',
  gemini: 'gemini-2.5-flash',
  groq: 'llama-3.1-8b-instant',
  together: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  azure: 'gpt-4o-mini',
  vertex: 'gemini-2.5-flash',
};
