// Turning uploaded bytes into a gateway file: place, store, validate (streamed from storage), hand to
// the provider, record. Shared by files.create, the Uploads API and direct uploads. Any failure leaves
// nothing behind.
import type { Readable } from 'node:stream';
import { badRequest } from '#lambda/http/errors';
import { newFileId } from '#lambda/ids';
import { nowSeconds } from '#lambda/time';
import { getServices, providerContext } from '#lambda/runtime';
import { adapterFor } from '#lambda/providers/registry';
import { MAX_BATCH_LINES, validateBatchFile } from '#lambda/batch-files/validate';
import { endpointSupportOf } from '#lambda/providers/endpoints';
import { stripByteOrderMark } from './byte-order-mark';
import type { Extras } from '#lambda/providers/provider';
import type { BlobLocation, FileRecord, ProviderName } from '#contracts/records';

export const SUPPORTED_PURPOSES = ['batch'] as const;
export const MAX_FILENAME_LENGTH = 255;

export function checkPurpose(purpose: unknown): 'batch' {
  if (purpose === undefined || purpose === '')
    throw badRequest(
      'Missing required parameter: \'purpose\'. Use purpose "batch" for batch input files.',
      'purpose',
      'missing_required_parameter',
    );
  if (purpose !== 'batch') {
    throw badRequest(
      `Invalid 'purpose': ${JSON.stringify(String(purpose).slice(0, 40))}. This gateway stores batch input files only: use purpose "batch".`,
      'purpose',
      'invalid_purpose',
    );
  }
  return purpose;
}

export function checkFilename(filename: string): string {
  if (filename.length > MAX_FILENAME_LENGTH)
    throw badRequest(
      `The filename is ${filename.length} characters long; the limit is ${MAX_FILENAME_LENGTH}.`,
      'file',
      'invalid_filename',
    );
  // eslint-disable-next-line no-control-regex -- finding control characters is the point of this pattern
  if (/[\u0000-\u001f\u007f]/.test(filename)) throw badRequest('The filename contains control characters.', 'file', 'invalid_filename');
  return filename;
}

/**
 * An `expires_after`-style parameter ({ anchor: "created_at", seconds: 3600..2592000 }, seconds as a
 * number or, from multipart forms, a string) → seconds after creation; null when absent.
 */
export function parseExpirySeconds(value: unknown, param = 'expires_after'): number | null {
  if (value === undefined || value === null) return null;
  const v = value as { anchor?: unknown; seconds?: unknown };
  const seconds = Number(v?.seconds);
  if (v?.anchor !== 'created_at' || !Number.isInteger(seconds) || seconds < 3600 || seconds > 2_592_000) {
    throw badRequest(`Invalid '${param}': expected { anchor: "created_at", seconds: 3600..2592000 }.`, param, `invalid_${param}`);
  }
  return seconds;
}

export function parseExpiresAfter(value: unknown, createdAt: number): number | null {
  const seconds = parseExpirySeconds(value);
  return seconds === null ? null : createdAt + seconds;
}

export interface IngestInput {
  tenantId: string;
  provider: ProviderName;
  filename: string;
  purpose: 'batch';
  extras: Extras;
  passThroughKey?: string;
  /** Writes the bytes to the chosen location; resolves with the byte count. */
  write(location: BlobLocation): Promise<number>;
  /** A fixed id (Uploads API: the upload's file id), else a new one. */
  fileId?: string;
  /** When the file was created, if before now (a direct upload: when it was requested). */
  createdAt?: number;
  /**
   * Records the finished file. Default: a new record. A direct upload's record already exists, so it
   * is updated instead (conditionally: lambda/files/direct-upload.ts).
   */
  save?(file: FileRecord): Promise<void>;
}

export async function ingestBatchFile(input: IngestInput): Promise<FileRecord> {
  const { config, blobs, metadata } = getServices();
  const adapter = adapterFor(input.provider);
  const ctx = providerContext(input.provider, input.tenantId, input.passThroughKey);
  const fileId = input.fileId ?? newFileId();
  const createdAt = input.createdAt ?? nowSeconds();
  const expiresAt = parseExpiresAfter(input.extras.expires_after, createdAt);
  const location = adapter.placeFile
    ? await adapter.placeFile(ctx, { tenantId: input.tenantId, fileId, filename: input.filename, extras: input.extras })
    : { bucket: config.filesBucket, key: `files/${input.tenantId}/${fileId}` };

  let bytes = await input.write(location);
  try {
    bytes = await stripByteOrderMark(blobs, location, bytes);
    const summary = await validateBatchFile(blobs.readLines(location), MAX_BATCH_LINES, endpointSupportOf(adapter));
    let file: FileRecord = {
      id: fileId,
      tenantId: input.tenantId,
      provider: input.provider,
      filename: input.filename,
      purpose: input.purpose,
      bytes,
      createdAt,
      expiresAt,
      status: 'processed',
      statusDetails: null,
      blob: location,
      lineCount: summary.lineCount,
      model: summary.model,
      // A mixed-model file remembers its models: providers that run one model per job split it by them.
      ...(summary.models.length > 1 ? { models: summary.models } : {}),
      endpoint: summary.endpoint,
    };
    if (adapter.onFileStored) file = { ...file, ...(await adapter.onFileStored(ctx, file, input.extras)) };
    await (input.save ? input.save(file) : metadata.putFile(file));
    return file;
  } catch (err) {
    await blobs.delete(location).catch(() => undefined);
    throw err;
  }
}

/** Streams a stored file's bytes (for handlers that serve content). */
export async function openFile(file: FileRecord): Promise<Readable> {
  return getServices().blobs.get(file.blob);
}
