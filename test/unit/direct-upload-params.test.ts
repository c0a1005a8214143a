// Direct uploads, the pure parts: what the request accepts and how it refuses, the tenant-scoped
// object keys, reading S3 event notifications, which failures are final, and the presigned PUT.
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import {
  createdObjectsOf,
  DIRECT_UPLOAD_URL_TTL_SECONDS,
  directUploadKey,
  eventObjectKey,
  MAX_REGISTER_ATTEMPTS,
  parseDirectUploadKey,
  parseDirectUploadRequest,
  presignDirectUpload,
  registrationFailure,
  sizeMismatch,
  toDirectUploadAnswer,
} from '#lambda/files/direct-upload';
import { badRequest, GatewayError, upstreamError } from '#lambda/http/errors';
import { LineError } from '#lambda/batch-files/lines';
import { ProviderUnavailableError } from '#lambda/providers/errors';
import { MAX_UPLOAD_BYTES } from '#lambda/uploads/params';
import type { FileRecord } from '#contracts/records';
import { thrownBy } from '#test/support/errors';

const NOW = 1_750_000_000;
const valid = { filename: 'big.jsonl', purpose: 'batch', bytes: 31_457_280 };

const errorOf = (fn: () => unknown) => thrownBy(fn, GatewayError);

describe('parseDirectUploadRequest', () => {
  test('the minimal body: fields mapped, provider defaulted, no extras', () => {
    expect(parseDirectUploadRequest({ ...valid }, 'openai', NOW)).toEqual({
      filename: 'big.jsonl',
      purpose: 'batch',
      bytes: 31_457_280,
      provider: 'openai',
      extras: {},
    });
  });

  test('provider and the extras of files.create (storage_config, expires_after) are kept for registration', () => {
    const storage = { s3: { bucket: 'b', region: 'us-east-1' } };
    const expires = { anchor: 'created_at', seconds: 7200 };
    const params = parseDirectUploadRequest(
      { ...valid, provider: 'bedrock', storage_config: storage, expires_after: expires },
      'openai',
      NOW,
    );
    expect(params.provider).toBe('bedrock');
    expect(params.extras).toEqual({ storage_config: storage, expires_after: expires });
  });

  test.each([
    ['1 byte', 1],
    ['exactly 200 MB', MAX_UPLOAD_BYTES],
    ['a digit string', '1024'],
  ])('bytes: %s is accepted', (_, bytes) => {
    expect(parseDirectUploadRequest({ ...valid, bytes }, 'openai', NOW).bytes).toBe(Number(bytes));
  });

  test.each([
    ['filename missing', { filename: undefined }, 'filename', 'missing_required_parameter'],
    ['filename empty', { filename: '' }, 'filename', 'missing_required_parameter'],
    ['filename with a control character', { filename: 'a\nb.jsonl' }, 'file', 'invalid_filename'],
    ['purpose missing', { purpose: undefined }, 'purpose', 'missing_required_parameter'],
    ['purpose not batch', { purpose: 'fine-tune' }, 'purpose', 'invalid_purpose'],
    ['bytes missing', { bytes: undefined }, 'bytes', 'missing_required_parameter'],
    ['bytes zero', { bytes: 0 }, 'bytes', 'invalid_bytes'],
    ['bytes negative', { bytes: -5 }, 'bytes', 'invalid_bytes'],
    ['bytes fractional', { bytes: 10.5 }, 'bytes', 'invalid_bytes'],
    ['bytes not a number', { bytes: 'lots' }, 'bytes', 'invalid_bytes'],
    ['bytes one over 200 MB', { bytes: MAX_UPLOAD_BYTES + 1 }, 'bytes', 'file_too_large'],
    ['unknown provider', { provider: 'mistral' }, 'provider', 'invalid_provider'],
    ['expires_after out of range', { expires_after: { anchor: 'created_at', seconds: 60 } }, 'expires_after', 'invalid_expires_after'],
    ['extras over 16 KB', { metadata_blob: 'x'.repeat(17_000) }, null, 'extras_too_large'],
  ])('%s → 400', (_, change, param, code) => {
    const err = errorOf(() => parseDirectUploadRequest({ ...valid, ...change }, 'openai', NOW));
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
    expect(err.code).toBe(code);
  });

  test('the 200 MB refusal says the limit and what to do', () => {
    const err = errorOf(() => parseDirectUploadRequest({ ...valid, bytes: 300_000_000 }, 'openai', NOW));
    expect(err.message).toContain('300000000 bytes');
    expect(err.message).toContain(`${MAX_UPLOAD_BYTES} bytes, 200 MB`);
  });
});

describe('object keys', () => {
  test('a key is under direct/, scoped by tenant, and reads back', () => {
    const key = directUploadKey('tenant_abc', 'file-XYZ123');
    expect(key).toBe('direct/tenant_abc/file-XYZ123');
    expect(parseDirectUploadKey(key)).toEqual({ tenantId: 'tenant_abc', fileId: 'file-XYZ123' });
  });

  test.each([
    ['another prefix', 'files/tenant_abc/file-XYZ'],
    ['no tenant', 'direct/file-XYZ'],
    ['a nested path', 'direct/tenant/extra/file-XYZ'],
    ['not a file id', 'direct/tenant_abc/batch_XYZ'],
    ['a path trick in the tenant', 'direct/../file-XYZ'],
    ['a trailing slash', 'direct/tenant_abc/file-XYZ/'],
    ['a tenant over 64 characters', `direct/${'t'.repeat(65)}/file-XYZ`],
  ])('%s is not a direct upload key', (_, key) => {
    expect(parseDirectUploadKey(key)).toBeNull();
  });
});

