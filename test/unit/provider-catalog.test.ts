// The provider catalog (contracts/providers.ts) is what every layer reads: each entry must have an
// adapter, a local endpoint (simulator), a price block, a secret when it needs one, and README's table.
import repoPrices from '#pricing/prices.json';
import {
  PROVIDER_CATALOG,
  PROVIDER_NAMES,
  SECRET_PROVIDER_NAMES,
  acceptsKeyPassThrough,
  isProviderName,
  providerEnvNames,
  type ProviderEntry,
} from '#contracts/providers';
import { adapterFor, resolveProvider } from '#lambda/providers/registry';
import { LOCAL_PROVIDERS } from '#local/provider-endpoints';
import { loadConfig } from '#lambda/config';
import { readBlock, readReadme } from '#lib/docs/readme-blocks';
import { providerTableMarkdown } from '#lib/docs/provider-table';
import { STACK_PROPERTIES } from '#lib/stack-config';

const entries = PROVIDER_NAMES.map((name) => [name, PROVIDER_CATALOG[name] as ProviderEntry] as const);

test.each(entries)('%s: its entry names itself, and has an adapter of that name, a local endpoint and a price block', (name, entry) => {
  expect(entry.name).toBe(name);
  expect(adapterFor(name).name).toBe(name);
  expect(LOCAL_PROVIDERS[name]).toBeDefined();
  expect(Object.keys((repoPrices as { providers: Record<string, unknown> }).providers)).toContain(name);
});

test.each(entries)('%s: a secret (and a context key to reuse one) exactly when it is not called with the IAM role', (name, entry) => {
  const hasSecret = entry.credentials !== 'aws-iam';
  expect(SECRET_PROVIDER_NAMES.includes(name as never)).toBe(hasSecret);
  expect(Boolean(entry.secretName)).toBe(hasSecret);
  expect(STACK_PROPERTIES.some((p) => p.key === `${name}SecretArn`)).toBe(hasSecret);
  expect(acceptsKeyPassThrough(name)).toBe(entry.credentials === 'api-key' || entry.credentials === 'azure');
});

test('environment prefixes and secret names are unique', () => {
  const prefixes = entries.map(([, e]) => e.envPrefix);
  expect(new Set(prefixes).size).toBe(prefixes.length);
  const secrets = entries.map(([, e]) => e.secretName).filter(Boolean);
  expect(new Set(secrets).size).toBe(secrets.length);
});

test('config reads each provider from the variables its prefix names, with the catalog default', () => {
  const env: NodeJS.ProcessEnv = {};
  for (const name of SECRET_PROVIDER_NAMES) {
    const vars = providerEnvNames(name);
    env[vars.apiKey] = `key-${name}`;
    env[vars.secretArn] = `arn-${name}`;
  }
  env[providerEnvNames('openai').baseUrl] = 'http://127.0.0.1:9/v1';
  const cfg = loadConfig(env);
  for (const name of SECRET_PROVIDER_NAMES) {
    expect(cfg.providers[name]).toMatchObject({ apiKey: `key-${name}`, secretArn: `arn-${name}` });
    if (name !== 'openai') expect(cfg.providers[name].baseUrl).toBe(PROVIDER_CATALOG[name].defaultBaseUrl);
  }
  expect(cfg.providers.openai.baseUrl).toBe('http://127.0.0.1:9/v1');
});

test('provider names are validated against the catalog', () => {
  expect(isProviderName('openai')).toBe(true);
  expect(isProviderName('toString')).toBe(false); // not an inherited property
  expect(() => resolveProvider('nope', 'openai')).toThrow(`Valid providers: ${PROVIDER_NAMES.join(', ')}.`);
  expect(() => adapterFor('constructor' as never)).toThrow(/not available/);
});

test('the README provider table is generated from the catalog (npm run readme-tables)', () => {
  expect(readBlock(readReadme(), 'providers')).toBe(providerTableMarkdown());
});
