// The Uploads API (uploads.create, uploads.parts.create, uploads.complete, uploads.cancel) for files
// larger than one request can carry. Parts go straight to the gateway's files bucket under
// uploads/<tenant>/<upload id>/<part id>; completing streams them, in the client's order, into the
// file's place through ingestBatchFile, so the result is validated, converted and handed to its
// provider exactly like a files.create upload. The parts are deleted once the upload is completed
// or cancelled (and a bucket lifecycle rule on uploads/ removes those of abandoned uploads).
import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { badRequest } from '#lambda/http/errors';
import type { Caller } from '#lambda/http/request';
import { newFileId, newPartId, newUploadId } from '#lambda/ids';
import { nowSeconds } from '#lambda/time';
import { getServices, logger, providerContext } from '#lambda/runtime';
import { adapterFor } from '#lambda/providers/registry';
import { ingestBatchFile } from '#lambda/files/ingest';
import { isNotFound } from '#lambda/store/blobs';
import { toOpenAIFile } from '#lambda/openai/objects';
import type { BlobLocation, FileRecord } from '#contracts/records';
import { UploadStateError, UploadStore, type UploadPartRecord, type UploadRecord } from '#lambda/store/uploads';
import { concatenateParts } from './concat';
import { toOpenAIUpload, toOpenAIUploadPart, type OpenAIUpload, type OpenAIUploadPart } from './objects';
import { maxReceivedBytes, UPLOAD_TTL_SECONDS, type UploadCompleteParams, type UploadCreateParams } from './params';
import { noSuchUpload, tooManyPartBytes, uploadStateError } from './state-errors';
import { traced } from '#lambda/tracer';

/**
 * A completion still marked as running after this long was cut off (the function's timeout is 29 s),
 * so another complete call may take over.
 */
export const STALE_COMPLETION_SECONDS = 120;
/** Parallel S3 deletes when removing an upload's parts. */
const DELETE_CONCURRENCY = 8;

let cached: { for: ReturnType<typeof getServices>; uploads: UploadStore } | undefined;

/** The upload store beside the shared services, rebuilt whenever those are (tests, the local gateway). */
function services() {
  const shared = getServices();
  if (cached?.for !== shared) {
    cached = {
      for: shared,
      uploads: new UploadStore(traced(new DynamoDBClient({ region: shared.config.region })), shared.config.tableName),
    };
  }
  return { ...shared, uploads: cached.uploads };
}

export const partLocation = (bucket: string, tenantId: string, uploadId: string, partId: string): BlobLocation => ({
  bucket,
  key: `uploads/${tenantId}/${uploadId}/${partId}`,
});

export async function createUpload(caller: Caller, params: UploadCreateParams): Promise<OpenAIUpload> {
  const { uploads } = services();
  const adapter = adapterFor(params.provider);
  const id = newUploadId();
  const fileId = newFileId();
  // Asking the adapter where the file will go refuses a storage_config it may not use now, before
  // the client sends its parts.
  if (adapter.placeFile) {
    await adapter.placeFile(providerContext(params.provider, caller.tenantId), {
      tenantId: caller.tenantId,
      fileId,
      filename: params.filename,
      extras: params.extras,
    });
  }
  const now = nowSeconds();
  const upload: UploadRecord = {
    id,
    tenantId: caller.tenantId,
    keyId: caller.keyId,
    provider: params.provider,
    filename: params.filename,
    purpose: params.purpose,
    bytes: params.bytes,
    mimeType: params.mimeType,
    createdAt: now,
    expiresAt: now + UPLOAD_TTL_SECONDS,
    status: 'pending',
    fileId,
    extras: params.extras,
    receivedBytes: 0,
  };
  await uploads.putUpload(upload);
  return toOpenAIUpload(upload, now);
}

export async function findUpload(caller: Caller, id: string): Promise<UploadRecord> {
  const upload = await services().uploads.getUpload(caller.tenantId, id);
  if (!upload) throw noSuchUpload(id);
  return upload;
}

