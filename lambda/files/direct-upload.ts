// Direct uploads, a gateway extension for scripts that can make two HTTP calls. POST
// /files/direct-uploads records a file in status `uploaded` and answers with a presigned S3 PUT for
// its bytes (exactly the declared size, at most 200 MB, for 15 minutes, to a key of the caller's
// tenant), so the bytes never pass through API Gateway's or Lambda's payload limits. S3 then invokes
// files-register, which turns the object into a gateway file through the same ingestion as
// files.create (placement, copy, streamed validation, the provider's copy) and records the outcome on
// that file: `processed`, or `error` with status_details saying why. The uploaded object is deleted
// either way. S3 delivers events at least once, sometimes twice at the same moment: registration
// claims the file with a conditional write first, so only one delivery does the work.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Event } from 'aws-lambda';
import { EVENT_FUNCTIONS } from '#contracts/routes';
import { badRequest, GatewayError } from '#lambda/http/errors';
import type { Caller } from '#lambda/http/request';
import { newFileId } from '#lambda/ids';
import { nowSeconds } from '#lambda/time';
import { getServices, logger, providerContext } from '#lambda/runtime';
import { adapterFor } from '#lambda/providers/registry';
import { ProviderUnavailableError } from '#lambda/providers/errors';
import { toOpenAIFile } from '#lambda/openai/objects';
import type { OpenAIFile } from '#contracts/openai-types';
import { WriteConflictError } from '#lambda/store/metadata';
import { RegistrationStore, type PendingRegistration } from '#lambda/store/file-registrations';
import { s3ClientConfig } from '#lambda/store/blobs';
import type { BlobLocation, FileRecord, ProviderName } from '#contracts/records';
import { parseFileDeclaration, type FileDeclaration } from '#lambda/uploads/params';
import { ingestBatchFile, parseExpiresAfter } from './ingest';
import { traced } from '#lambda/tracer';

/** Where presigned PUTs put the bytes; the S3 notification that invokes files-register filters on it. */
export const DIRECT_UPLOAD_PREFIX = EVENT_FUNCTIONS.registerFile.keyPrefix;
/** How long the presigned PUT is valid. */
export const DIRECT_UPLOAD_URL_TTL_SECONDS = 15 * 60;
/** Signed into the URL, so the client sends exactly this Content-Type. */
export const DIRECT_UPLOAD_CONTENT_TYPE = 'application/jsonl';
/** One S3 event is tried this many times in all (Lambda retries an asynchronous invocation twice). */
export const MAX_REGISTER_ATTEMPTS = 3;
/** A registration claimed longer ago than the function's timeout was cut off: another delivery may take over. */
export const STALE_REGISTRATION_SECONDS = EVENT_FUNCTIONS.registerFile.timeoutSeconds;

/**
 * Another delivery holds the claim on this file. Thrown, so that Lambda retries the event: a duplicate
 * then finds the file registered, and a claim left by a run that crashed or timed out has gone stale
 * by the last retry (the timeout is shorter than Lambda's retry delays), so that retry takes over.
 */
export class RegistrationInProgressError extends Error {
  override readonly name = 'RegistrationInProgress';
}

const TENANT_SEGMENT = '[A-Za-z0-9_-]{1,64}';
const DIRECT_KEY = new RegExp(`^${DIRECT_UPLOAD_PREFIX}(${TENANT_SEGMENT})/(file-[A-Za-z0-9_-]{1,64})$`);

// ---- request (pure) ----

/** A direct upload is declared exactly like an Uploads API upload (without mime_type: it is always JSONL). */
export type DirectUploadParams = FileDeclaration;

export function parseDirectUploadRequest(body: Record<string, unknown>, defaultProvider: ProviderName, now: number): DirectUploadParams {
  return parseFileDeclaration(body, defaultProvider, now);
}

