// The provider catalog: every provider the gateway knows, as plain data (this folder imports
// nothing, so lib/ and lambda/ can both read it). `ProviderName` is derived from it; the registry
// (lambda/providers/registry.ts), config, secrets construct, stack context keys, price table and the
// local gateway all read it. Adding a provider: docs/ARCHITECTURE.md, "Adding a provider".

/**
 * How the gateway authenticates to a provider:
 * - `api-key`: one key (Secrets Manager secret / `<PREFIX>_API_KEY` locally) sent on every call;
 * - `aws-iam`: the gateway's own IAM role (no secret);
 * - `gcp-service-account`: a service-account JSON key in the secret, exchanged for OAuth tokens;
 * - `azure`: an API key or an Entra ID token, plus the resource endpoint and an api-version.
 */
export type CredentialKind = 'api-key' | 'aws-iam' | 'gcp-service-account' | 'azure';

export interface ProviderEntry {
  /** The `provider` value clients send. */
  readonly name: string;
  /** Shown in logs, the banner and docs; also names the secret's construct (`<displayName>ApiKey`). */
  readonly displayName: string;
  readonly credentials: CredentialKind;
  /** Environment prefix: FINOPS_<PREFIX>_BASE_URL, FINOPS_<PREFIX>_SECRET_ARN, <PREFIX>_API_KEY. */
  readonly envPrefix: string;
  /** The provider's public API base URL (FINOPS_<PREFIX>_BASE_URL overrides it). Empty for aws-iam. */
  readonly defaultBaseUrl: string;
  /** The secret's construct id in the stack (ProviderSecrets/<secretName>); every kind but aws-iam has one. Never rename: it is a stateful resource. */
  readonly secretName?: string;
  /** What a deployer puts in the provider's secret (deploy docs, the secret's description); default for `api-key`: the key alone. */
  readonly secretContents?: string;
}

export const PROVIDER_CATALOG = {
  openai: {
    name: 'openai',
    displayName: 'OpenAI',
    credentials: 'api-key',
    secretName: 'OpenAIApiKey',
    envPrefix: 'OPENAI',
    defaultBaseUrl: 'https://api.openai.com/v1',
  },
  bedrock: {
    name: 'bedrock',
    displayName: 'Bedrock',
    credentials: 'aws-iam',
    envPrefix: 'BEDROCK',
    defaultBaseUrl: '',
  },
  anthropic: {
    name: 'anthropic',
    displayName: 'Anthropic',
    credentials: 'api-key',
    secretName: 'AnthropicApiKey',
    envPrefix: 'ANTHROPIC',
    defaultBaseUrl: 'https://api.anthropic.com',
  },
  gemini: {
    name: 'gemini',
    displayName: 'Gemini',
    credentials: 'api-key',
    secretName: 'GeminiApiKey',
    envPrefix: 'GEMINI',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  },
  vertex: {
    name: 'vertex',
    displayName: 'Vertex AI',
    credentials: 'gcp-service-account',
    secretName: 'VertexServiceAccountKey',
    envPrefix: 'VERTEX',
    // {location} is FINOPS_VERTEX_LOCATION (stack property vertexLocation); `global` drops the prefix.
    defaultBaseUrl: 'https://{location}-aiplatform.googleapis.com',
    secretContents: "the service account's JSON key file, as downloaded (docs/vertex.md)",
  },
} as const satisfies Record<string, ProviderEntry>;

export type ProviderName = keyof typeof PROVIDER_CATALOG;

/** Every provider, in catalog order (the order of error messages and listings). */
export const PROVIDER_NAMES = Object.keys(PROVIDER_CATALOG) as ProviderName[];

/** Providers the gateway calls with a secret of its own (every kind but aws-iam). */
export type SecretProviderName = { [K in ProviderName]: (typeof PROVIDER_CATALOG)[K]['credentials'] extends 'aws-iam' ? never : K }[ProviderName];
export const SECRET_PROVIDER_NAMES = PROVIDER_NAMES.filter((name) => PROVIDER_CATALOG[name].credentials !== 'aws-iam') as SecretProviderName[];

export function isProviderName(value: unknown): value is ProviderName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PROVIDER_CATALOG, value);
}

export function providerEntry(name: ProviderName): ProviderEntry {
  return PROVIDER_CATALOG[name];
}

/** Whether a client's own key (X-Provider-Api-Key) can stand in for the gateway's: only for key-based kinds. */
export function acceptsKeyPassThrough(name: ProviderName): boolean {
  const kind = PROVIDER_CATALOG[name].credentials as CredentialKind;
  return kind === 'api-key' || kind === 'azure';
}

/** The environment variables a provider's configuration is read from (lambda/config.ts; README lists them). */
export function providerEnvNames(name: ProviderName) {
  const prefix = PROVIDER_CATALOG[name].envPrefix;
  return {
    /** Base URL (a simulator locally, a proxy or regional endpoint when deployed). */
    baseUrl: `FINOPS_${prefix}_BASE_URL`,
    /** The key itself: local runs only (a deployed function reads the secret). */
    apiKey: `${prefix}_API_KEY`,
    /** ARN of the Secrets Manager secret (set by the stack). */
    secretArn: `FINOPS_${prefix}_SECRET_ARN`,
    /** `azure` only: the api-version sent with every call. */
    apiVersion: `FINOPS_${prefix}_API_VERSION`,
  };
}

/** The cdk context key naming an existing secret instead of a new one, e.g. openaiSecretArn. */
export const secretContextKey = (name: SecretProviderName) => `${name}SecretArn`;