export async function addPart(caller: Caller, uploadId: string, data: Buffer): Promise<OpenAIUploadPart> {
  const { uploads, blobs, config } = services();
  const upload = await findUpload(caller, uploadId);
  const now = nowSeconds();
  if (upload.status !== 'pending' || now >= upload.expiresAt) throw uploadStateError(uploadId, upload, 'add a part to', now);

  // Count the bytes first (atomically, only while pending), then store: a part is never stored for an
  // upload that has moved on, and the total an upload may receive stays bounded.
  const maxReceived = maxReceivedBytes(upload.bytes, config.maxDirectUploadBytes);
  try {
    await uploads.reservePartBytes(upload, data.length, maxReceived, now);
  } catch (err) {
    if (!(err instanceof UploadStateError)) throw err;
    const current = err.current;
    if (current && current.status === 'pending' && now < current.expiresAt) {
      throw tooManyPartBytes(uploadId, current.receivedBytes, data.length, maxReceived, current.bytes);
    }
    throw uploadStateError(uploadId, current, 'add a part to', now);
  }

  const partId = newPartId();
  const part: UploadPartRecord = {
    id: partId,
    uploadId,
    tenantId: caller.tenantId,
    bytes: data.length,
    createdAt: now,
    blob: partLocation(config.filesBucket, caller.tenantId, uploadId, partId),
  };
  try {
    await blobs.put(part.blob, data, 'application/octet-stream');
    await uploads.putPart(part, upload.expiresAt);
  } catch (err) {
    await blobs.delete(part.blob).catch(() => undefined);
    await uploads.releasePartBytes(uploadId, data.length).catch(() => undefined);
    throw err;
  }

  // Completed or cancelled while this part was being stored: its clean-up may already have run, so
  // this part would be left behind. Remove it and say why.
  const after = await uploads.getUpload(caller.tenantId, uploadId);
  if (!after || after.status === 'completed' || after.status === 'cancelled') {
    await removeParts([part]);
    throw uploadStateError(uploadId, after, 'add a part to', nowSeconds());
  }
  return toOpenAIUploadPart(part);
}

/** Identifies one completion request, so that the SDK retrying it (e.g. after a gateway timeout) gets the same answer. */
export function completionDigest(params: UploadCompleteParams): string {
  return createHash('sha256')
    .update(JSON.stringify([params.partIds, params.md5]))
    .digest('hex');
}

/**
 * The file the parts become: ingested from their concatenation, or the one a previous attempt
 * registered before it was cut off. On failure the upload is reopened (abandonCompleting).
 */
async function completedFile(
  caller: Caller,
  upload: UploadRecord,
  since: number,
  ordered: ReturnType<typeof orderParts>,
  params: UploadCompleteParams,
  passThroughKey: string | undefined,
): Promise<{ file: FileRecord; concatenatedMs: number | null }> {
  const { uploads, metadata } = services();
  let concatenatedMs: number | null = null;
  try {
    const file =
      (await metadata.getFile(caller.tenantId, upload.fileId)) ??
      (await ingestBatchFile({
        tenantId: caller.tenantId,
        provider: upload.provider,
        filename: upload.filename,
        purpose: upload.purpose,
        extras: upload.extras,
        passThroughKey,
        fileId: upload.fileId,
        write: async (location) => {
          const written = await writeParts(location, upload, ordered, params);
          concatenatedMs = written.ms;
          return written.bytes;
        },
      }));
    return { file, concatenatedMs };
  } catch (err) {
    await uploads
      .abandonCompleting(upload, since)
      .catch((e) =>
        logger.warn('Could not reopen the upload after a failed completion', { uploadId: upload.id, error: (e as Error).message }),
      );
    throw err;
  }
}

/** A step of the completion's state change: another request's change answers as the upload's state error. */
async function completionStep(uploadId: string, step: () => Promise<UploadRecord>, now: () => number): Promise<UploadRecord> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof UploadStateError) throw uploadStateError(uploadId, err.current, 'complete', now());
    throw err;
  }
}

/**
 * Writes the parts, in order, as one object at `location`, and refuses it (removing it) unless it holds
 * exactly the upload's bytes and, when given, its MD5. `ms`: how long the concatenation took.
 */
async function writeParts(
  location: BlobLocation,
  upload: UploadRecord,
  ordered: ReturnType<typeof orderParts>,
  params: UploadCompleteParams,
): Promise<{ bytes: number; ms: number }> {
  const { blobs } = services();
  const uploadId = upload.id;
  const concatenation = concatenateParts(
    ordered.map((part) => part.blob),
    (blob) => openPart(blob, ordered),
  );
  const writeStarted = Date.now();
  const { bytes } = await blobs.put(location, concatenation.stream, 'application/jsonl');
  const ms = Date.now() - writeStarted;
  const written = concatenation.summary();
  const mismatch =
    written.bytes !== upload.bytes
      ? badRequest(
          `The parts held ${written.bytes} bytes, but upload ${uploadId} was created with bytes=${upload.bytes}.`,
          'part_ids',
          'upload_size_mismatch',
        )
      : params.md5 && written.md5 !== params.md5
        ? badRequest(
            `The MD5 of the uploaded bytes is ${written.md5}, not the md5 given (${params.md5}). Nothing was stored; check the order of part_ids, or upload the parts again.`,
            'md5',
            'md5_mismatch',
          )
        : null;
  if (mismatch) {
    await blobs.delete(location).catch(() => undefined);
    throw mismatch;
  }
  return { bytes, ms };
}