function record(eventName: string, bucket: string, key: string, size = 10): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2025-06-15T12:00:00.000Z',
    eventName,
    userIdentity: { principalId: 'AWS:X' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'R', 'x-amz-id-2': 'I' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'c',
      bucket: { name: bucket, ownerIdentity: { principalId: 'P' }, arn: `arn:aws:s3:::${bucket}` },
      object: { key, size, eTag: 'e', sequencer: '1' },
    },
  };
}

describe('S3 event notifications', () => {
  test.each([
    ['plain', 'direct/tenant_a/file-1', 'direct/tenant_a/file-1'],
    ['spaces as +', 'direct/a+b', 'direct/a b'],
    ['percent-encoded', 'direct/%C3%A9t%C3%A9', 'direct/été'],
    ['a malformed escape, kept as sent', 'direct/%E0%A4%A', 'direct/%E0%A4%A'],
  ])('event keys are URL-decoded: %s', (_, raw, decoded) => {
    expect(eventObjectKey(raw)).toBe(decoded);
  });

  test('only objects created in the files bucket under direct/ are taken, with their size', () => {
    const event: S3Event = {
      Records: [
        record('ObjectCreated:Put', 'files', 'direct/tenant_a/file-1', 123),
        record('ObjectCreated:CompleteMultipartUpload', 'files', 'direct/tenant_a/file-2', 456),
        record('ObjectRemoved:Delete', 'files', 'direct/tenant_a/file-3'),
        record('ObjectCreated:Put', 'other-bucket', 'direct/tenant_a/file-4'),
        record('ObjectCreated:Put', 'files', 'files/tenant_a/file-5'),
      ],
    };
    expect(createdObjectsOf(event, 'files')).toEqual([
      { bucket: 'files', key: 'direct/tenant_a/file-1', size: 123 },
      { bucket: 'files', key: 'direct/tenant_a/file-2', size: 456 },
    ]);
  });

  test('an event without records yields nothing', () => {
    expect(createdObjectsOf({ Records: [] }, 'files')).toEqual([]);
  });
});

describe('registrationFailure', () => {
  const lineError = new LineError(3, 'Line 3 is not valid JSON.', 'invalid_json_line');
  test.each([
    ['invalid JSONL, first attempt', lineError, 1, { retry: false, details: 'Line 3 is not valid JSON.' }],
    ['a size mismatch', sizeMismatch(11, 10), 1, { retry: false, details: sizeMismatch(11, 10).message }],
    [
      'a storage_config that is not allowed',
      badRequest('storage_config.s3.bucket is not allowed', 'storage_config.s3.bucket'),
      1,
      { retry: false, details: 'storage_config.s3.bucket is not allowed' },
    ],
    ['the provider unavailable, attempts left', new ProviderUnavailableError('HTTP 503'), 1, { retry: true }],
    ['a storage error, attempts left', new Error('socket hang up'), MAX_REGISTER_ATTEMPTS - 1, { retry: true }],
    ['a provider 5xx answer, attempts left', upstreamError(500, 'OpenAI answered 500'), 2, { retry: true }],
  ])('%s', (_, err, attempt, expected) => {
    expect(registrationFailure(err, attempt)).toEqual(expected);
  });

  test('the last attempt records the cause for the provider, never internals otherwise', () => {
    const provider = registrationFailure(new ProviderUnavailableError('HTTP 503'), MAX_REGISTER_ATTEMPTS);
    expect(provider).toEqual({
      retry: false,
      details: `The gateway could not register the file after ${MAX_REGISTER_ATTEMPTS} attempts: the provider was unavailable (HTTP 503). Request a new direct upload to try again.`,
    });
    const internal = registrationFailure(new Error('AccessDenied: arn:aws:s3:::secret-bucket'), MAX_REGISTER_ATTEMPTS);
    expect(internal.retry).toBe(false);
    expect(internal.retry === false && internal.details).toContain('an internal error');
    expect(JSON.stringify(internal)).not.toContain('secret-bucket');
  });
});

describe('the answer', () => {
  const file: FileRecord = {
    id: 'file-abc',
    tenantId: 'tenant_a',
    provider: 'openai',
    filename: 'in.jsonl',
    purpose: 'batch',
    bytes: 2048,
    createdAt: NOW,
    expiresAt: null,
    status: 'uploaded',
    statusDetails: null,
    blob: { bucket: 'files', key: 'direct/tenant_a/file-abc' },
  };

  test('the file as OpenAI shows it, and the PUT to make with its signed headers', () => {
    expect(toDirectUploadAnswer(file, 'https://s3.example/u', NOW + 900)).toEqual({
      object: 'file.direct_upload',
      file: {
        id: 'file-abc',
        object: 'file',
        bytes: 2048,
        created_at: NOW,
        expires_at: null,
        filename: 'in.jsonl',
        purpose: 'batch',
        status: 'uploaded',
        status_details: null,
      },
      upload: {
        method: 'PUT',
        url: 'https://s3.example/u',
        headers: { 'content-length': '2048', 'content-type': 'application/jsonl' },
        expires_at: NOW + 900,
      },
    });
  });

  test('the presigned PUT signs the size and type, for 15 minutes, to that key only', async () => {
    const s3 = new S3Client({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const url = new URL(await presignDirectUpload(s3, file.blob, 2048));
    s3.destroy();
    expect(url.protocol).toBe('https:');
    expect(url.hostname).toBe('files.s3.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/direct/tenant_a/file-abc');
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(DIRECT_UPLOAD_URL_TTL_SECONDS));
    expect(DIRECT_UPLOAD_URL_TTL_SECONDS).toBe(900);
    expect(url.searchParams.get('X-Amz-SignedHeaders')!.split(';')).toEqual(['content-length', 'content-type', 'host']);
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request$/);
    // No checksum the client would have to compute and send.
    expect([...url.searchParams.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
  });
});