export function directUploadKey(tenantId: string, fileId: string): string {
  return `${DIRECT_UPLOAD_PREFIX}${tenantId}/${fileId}`;
}

/** The tenant and file a direct upload key belongs to; null for any other key. */
export function parseDirectUploadKey(key: string): { tenantId: string; fileId: string } | null {
  const match = DIRECT_KEY.exec(key);
  return match ? { tenantId: match[1], fileId: match[2] } : null;
}

export interface DirectUploadAnswer {
  object: 'file.direct_upload';
  file: OpenAIFile;
  upload: { method: 'PUT'; url: string; headers: Record<string, string>; expires_at: number };
}

export function toDirectUploadAnswer(file: FileRecord, url: string, expiresAt: number): DirectUploadAnswer {
  return {
    object: 'file.direct_upload',
    file: toOpenAIFile(file),
    // Both headers are signed: S3 refuses a PUT of another size or type.
    upload: {
      method: 'PUT',
      url,
      headers: { 'content-length': String(file.bytes), 'content-type': DIRECT_UPLOAD_CONTENT_TYPE },
      expires_at: expiresAt,
    },
  };
}

// ---- S3 events and failures (pure) ----

export interface CreatedObject {
  bucket: string;
  key: string;
  size: number;
}

/** S3 event keys are URL-encoded, spaces as `+`. */
export function eventObjectKey(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, '%20'));
  } catch {
    return raw;
  }
}

/** The objects an S3 event says were created under the direct upload prefix of `bucket`. */
export function createdObjectsOf(event: S3Event, bucket: string): CreatedObject[] {
  return (event.Records ?? [])
    .filter((record) => record.eventName?.startsWith('ObjectCreated:') && record.s3?.bucket?.name === bucket)
    .map((record) => ({ bucket, key: eventObjectKey(record.s3.object.key), size: record.s3.object.size }))
    .filter((object) => object.key.startsWith(DIRECT_UPLOAD_PREFIX));
}

export function sizeMismatch(actual: number, declared: number): GatewayError {
  return badRequest(
    `The uploaded object has ${actual} bytes, but the direct upload was requested with bytes=${declared}. Request a new direct upload with the file's exact size.`,
    'bytes',
    'upload_size_mismatch',
  );
}

export type RegistrationFailure = { retry: true } | { retry: false; details: string };

/**
 * What to do after a registration attempt failed. The file's own problems (invalid JSONL, wrong size,
 * a storage_config that is not allowed) are final. Anything else (a provider or storage hiccup) is
 * retried while attempts remain, then recorded, so that the client is never left polling `uploaded`.
 */
export function registrationFailure(err: unknown, attempt: number): RegistrationFailure {
  if (err instanceof GatewayError && err.status < 500) return { retry: false, details: err.message };
  if (attempt < MAX_REGISTER_ATTEMPTS) return { retry: true };
  const cause =
    err instanceof ProviderUnavailableError
      ? `the provider was unavailable (${err.message})`
      : err instanceof GatewayError
        ? err.message
        : 'an internal error';
  return {
    retry: false,
    details: `The gateway could not register the file after ${attempt} attempts: ${cause}. Request a new direct upload to try again.`,
  };
}

// ---- I/O ----

type Services = ReturnType<typeof getServices>;
let cached: { for: Services; s3: S3Client; registrations: RegistrationStore } | undefined;

/** Clients beside the shared services, rebuilt whenever those are (tests, the local gateway). */
function services() {
  const shared = getServices();
  if (cached?.for !== shared) {
    cached = {
      for: shared,
      // Checksums only where required (s3ClientConfig): the URL carries no checksum the client must match.
      s3: traced(new S3Client(s3ClientConfig(shared.config.region))),
      registrations: new RegistrationStore(traced(new DynamoDBClient({ region: shared.config.region })), shared.config.tableName),
    };
  }
  return { ...shared, s3: cached.s3, registrations: cached.registrations };
}

