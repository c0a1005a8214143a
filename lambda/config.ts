// Runtime configuration, read from the environment once per cold start. The CDK stack sets these on
// every function; the local gateway sets them before loading the handlers. README lists them all.
import type { ProviderName } from '#contracts/records';
import { PROVIDER_CATALOG, SECRET_PROVIDER_NAMES, providerEnvNames, type SecretProviderName } from '#contracts/providers';

export interface RuntimeConfig {
  tableName: string;
  filesBucket: string;
  bedrockInputBucket: string;
  bedrockOutputBucket: string;
  bedrockRoleArn: string;
  /** Buckets besides the stack's own that a client may name in storage_config / output_s3_uri. */
  allowedBuckets: string[];
  stateMachineArn: string;
  eventBusName: string;
  defaultProvider: ProviderName;
  region: string;
  /**
   * Regions Bedrock batch jobs may run in (FINOPS_BEDROCK_REGIONS, set by the stack's bedrockJobRegions):
   * a Bedrock file stored in one of them runs its job there. `*` = any (the local simulator serves all).
   */
  bedrockRegions: string[];
  /** Largest file a plain multipart files.create accepts (what fits a 6 MB Lambda payload once base64-encoded). */
  maxDirectUploadBytes: number;
  /** Largest file content served inline; larger answers redirect to a presigned S3 URL. */
  maxInlineDownloadBytes: number;
  /** Every provider the gateway calls with a secret of its own (the catalog's non-IAM entries). */
  providers: Record<SecretProviderName, HttpProviderConfig>;
  /** Accept a provider's own key in the X-Provider-Api-Key header (off by default). */
  allowProviderKeyPassThrough: boolean;
  /** Seconds added to a batch's completion window before the tracker gives up on it. */
  expiryGraceSeconds: number;
}

export interface HttpProviderConfig {
  baseUrl: string;
  /** Key from the environment (local runs). */
  apiKey?: string;
  /** Secrets Manager secret holding the key (deployed runs). */
  secretArn?: string;
  /** `azure` providers: the api-version (FINOPS_<PREFIX>_API_VERSION). */
  apiVersion?: string;
}

/** FINOPS_<PREFIX>_BASE_URL, <PREFIX>_API_KEY and FINOPS_<PREFIX>_SECRET_ARN of every catalog provider with a secret. */
function providersOf(env: NodeJS.ProcessEnv): Record<SecretProviderName, HttpProviderConfig> {
  const entries = SECRET_PROVIDER_NAMES.map((name) => {
    const vars = providerEnvNames(name);
    const config: HttpProviderConfig = {
      baseUrl: env[vars.baseUrl] ?? PROVIDER_CATALOG[name].defaultBaseUrl,
      apiKey: env[vars.apiKey] || undefined,
      secretArn: env[vars.secretArn] || undefined,
      apiVersion: env[vars.apiVersion] || undefined,
    };
    return [name, config] as const;
  });
  return Object.fromEntries(entries) as Record<SecretProviderName, HttpProviderConfig>;
}

function int(value: string | undefined, fallback: number): number {
  const parsed = value === undefined || value === '' ? NaN : Number(value);
  return Number.isFinite(parsed) ? parsed : fallback;
}

function bedrockRegionsOf(env: NodeJS.ProcessEnv): string[] {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const listed = (env.FINOPS_BEDROCK_REGIONS ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  return listed.includes(region) || listed.includes('*') ? listed : [region, ...listed];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  return {
    tableName: env.FINOPS_TABLE_NAME ?? 'finops-gateway',
    filesBucket: env.FINOPS_FILES_BUCKET ?? 'finops-files',
    bedrockInputBucket: env.FINOPS_BEDROCK_INPUT_BUCKET ?? 'finops-bedrock-input',
    bedrockOutputBucket: env.FINOPS_BEDROCK_OUTPUT_BUCKET ?? 'finops-bedrock-output',
    bedrockRoleArn: env.FINOPS_BEDROCK_ROLE_ARN ?? 'arn:aws:iam::000000000000:role/finops-bedrock-batch',
    allowedBuckets: (env.FINOPS_ALLOWED_BUCKETS ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    stateMachineArn: env.FINOPS_STATE_MACHINE_ARN ?? 'arn:aws:states:us-east-1:000000000000:stateMachine:finops-batch-tracker',
    eventBusName: env.FINOPS_EVENT_BUS_NAME ?? 'default',
    defaultProvider: (env.FINOPS_DEFAULT_PROVIDER as ProviderName) ?? 'openai',
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    bedrockRegions: bedrockRegionsOf(env),
    maxDirectUploadBytes: int(env.FINOPS_MAX_DIRECT_UPLOAD_BYTES, 4_500_000),
    maxInlineDownloadBytes: int(env.FINOPS_MAX_INLINE_DOWNLOAD_BYTES, 4_000_000),
    providers: providersOf(env),
    allowProviderKeyPassThrough: env.FINOPS_ALLOW_PROVIDER_KEY_PASSTHROUGH === 'true',
    expiryGraceSeconds: int(env.FINOPS_EXPIRY_GRACE_SECONDS, 3600),
  };
}

let cached: RuntimeConfig | undefined;
export function config(): RuntimeConfig {
  cached ??= loadConfig();
  return cached;
}
/** Tests and the local gateway change the environment between runs. */
export function resetConfig(): void {
  cached = undefined;
}
