// Provider name → adapter. Adding a provider means adding its folder and one line here.
import type { ProviderAdapter } from './provider';
import type { ProviderName } from '../store/records';
import { badRequest } from '../http/errors';

const adapters = new Map<ProviderName, ProviderAdapter>();

export function registerAdapter(adapter: ProviderAdapter): void {
  adapters.set(adapter.name, adapter);
}

export const PROVIDER_NAMES: readonly ProviderName[] = ['openai', 'bedrock', 'anthropic', 'gemini'];

export function isProviderName(value: unknown): value is ProviderName {
  return typeof value === 'string' && (PROVIDER_NAMES as readonly string[]).includes(value);
}

export function adapterFor(provider: ProviderName): ProviderAdapter {
  const adapter = adapters.get(provider);
  if (!adapter) throw badRequest(`Provider '${provider}' is not available in this deployment.`, 'provider', 'unsupported_provider');
  return adapter;
}

/** `provider` as a client sent it, validated; the configured default when absent. */
export function resolveProvider(value: unknown, fallback: ProviderName): ProviderName {
  if (value === undefined || value === null || value === '') return fallback;
  if (!isProviderName(value)) {
    throw badRequest(`Unknown provider ${JSON.stringify(String(value).slice(0, 64))}. Valid providers: ${PROVIDER_NAMES.join(', ')}.`, 'provider', 'invalid_provider');
  }
  return value;
}
