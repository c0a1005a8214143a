// Provider name → adapter: a static map over the catalog (contracts/providers.ts). Each adapter is
// created on first use (a factory with a lazy require), so a function that never touches a provider
// does not load its module, and a leaner bundle can drop the factories it does not need.
/* eslint-disable @typescript-eslint/no-require-imports */
import type { AnyProviderAdapter } from './provider';
import { PROVIDER_NAMES, isProviderName, type ProviderName } from '../../contracts/providers';
import { badRequest } from '../http/errors';

export { PROVIDER_NAMES, isProviderName };

type AdapterFactory = () => AnyProviderAdapter;

/** One entry per catalog provider (the type makes a missing one a compile error). */
const FACTORIES: Record<ProviderName, AdapterFactory> = {
  openai: () => (require('./openai/adapter') as typeof import('./openai/adapter')).openaiAdapter,
  bedrock: () => (require('./bedrock/adapter') as typeof import('./bedrock/adapter')).bedrockAdapter,
  anthropic: () => (require('./anthropic/adapter') as typeof import('./anthropic/adapter')).anthropicAdapter,
  gemini: () => (require('./gemini/adapter') as typeof import('./gemini/adapter')).geminiAdapter,
  vertex: () => (require('./vertex/adapter') as typeof import('./vertex/adapter')).vertexAdapter,
};

const created = new Map<ProviderName, AnyProviderAdapter>();

/** Replaces a provider's adapter (tests wrap one to inject faults; pass the real one back to restore). */
export function registerAdapter(adapter: AnyProviderAdapter): void {
  created.set(adapter.name, adapter);
}

export function adapterFor(provider: ProviderName): AnyProviderAdapter {
  let adapter = created.get(provider);
  if (!adapter) {
    const factory = Object.prototype.hasOwnProperty.call(FACTORIES, provider) ? FACTORIES[provider] : undefined;
    if (!factory) throw badRequest(`Provider '${provider}' is not available in this deployment.`, 'provider', 'unsupported_provider');
    adapter = factory();
    created.set(provider, adapter);
  }
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