/**
 * A PUT URL for exactly `bytes` bytes of JSONL at `blob`, valid DIRECT_UPLOAD_URL_TTL_SECONDS. The
 * signed Content-Length is the size cap: S3 refuses a PUT of any other size (403 SignatureDoesNotMatch).
 * Signing needs no network: only the client's credentials and endpoint.
 */
export function presignDirectUpload(s3: S3Client, blob: BlobLocation, bytes: number): Promise<string> {
  return getSignedUrl(
    s3,
    new PutObjectCommand({ Bucket: blob.bucket, Key: blob.key, ContentLength: bytes, ContentType: DIRECT_UPLOAD_CONTENT_TYPE }),
    {
      expiresIn: DIRECT_UPLOAD_URL_TTL_SECONDS,
      signableHeaders: new Set(['content-length', 'content-type']),
    },
  );
}

export async function createDirectUpload(caller: Caller, params: DirectUploadParams): Promise<DirectUploadAnswer> {
  const { config, metadata, s3 } = services();
  const adapter = adapterFor(params.provider);
  const fileId = newFileId();
  // Asking the adapter where the file will go refuses a storage_config it may not use, before the
  // client sends its bytes.
  if (adapter.placeFile) {
    await adapter.placeFile(providerContext(params.provider, caller.tenantId), {
      tenantId: caller.tenantId,
      fileId,
      filename: params.filename,
      extras: params.extras,
    });
  }
  const now = nowSeconds();
  const blob: BlobLocation = { bucket: config.filesBucket, key: directUploadKey(caller.tenantId, fileId) };
  const url = await presignDirectUpload(s3, blob, params.bytes);
  const file: PendingRegistration = {
    id: fileId,
    tenantId: caller.tenantId,
    provider: params.provider,
    filename: params.filename,
    purpose: params.purpose,
    bytes: params.bytes,
    createdAt: now,
    expiresAt: parseExpiresAfter(params.extras.expires_after, now),
    status: 'uploaded',
    statusDetails: null,
    blob,
    directUpload: { extras: params.extras },
  };
  await metadata.putFile(file);
  return toDirectUploadAnswer(file, url, now + DIRECT_UPLOAD_URL_TTL_SECONDS);
}

export type RegistrationOutcome =
  /** Registered: the file is `processed`. */
  | 'processed'
  /** The file is `error`, with status_details. */
  | 'error'
  /** No direct upload waits for this key (unknown, deleted, or not a direct upload key). */
  | 'ignored'
  /** A repeated event, or a second PUT to the URL, after registration: the object was removed. */
  | 'already-registered';

/** Registers the file an object under direct/ belongs to. Throws only to have the event retried. */
export async function registerDirectUpload(object: CreatedObject): Promise<RegistrationOutcome> {
  const { metadata, blobs, registrations } = services();
  const target = parseDirectUploadKey(object.key);
  const file = target ? ((await metadata.getFile(target.tenantId, target.fileId)) as PendingRegistration | null) : null;
  if (!target || !file) {
    logger.warn('No direct upload waits for this object; left as it is', { key: object.key });
    return 'ignored';
  }
  const direct: BlobLocation = { bucket: object.bucket, key: directUploadKey(target.tenantId, target.fileId) };
  const removeDirectObject = () =>
    blobs
      .delete(direct)
      .catch((err) => logger.warn('Could not delete a direct upload object', { key: direct.key, error: (err as Error).message }));

  if (file.status !== 'uploaded') {
    await removeDirectObject();
    return 'already-registered';
  }
  if (file.blob.bucket !== direct.bucket || file.blob.key !== direct.key) {
    logger.warn('The file waiting for this key records another location; left as it is', { key: object.key, fileId: file.id });
    return 'ignored';
  }

  const nowMs = Date.now();
  const claimed = await registrations.claim(file.id, nowMs, nowMs - STALE_REGISTRATION_SECONDS * 1000);
  if (!claimed) throw new RegistrationInProgressError(`Another delivery is registering ${file.id}; try again later.`);
  const claim: Claim = {
    file,
    direct,
    since: claimed.registeringSinceMs!,
    attempt: claimed.registerAttempts ?? 1,
    extras: claimed.directUpload?.extras ?? {},
    log: logger.createChild({ persistentKeys: { fileId: file.id, provider: file.provider } }),
    removeDirectObject,
  };
  try {
    await ingestClaimed(claim);
  } catch (err) {
    return registrationFailed(err, claim);
  }
  await removeDirectObject();
  return 'processed';
}

