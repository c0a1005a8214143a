// The I/O edge every handler shares: clients created once per cold start, and the context handed to
// provider adapters.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { config, type RuntimeConfig } from './config';
import { MetadataStore } from './store/metadata';
import { S3BlobStore, s3ClientConfig, type BlobStore } from './store/blobs';
import type { ProviderContext, ProviderCredentials } from './providers/provider';
import type { FileRecord, ProviderName } from './store/records';
import { nowSeconds } from './time';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'finops-gateway' });

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
      metadata: new MetadataStore(new DynamoDBClient({ region: cfg.region }), cfg.tableName),
      blobs: new S3BlobStore(new S3Client(s3ClientConfig(cfg.region))),
      sfn: new SFNClient({ region: cfg.region }),
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
  const res = await new SecretsManagerClient({ region }).send(new GetSecretValueCommand({ SecretId: arn }));
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

export async function providerCredentials(provider: ProviderName, cfg: RuntimeConfig, passThroughKey?: string): Promise<ProviderCredentials> {
  if (provider === 'bedrock') return { baseUrl: '', apiKey: '' }; // AWS credentials come from the role
  const p = cfg.providers[provider];
  if (passThroughKey) return { baseUrl: p.baseUrl, apiKey: passThroughKey };
  if (p.apiKey) return { baseUrl: p.baseUrl, apiKey: p.apiKey };
  if (p.secretArn) return { baseUrl: p.baseUrl, apiKey: await readSecret(p.secretArn, cfg.region) };
  return { baseUrl: p.baseUrl, apiKey: '' };
}

export function providerContext(provider: ProviderName, tenantId: string, passThroughKey?: string): ProviderContext {
  const { config: cfg, blobs, metadata } = getServices();
  return {
    config: cfg,
    blobs,
    logger: logger.createChild({ persistentKeys: { provider } }),
    credentials: () => providerCredentials(provider, cfg, passThroughKey),
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
