// Provider name → adapter: a static map over the catalog (contracts/providers.ts). Each adapter is
// created on first use (a factory with a lazy require), so a function that never touches a provider
// does not load its module, and a leaner bundle can drop the factories it does not need. In a deployed
// function the adapter's SDK sits beside index.js (lib/bundling.ts), so the first call for a provider
// also loads that provider's SDK, and only that one (test/infra/bundles.test.ts).
/* eslint-disable @typescript-eslint/no-require-imports -- a lazy require loads an adapter only when its provider is used */
import type { AnyProviderAdapter } from './provider';
import {
  PROVIDER_NAMES,
  isProviderName,
  openaiCompatibleQuirks,
  type OpenAIShapedProviderName,
  type ProviderName,
} from '#contracts/providers';
import { badRequest } from '#lambda/http/errors';

export { PROVIDER_NAMES, isProviderName };

type AdapterFactory = () => AnyProviderAdapter;

/** Providers with adapters of their own (the type makes a missing one a compile error). */
const OWN_ADAPTERS: Record<Exclude<ProviderName, OpenAIShapedProviderName>, AdapterFactory> &
  Partial<Record<OpenAIShapedProviderName, AdapterFactory>> = {
  bedrock: () => (require('./bedrock/adapter') as typeof import('./bedrock/adapter')).bedrockAdapter,
  anthropic: () => (require('./anthropic/adapter') as typeof import('./anthropic/adapter')).anthropicAdapter,
  gemini: () => (require('./gemini/adapter') as typeof import('./gemini/adapter')).geminiAdapter,
  // An OpenAI-shaped provider with hooks of its own (api-version, Entra tokens, line rewriting).
  azure: () => (require('./azure/adapter') as typeof import('./azure/adapter')).azureAdapter,
  vertex: () => (require('./vertex/adapter') as typeof import('./vertex/adapter')).vertexAdapter,
};

/** The factory of a provider: its own adapter, or the OpenAI adapter with its catalog quirks (OpenAI, Groq, Together AI …). */
function factoryFor(provider: ProviderName): AdapterFactory | undefined {
  if (Object.prototype.hasOwnProperty.call(OWN_ADAPTERS, provider)) return OWN_ADAPTERS[provider as keyof typeof OWN_ADAPTERS];
  if (!isProviderName(provider) || !openaiCompatibleQuirks(provider)) return undefined;
  return () => (require('./openai/adapter') as typeof import('./openai/adapter')).createOpenAIAdapter(provider);
}

const created = new Map<ProviderName, AnyProviderAdapter>();

/** Replaces a provider's adapter (tests wrap one to inject faults; pass the real one back to restore). */
export function registerAdapter(adapter: AnyProviderAdapter): void {
  created.set(adapter.name, adapter);
}

export function adapterFor(provider: ProviderName): AnyProviderAdapter {
  let adapter = created.get(provider);
  if (!adapter) {
    const factory = factoryFor(provider);
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
    throw badRequest(
      `Unknown provider ${JSON.stringify(String(value).slice(0, 64))}. Valid providers: ${PROVIDER_NAMES.join(', ')}.`,
      'provider',
      'invalid_provider',
    );
  }
  return value;
}