/** A registration this delivery has claimed (RegistrationStore.claim). */
interface Claim {
  file: PendingRegistration;
  direct: BlobLocation;
  /** The claim's start: finish and release only the claim made then. */
  since: number;
  attempt: number;
  extras: Record<string, unknown>;
  log: typeof logger;
  removeDirectObject: () => Promise<unknown>;
}

/** Checks the uploaded object's size and ingests it as the file (validation, provider copy, record). */
async function ingestClaimed({ file, direct, since, attempt, extras, log }: Claim): Promise<void> {
  const { blobs, registrations } = services();
  const stored = await blobs.size(direct);
  if (stored === null)
    throw badRequest(
      'The uploaded object is no longer in storage. Request a new direct upload and upload the file again.',
      'file',
      'upload_missing',
    );
  // The signed Content-Length makes S3 refuse other sizes; this holds wherever that is not enforced.
  if (stored !== file.bytes) throw sizeMismatch(stored, file.bytes);
  const startedMs = Date.now();
  await ingestBatchFile({
    tenantId: file.tenantId,
    provider: file.provider,
    filename: file.filename,
    purpose: 'batch',
    extras,
    fileId: file.id,
    createdAt: file.createdAt,
    write: (location) => copyObject(direct, location, file.bytes),
    save: (registered) => registrations.finish(file.id, since, { ...registered }),
  });
  log.info('Direct upload registered', { bytes: file.bytes, attempt, totalMs: Date.now() - startedMs });
}

/** A failed registration: rethrown to have the event retried, or recorded as the file's error. */
async function registrationFailed(err: unknown, { file, since, attempt, log, removeDirectObject }: Claim): Promise<RegistrationOutcome> {
  const { metadata, registrations } = services();
  if (err instanceof WriteConflictError) {
    // The record changed under us: the client deleted the file while it was being registered.
    if (!(await metadata.getFile(file.tenantId, file.id))) await removeDirectObject();
    log.warn('The file changed while it was being registered', { error: err.message });
    return 'ignored';
  }
  const failure = registrationFailure(err, attempt);
  if (failure.retry) {
    log.warn('Direct upload registration failed; the event will be retried', { attempt, error: (err as Error).message });
    await registrations.release(file.id, since).catch(() => undefined);
    throw err;
  }
  log.info('Direct upload refused', { attempt, details: failure.details });
  try {
    await registrations.finish(file.id, since, { status: 'error', statusDetails: failure.details });
  } catch (e) {
    if (!(e instanceof WriteConflictError)) throw e;
    log.warn('The file changed while its failure was being recorded', { error: e.message });
  }
  await removeDirectObject();
  return 'error';
}

/** Streams the uploaded object to the file's place; the copy must hold exactly the declared bytes. */
async function copyObject(from: BlobLocation, to: BlobLocation, declaredBytes: number): Promise<number> {
  const { blobs } = getServices();
  const { bytes } = await blobs.put(to, await blobs.get(from), DIRECT_UPLOAD_CONTENT_TYPE);
  if (bytes !== declaredBytes) {
    // Overwritten by a second PUT of another size meanwhile (possible where S3 does not check the signed size).
    await blobs.delete(to).catch(() => undefined);
    throw sizeMismatch(bytes, declaredBytes);
  }
  return bytes;
}