export async function completeUpload(
  caller: Caller,
  uploadId: string,
  params: UploadCompleteParams,
  passThroughKey?: string,
): Promise<OpenAIUpload> {
  const startedMs = Date.now();
  const { uploads, metadata } = services();
  const upload = await findUpload(caller, uploadId);
  const now = nowSeconds();
  if (upload.status === 'completed' && upload.completedRequestDigest === completionDigest(params)) {
    // The same request again: the client never saw the first answer.
    return completedAnswer(upload, await metadata.getFile(caller.tenantId, upload.fileId), now);
  }
  const takingOver = upload.status === 'completing' && (upload.completingSince ?? 0) < now - STALE_COMPLETION_SECONDS;
  if ((upload.status !== 'pending' && !takingOver) || now >= upload.expiresAt) throw uploadStateError(uploadId, upload, 'complete', now);

  // Cheap checks before any byte moves.
  const ordered = orderParts(uploadId, params.partIds, await uploads.listParts(uploadId));
  const total = ordered.reduce((sum, part) => sum + part.bytes, 0);
  if (total !== upload.bytes) {
    throw badRequest(
      `The ${ordered.length} part(s) listed in part_ids add up to ${total} bytes, but upload ${uploadId} was created with bytes=${upload.bytes}. List every part of the file, in order.`,
      'part_ids',
      'upload_size_mismatch',
    );
  }

  const claimed = await completionStep(
    uploadId,
    () => uploads.startCompleting(upload, now, now - STALE_COMPLETION_SECONDS),
    () => now,
  );
  const since = claimed.completingSince!;

  const { file, concatenatedMs } = await completedFile(caller, upload, since, ordered, params, passThroughKey);

  const completed = await completionStep(
    uploadId,
    () => uploads.markCompleted(upload, since, nowSeconds(), completionDigest(params)),
    nowSeconds,
  );
  await removeParts(await uploads.listParts(uploadId));
  // How long the parts took to become one object vs. the whole completion (validation, provider copy):
  // what decides whether a completion fits API Gateway's 29 s.
  logger.info('Upload completed', {
    uploadId,
    fileId: file.id,
    provider: upload.provider,
    bytes: upload.bytes,
    parts: ordered.length,
    concatenatedMs,
    totalMs: Date.now() - startedMs,
  });
  return completedAnswer(completed, file, nowSeconds());
}

function completedAnswer(upload: UploadRecord, file: FileRecord | null, now: number): OpenAIUpload {
  // The file may have been deleted since (files.delete): the upload still says it completed.
  return toOpenAIUpload(upload, now, file ? toOpenAIFile(file) : null);
}

/** The listed parts in the listed order; an id that is not a stored part of this upload is an error. */
export function orderParts(uploadId: string, partIds: readonly string[], stored: readonly UploadPartRecord[]): UploadPartRecord[] {
  const byId = new Map(stored.map((part) => [part.id, part]));
  const unknown = partIds.filter((id) => !byId.has(id));
  if (unknown.length) {
    const shown = unknown.slice(0, 5).join(', ') + (unknown.length > 5 ? `, … (${unknown.length} in all)` : '');
    throw badRequest(
      `Invalid 'part_ids': ${shown} ${unknown.length === 1 ? 'is not a part' : 'are not parts'} of upload ${uploadId} (it has ${stored.length} part(s)).`,
      'part_ids',
      'invalid_part_ids',
    );
  }
  return partIds.map((id) => byId.get(id)!);
}

async function openPart(blob: BlobLocation, parts: readonly UploadPartRecord[]) {
  try {
    return await getServices().blobs.get(blob);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const part = parts.find((p) => p.blob.key === blob.key);
    throw badRequest(
      `Part ${part?.id ?? blob.key} is no longer stored; upload it again and complete with the new part id.`,
      'part_ids',
      'part_missing',
    );
  }
}

export async function cancelUpload(caller: Caller, uploadId: string): Promise<OpenAIUpload> {
  const { uploads } = services();
  const upload = await findUpload(caller, uploadId);
  const now = nowSeconds();
  let cancelled: UploadRecord;
  try {
    cancelled = await uploads.markCancelled(upload, now);
  } catch (err) {
    if (err instanceof UploadStateError) throw uploadStateError(uploadId, err.current, 'cancel', now);
    throw err;
  }
  await removeParts(await uploads.listParts(uploadId));
  return toOpenAIUpload(cancelled, now);
}

/** Deletes parts' bytes and records. Best effort: a leftover is removed by the bucket's lifecycle rule and the table's TTL. */
async function removeParts(parts: readonly UploadPartRecord[]): Promise<void> {
  const { uploads, blobs } = services();
  const queue = [...parts];
  const worker = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      try {
        await blobs.delete(part.blob);
        await uploads.deletePart(part.uploadId, part.id);
      } catch (err) {
        logger.warn('Could not delete an upload part', { uploadId: part.uploadId, partId: part.id, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, queue.length) }, worker));
}
