// Where Bedrock files, records and results live in S3, and which buckets a client may name. Pure.
import type { RuntimeConfig } from '#lambda/config';
import { badRequest, GatewayError } from '#lambda/http/errors';
import type { BlobLocation } from '#contracts/records';

export interface S3Uri {
  bucket: string;
  /** The key or prefix, without a leading slash ('' for the bucket root). */
  key: string;
}

// S3 bucket naming rules (3–63 lowercase letters, digits, dots, hyphens).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseS3Uri(uri: string, param: string): S3Uri {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri.trim());
  if (!match || !BUCKET_NAME.test(match[1]))
    throw badRequest(`${param} must be an S3 URI like s3://bucket/prefix/; got ${JSON.stringify(uri)}.`, param, 'invalid_s3_uri');
  return { bucket: match[1], key: match[2] ?? '' };
}

export const toS3Uri = (location: { bucket: string; key: string }) => `s3://${location.bucket}/${location.key}`;

/** A prefix as `a/b/` (or '' for none): no leading slash, one trailing slash. */
export function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed ? `${trimmed}/` : '';
}

/**
 * The gateway only touches buckets the stack owns or an operator allowed: the Bedrock service role and
 * the gateway's own policies are scoped to exactly those, and a client must not be able to make the
 * gateway read or write arbitrary buckets with its credentials.
 */
export function assertBucketAllowed(bucket: string, ownBuckets: string[], config: RuntimeConfig, param: string): void {
  if (ownBuckets.includes(bucket) || config.allowedBuckets.includes(bucket)) return;
  throw new GatewayError(
    400,
    `Bucket ${JSON.stringify(bucket)} (${param}) is not one this gateway may use. Use ${ownBuckets.map((b) => JSON.stringify(b)).join(' or ')}, ` +
      "or ask the operator to allow it (the stack's allowedBuckets prop, which sets FINOPS_ALLOWED_BUCKETS, and grants the Bedrock role access).",
    'invalid_request_error',
    param,
    'bucket_not_allowed',
  );
}

export interface StorageConfig {
  bucket: string;
  region: string | null;
  prefix: string;
}

/**
 * `storage_config.s3 {bucket, region, prefix}` from extras, or null when absent. Multipart uploads
 * deliver it as nested objects of strings; a JSON string is accepted too.
 */
export function storageConfigOf(extras: Record<string, unknown>): StorageConfig | null {
  let raw = extras.storage_config;
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw badRequest('storage_config must be an object like {"s3": {"bucket": "…", "region": "…", "prefix": "…"}}.', 'storage_config');
    }
  }
  const s3 = (raw as { s3?: Record<string, unknown> })?.s3;
  if (typeof s3 !== 'object' || s3 === null)
    throw badRequest('storage_config must be an object like {"s3": {"bucket": "…", "region": "…", "prefix": "…"}}.', 'storage_config');
  const bucket = s3.bucket;
  if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket))
    throw badRequest(
      `storage_config.s3.bucket must be an S3 bucket name; got ${JSON.stringify(bucket ?? null)}.`,
      'storage_config.s3.bucket',
    );
  const region = typeof s3.region === 'string' && s3.region ? s3.region : null;
  const prefix = typeof s3.prefix === 'string' ? s3.prefix : '';
  return { bucket, region, prefix };
}

/** Keeps the uploaded name recognisable while making it a safe single S3 key segment. */
export function safeFileName(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  return cleaned.slice(0, 200) || 'upload.jsonl';
}

export function jobRegionAllowed(config: RuntimeConfig, region: string): boolean {
  return region === config.region || config.bedrockRegions.includes(region) || config.bedrockRegions.includes('*');
}

/** Where files.create puts a Bedrock upload. */
export function filePlacement(
  config: RuntimeConfig,
  tenantId: string,
  fileId: string,
  filename: string,
  storage: StorageConfig | null,
): BlobLocation {
  const name = safeFileName(filename);
  if (!storage) return { bucket: config.bedrockInputBucket, key: `files/${tenantId}/${fileId}/${name}` };
  assertBucketAllowed(storage.bucket, [config.bedrockInputBucket], config, 'storage_config.s3.bucket');
  // Bedrock reads job input only from buckets in the job's own region: a job runs in its bucket's
  // region, which must be one the stack lets jobs run in (bedrockJobRegions).
  if (storage.region && !jobRegionAllowed(config, storage.region)) {
    const allowed = config.bedrockRegions.join(', ');
    throw badRequest(
      `storage_config.s3.region is ${storage.region}, but this gateway runs Bedrock jobs only in ${allowed}; Bedrock batch input must be in the job's region. Use a bucket in ${allowed}, leave storage_config out, or ask the operator to add the region (the stack's bedrockJobRegions).`,
      'storage_config.s3.region',
      'region_mismatch',
    );
  }
  return { bucket: storage.bucket, key: `${normalizePrefix(storage.prefix)}${tenantId}/${fileId}/${name}` };
}

/** Everything the gateway writes for one batch in the input bucket. */
export function batchInputKeys(batchId: string) {
  const base = `batches/${batchId}/`;
  return {
    /** The Bedrock records; the job reads exactly this object (not the prefix, which holds other files). */
    records: `${base}input.jsonl`,
    /** The custom_ids in record order, one JSON string per line. */
    customIds: `${base}custom-ids.jsonl`,
    /** On-demand results, one object per record: on-demand/ok/<recordId>.json or on-demand/error/<recordId>.json. */
    onDemandPrefix: `${base}on-demand/`,
  };
}

/** The output prefix a job writes under when the client named none. */
export function defaultOutputUri(config: RuntimeConfig, tenantId: string, batchId: string): S3Uri {
  return { bucket: config.bedrockOutputBucket, key: `${tenantId}/${batchId}/` };
}

/** The last segment of a job ARN: the 12-character job id that names the job's output folder. */
export function jobIdOf(jobArn: string): string {
  return jobArn.slice(jobArn.lastIndexOf('/') + 1);
}
