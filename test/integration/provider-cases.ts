// One row per provider for the suites that run over every provider (tenancy, hostile input): the
// provider and a current model it runs. Adding a provider adds its row here.
export interface ProviderCase {
  provider: string;
  model: string;
}

export const PROVIDER_CASES: readonly ProviderCase[] = [
  { provider: 'openai', model: 'gpt-4o-mini' },
  { provider: 'anthropic', model: 'claude-haiku-4-5-20251001' },
  { provider: 'gemini', model: 'gemini-2.5-flash' },
  { provider: 'bedrock', model: 'anthropic.claude-3-haiku-20240307-v1:0' },
  { provider: 'vertex', model: 'gemini-2.5-flash' },
];
