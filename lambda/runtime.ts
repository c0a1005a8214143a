// The I/O edge every handler shares: clients created once per cold start, and the context handed to
// provider adapters.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { config, type HttpProviderConfig, type RuntimeConfig } from './config';
import { MetadataStore } from './store/metadata';
import { S3BlobStore, s3ClientConfig, type BlobStore } from './store/blobs';
import type { AzureCredentials, CredentialsOf, ProviderContext } from './providers/provider';
import { PROVIDER_CATALOG, acceptsKeyPassThrough, type CredentialKind, type SecretProviderName } from '#contracts/providers';
import type { FileRecord, ProviderName } from '#contracts/records';
import { nowSeconds } from './time';
import { badRequest, type GatewayError } from './http/errors';
import { logger, setBaseLogLevel } from './logger';
import { traced } from './tracer';

// The logger lives in the bottom layer (lambda/logger.ts); re-exported here, where handlers have always found it.
export { logger, setBaseLogLevel };

interface Services {
  config: RuntimeConfig;
  metadata: MetadataStore;
  blobs: BlobStore;
  sfn: SFNClient;
}

let services: Services | undefined;

export function getServices(): Services {
  if (!services) {
    const cfg = config();
    services = {
      config: cfg,
      metadata: new MetadataStore(traced(new DynamoDBClient({ region: cfg.region })), cfg.tableName),
      blobs: new S3BlobStore(traced(new S3Client(s3ClientConfig(cfg.region)))),
      sfn: traced(new SFNClient({ region: cfg.region })),
    };
  }
  return services;
}

/** The local gateway and tests rebuild clients after changing the environment. */
export function resetServices(): void {
  services = undefined;
}

const secretCache = new Map<string, { value: string; at: number }>();
const SECRET_TTL_MS = 5 * 60 * 1000;

async function readSecretString(arn: string, region: string): Promise<string> {
  const hit = secretCache.get(arn);
  if (hit && Date.now() - hit.at < SECRET_TTL_MS) return hit.value;
  const res = await traced(new SecretsManagerClient({ region })).send(new GetSecretValueCommand({ SecretId: arn }));
  const value = res.SecretString ?? '';
  secretCache.set(arn, { value, at: Date.now() });
  return value;
}

/** A secret's JSON object, or null when it is not one (e.g. a bare key). */
function jsonObjectOf(raw: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A secret may be the bare key or JSON {"apiKey": "..."}. */
function apiKeyOf(raw: string): string {
  const parsed = jsonObjectOf(raw);
  return parsed && typeof parsed.apiKey === 'string' ? parsed.apiKey : raw;
}

/**
 * A client's own provider key for one request (X-Provider-Api-Key), or a way to fetch the key a batch
 * was created with (the credential vault, lambda/auth/batch-credentials.ts).
 */
export type PassThroughKey = string | (() => Promise<string>);

/** The provider's configured secret, raw ('' when none is set): the key from the environment first. */
async function configuredSecret(p: HttpProviderConfig, region: string): Promise<string> {
  if (p.apiKey) return p.apiKey;
  return p.secretArn ? readSecretString(p.secretArn, region) : '';
}

/** What an adapter is called with, by the provider's credential kind in the catalog. */
export async function providerCredentials(
  provider: ProviderName,
  cfg: RuntimeConfig,
  passThroughKey?: string,
): Promise<CredentialsOf<CredentialKind>> {
  const kind = PROVIDER_CATALOG[provider].credentials as CredentialKind;
  if (kind === 'aws-iam') return {}; // AWS credentials come from the role
  const p = cfg.providers[provider as SecretProviderName];
  if (kind === 'api-key') return { baseUrl: p.baseUrl, apiKey: passThroughKey || apiKeyOf(await configuredSecret(p, cfg.region)) };
  if (kind === 'azure') return azureCredentials(p, await configuredSecret(p, cfg.region), passThroughKey);
  const raw = passThroughKey || (await configuredSecret(p, cfg.region));
  return { baseUrl: p.baseUrl, serviceAccount: jsonObjectOf(raw) };
}

/**
 * Azure: the secret is a bare key or JSON {endpoint?, apiVersion?, apiKey | tenantId+clientId+clientSecret | bearerToken};
 * a client's own key (X-Provider-Api-Key) replaces the secret's credentials, not its endpoint or api-version.
 */
function azureCredentials(p: HttpProviderConfig, raw: string, clientKey?: string): AzureCredentials {
  const parsed = jsonObjectOf(raw);
  const text = (key: string) => (parsed && typeof parsed[key] === 'string' && parsed[key] ? (parsed[key] as string) : undefined);
  const base = { endpoint: text('endpoint') ?? p.baseUrl, apiVersion: text('apiVersion') ?? p.apiVersion ?? '' };
  if (clientKey) return { ...base, apiKey: clientKey };
  const [tenantId, clientId, clientSecret] = [text('tenantId'), text('clientId'), text('clientSecret')];
  const authorityHost = process.env.FINOPS_AZURE_AUTHORITY_HOST || undefined;
  const servicePrincipal =
    tenantId && clientId && clientSecret ? { tenantId, clientId, clientSecret, ...(authorityHost ? { authorityHost } : {}) } : undefined;
  return {
    ...base,
    apiKey: parsed ? text('apiKey') : raw || undefined,
    bearerToken: text('bearerToken'),
    ...(servicePrincipal ? { servicePrincipal } : {}),
  };
}

/** A provider that signs with the gateway's own identity (IAM role, service account): a provider key has nothing to replace there. */
export function passThroughNotSupported(provider: ProviderName): GatewayError {
  const how = PROVIDER_CATALOG[provider].credentials === 'aws-iam' ? 'its own AWS IAM role' : 'its own service account';
  return badRequest(
    `Provider '${provider}' does not take an API key: the gateway calls it with ${how}. Remove the X-Provider-Api-Key header for ${provider} requests.`,
    null,
    'passthrough_not_supported',
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the provider is picked at run time; each adapter reads its own credential kind
export function providerContext(provider: ProviderName, tenantId: string, passThroughKey?: PassThroughKey): ProviderContext<any> {
  const { config: cfg, blobs, metadata } = getServices();
  // Refused before anything happens, so that a request with a key for Bedrock changes nothing.
  if (passThroughKey !== undefined && !acceptsKeyPassThrough(provider)) throw passThroughNotSupported(provider);
  // A vaulted key is opened once per context (one KMS call), not on every provider call.
  let opened: Promise<string> | undefined;
  const clientKey = (): Promise<string> | undefined => {
    if (passThroughKey === undefined) return undefined;
    if (typeof passThroughKey === 'string') return Promise.resolve(passThroughKey);
    opened ??= passThroughKey().catch((err) => {
      opened = undefined; // let a later call retry a transient failure
      throw err;
    });
    return opened;
  };
  return {
    config: cfg,
    blobs,
    logger: logger.createChild({ persistentKeys: { provider } }),
    credentials: async () => providerCredentials(provider, cfg, await clientKey()),
    async registerFile(input) {
      const file: FileRecord = {
        createdAt: nowSeconds(),
        status: 'processed',
        statusDetails: null,
        expiresAt: null,
        ...input,
        tenantId: input.tenantId ?? tenantId,
      };
      await metadata.putFile(file);
      return file;
    },
  };
}
