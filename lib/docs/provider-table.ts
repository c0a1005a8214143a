// README's provider table, generated from the catalog (contracts/providers.ts): which providers a
// deployment serves, how each is authenticated, and the variables and secret that configure it.
import {
  PROVIDER_CATALOG,
  PROVIDER_NAMES,
  providerEnvNames,
  secretContextKey,
  type ProviderEntry,
  type SecretProviderName,
} from '#contracts/providers';

const CREDENTIALS: Record<ProviderEntry['credentials'], string> = {
  'api-key': 'API key',
  'aws-iam': "the stack's IAM roles",
  'gcp-service-account': 'service-account JSON key (OAuth tokens minted from it)',
  azure: 'API key or Entra ID token, endpoint, api-version',
};

function row(name: (typeof PROVIDER_NAMES)[number]): string {
  const entry: ProviderEntry = PROVIDER_CATALOG[name];
  if (entry.credentials === 'aws-iam') {
    return `| ${entry.displayName} | \`${name}\` | ${CREDENTIALS[entry.credentials]} | none | see Bedrock's variables below | — |`;
  }
  const vars = providerEnvNames(name);
  const secret = `${entry.secretContents ?? 'the key alone'} (\`${vars.secretArn}\`; \`${secretContextKey(name as SecretProviderName)}\` to reuse one)`;
  const local = `\`${vars.apiKey}\` set → live, else simulated`;
  // No default (Azure): the customer's own resource endpoint, in the secret or the variable.
  const base = entry.defaultBaseUrl
    ? `\`${vars.baseUrl}\` = \`${entry.defaultBaseUrl}\``
    : `\`${vars.baseUrl}\` or the secret: your resource endpoint (no default)`;
  return `| ${entry.displayName} | \`${name}\` | ${CREDENTIALS[entry.credentials]} | ${secret} | ${local} | ${base} |`;
}

export function providerTableMarkdown(): string {
  return [
    '| provider | `provider` value | credentials | secret (deployed) | locally | base URL variable = default |',
    '| --- | --- | --- | --- | --- | --- |',
    ...PROVIDER_NAMES.map(row),
  ].join('\n');
}
