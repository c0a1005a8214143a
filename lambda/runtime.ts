// The I/O edge every handler shares: clients created once per cold start, and the context handed to
// provider adapters.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { config, type RuntimeConfig } from './config';
import { MetadataStore } from './store/metadata';
import { S3BlobStore, s3ClientConfig, type BlobStore } from './store/blobs';
import type { ProviderContext, ProviderCredentials } from './providers/provider';
import type { FileRecord, ProviderName } from './store/records';
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

async function readSecret(arn: string, region: string): Promise<string> {
  const hit = secretCache.get(arn);
  if (hit && Date.now() - hit.at < SECRET_TTL_MS) return hit.value;
  const res = await traced(new SecretsManagerClient({ region })).send(new GetSecretValueCommand({ SecretId: arn }));
  const raw = res.SecretString ?? '';
  // A secret may be the bare key or JSON {"apiKey": "..."}.
  let value = raw;
  try {
    const parsed = JSON.parse(raw) as { apiKey?: string };
    if (parsed && typeof parsed.apiKey === 'string') value = parsed.apiKey;
  } catch {
    /* a bare key */
  }
  secretCache.set(arn, { value, at: Date.now() });
  return value;
}

/**
 * A client's own provider key for one request (X-Provider-Api-Key), or a way to fetch the key a batch
 * was created with (the credential vault, lambda/auth/batch-credentials.ts).
 */
export type PassThroughKey = string | (() => Promise<string>);

export async function providerCredentials(provider: ProviderName, cfg: RuntimeConfig, passThroughKey?: string): Promise<ProviderCredentials> {
  if (provider === 'bedrock') return { baseUrl: '', apiKey: '' }; // AWS credentials come from the role
  const p = cfg.providers[provider];
  if (passThroughKey) return { baseUrl: p.baseUrl, apiKey: passThroughKey };
  if (p.apiKey) return { baseUrl: p.baseUrl, apiKey: p.apiKey };
  if (p.secretArn) return { baseUrl: p.baseUrl, apiKey: await readSecret(p.secretArn, cfg.region) };
  return { baseUrl: p.baseUrl, apiKey: '' };
}

/** Bedrock runs under the gateway's IAM role: a provider key has nothing to replace there. */
export function passThroughNotSupported(provider: ProviderName): GatewayError {
  return badRequest(
    `Provider '${provider}' does not take an API key: the gateway calls it with its own AWS IAM role. Remove the X-Provider-Api-Key header for ${provider} requests.`,
    null,
    'passthrough_not_supported',
  );
}

export function providerContext(provider: ProviderName, tenantId: string, passThroughKey?: PassThroughKey): ProviderContext {
  const { config: cfg, blobs, metadata } = getServices();
  // Refused before anything happens, so that a request with a key for Bedrock changes nothing.
  if (passThroughKey !== undefined && provider === 'bedrock') throw passThroughNotSupported(provider);
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
