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

/**
 * What an OpenAI-shaped batch provider does differently from OpenAI (lambda/providers/openai/ serves
 * them all with createOpenAIAdapter(name, quirks); local/simulators/openai/ enforces the same quirks).
 */
export interface OpenAICompatibleQuirks {
  /**
   * The wire shape: `openai` = OpenAI's own paths and objects; `together` = Together AI's batch API
   * (POST /files/upload, create answers `{job}`, UPPERCASE statuses, ISO-8601 times, a bare array
   * from list, no batch metadata, docs/providers.md).
   */
  readonly dialect: 'openai' | 'together';
  /** Endpoints its batches run (a batch's `endpoint` and every line's `url`). */
  readonly endpoints: readonly string[];
  /** The completion windows it accepts, in hours (`24h`, `48h`, `7d` …): min and max. */
  readonly completionWindowHours: { readonly min: number; readonly max: number };
  /** The `purpose` batch input files are uploaded with. */
  readonly batchFilePurpose: string;
  /** Largest batch input file it accepts, in bytes. */
  readonly maxBatchFileBytes: number;
  /** Most requests in one batch. */
  readonly maxRequestsPerBatch: number;
  /** Prefixes of its file and batch ids (the simulator makes ids like these). */
  readonly idPrefixes: { readonly file: string; readonly batch: string };
}

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
  /** OpenAI-shaped batch APIs: what differs from OpenAI (absent: the provider has its own adapter). */
  readonly openaiCompatible?: OpenAICompatibleQuirks;
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
    // OpenAI's Batch API reference (/work/shared/spec/openai.md): 24h only, 200 MB, 50,000 requests.
    openaiCompatible: {
      dialect: 'openai',
      endpoints: ['/v1/chat/completions', '/v1/responses', '/v1/embeddings', '/v1/completions', '/v1/moderations'],
      completionWindowHours: { min: 24, max: 24 },
      batchFilePurpose: 'batch',
      maxBatchFileBytes: 200 * 1024 * 1024,
      maxRequestsPerBatch: 50_000,
      idPrefixes: { file: 'file-', batch: 'batch_' },
    },
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
  groq: {
    name: 'groq',
    displayName: 'Groq',
    credentials: 'api-key',
    secretName: 'GroqApiKey',
    envPrefix: 'GROQ',
    // groq-typescript src/resources/batches.ts: every path is /openai/v1/… on api.groq.com.
    defaultBaseUrl: 'https://api.groq.com/openai/v1',
    // groq-typescript src/resources/batches.ts (BatchCreateParams): completion_window "24h" to "7d",
    // endpoint /v1/chat/completions, input file purpose `batch` of up to 100 MB; statuses and the
    // batch object as OpenAI's; console.groq.com/docs/batch. docs/providers.md lists what is unverified.
    openaiCompatible: {
      dialect: 'openai',
      endpoints: ['/v1/chat/completions'],
      completionWindowHours: { min: 24, max: 7 * 24 },
      batchFilePurpose: 'batch',
      maxBatchFileBytes: 100 * 1024 * 1024,
      maxRequestsPerBatch: 50_000,
      idPrefixes: { file: 'file_', batch: 'batch_' },
    },
  },
  together: {
    name: 'together',
    displayName: 'Together AI',
    credentials: 'api-key',
    secretName: 'TogetherApiKey',
    envPrefix: 'TOGETHER',
    defaultBaseUrl: 'https://api.together.xyz/v1',
    // docs.together.ai (batch tutorial, "manage" page, reference/upload-file) and together-typescript
    // src/resources/batches.ts: upload with purpose `batch-api` to POST /files/upload; create answers
    // {job, warning}; statuses VALIDATING … CANCELLED; up to 50,000 requests and 100 MB per file.
    openaiCompatible: {
      dialect: 'together',
      endpoints: ['/v1/chat/completions'],
      completionWindowHours: { min: 24, max: 24 },
      batchFilePurpose: 'batch-api',
      maxBatchFileBytes: 100 * 1024 * 1024,
      maxRequestsPerBatch: 50_000,
      idPrefixes: { file: 'file-', batch: 'batch-' },
    },
  },
  azure: {
    name: 'azure',
    displayName: 'Azure OpenAI',
    credentials: 'azure',
    secretName: 'AzureOpenAICredentials',
    envPrefix: 'AZURE',
    // The resource endpoint is the customer's own (https://<resource>.openai.azure.com): in the secret or FINOPS_AZURE_BASE_URL.
    defaultBaseUrl: '',
    secretContents:
      'JSON `{"endpoint": "https://<resource>.openai.azure.com", "apiVersion": "2024-10-21", "apiKey": "<key>"}`; instead of `apiKey` an Entra ID service principal (`tenantId`, `clientId`, `clientSecret`) or a `bearerToken`',
    // Azure OpenAI global batch (learn.microsoft.com Azure OpenAI batch how-to, global-batch-limits;
    // docs/providers.md, Azure): chat completions only, completion_window 24h only, up to 100,000
    // requests and 200 MB a file; Azure's own client, wire and rules live in lambda/providers/azure/.
    openaiCompatible: {
      dialect: 'openai',
      endpoints: ['/v1/chat/completions'],
      completionWindowHours: { min: 24, max: 24 },
      batchFilePurpose: 'batch',
      maxBatchFileBytes: 200 * 1024 * 1024,
      maxRequestsPerBatch: 100_000,
      idPrefixes: { file: 'file-', batch: 'batch_' },
    },
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
export type SecretProviderName = {
  [K in ProviderName]: (typeof PROVIDER_CATALOG)[K]['credentials'] extends 'aws-iam' ? never : K;
}[ProviderName];
export const SECRET_PROVIDER_NAMES = PROVIDER_NAMES.filter(
  (name) => PROVIDER_CATALOG[name].credentials !== 'aws-iam',
) as SecretProviderName[];

/** Providers of OpenAI's batch shape (an `openaiCompatible` entry): the OpenAI adapter and simulator serve them. */
export type OpenAIShapedProviderName = {
  [K in ProviderName]: (typeof PROVIDER_CATALOG)[K] extends { openaiCompatible: object } ? K : never;
}[ProviderName];

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

/** The quirks of an OpenAI-shaped provider; null for providers with adapters of their own. */
export function openaiCompatibleQuirks(name: ProviderName): OpenAICompatibleQuirks | null {
  const entry: ProviderEntry = PROVIDER_CATALOG[name];
  return entry.openaiCompatible ?? null;
}

/** `24h`, `48h`, `7d` → hours; null for anything else. */
export function completionWindowHours(window: unknown): number | null {
  const match = typeof window === 'string' ? /^([1-9]\d{0,3})([hd])$/.exec(window) : null;
  if (!match) return null;
  return Number(match[1]) * (match[2] === 'd' ? 24 : 1);
}

/** The cdk context key naming an existing secret instead of a new one, e.g. openaiSecretArn. */
export const secretContextKey = (name: SecretProviderName) => `${name}SecretArn`;
