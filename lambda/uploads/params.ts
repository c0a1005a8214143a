// Request parameters of the Uploads API, checked before anything is stored. Pure functions.
import { badRequest } from '#lambda/http/errors';
import { checkFilename, checkPurpose, parseExpiresAfter } from '#lambda/files/ingest';
import { resolveProvider } from '#lambda/providers/registry';
import type { Extras } from '#lambda/providers/provider';
import type { ProviderName } from '#contracts/records';

/** OpenAI's limit for a batch input file (and the OpenAI simulator's): 200 MB. */
export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;
/** An upload accepts parts for an hour, as OpenAI's does. */
export const UPLOAD_TTL_SECONDS = 3600;
/** More parts than this is a client bug (200 MB in 20 KB pieces), not an upload. */
export const MAX_PARTS_PER_UPLOAD = 10_000;
/** Extra fields are stored with the upload (a DynamoDB item is at most 400 KB). */
export const MAX_EXTRAS_JSON_BYTES = 16 * 1024;

export const UPLOAD_ID_PATTERN = /^upload_[A-Za-z0-9_-]{1,64}$/;
export const PART_ID_PATTERN = /^part_[A-Za-z0-9_-]{1,64}$/;
const MD5_HEX_PATTERN = /^[0-9a-f]{32}$/i;
// type/subtype per RFC 6838, optionally with parameters (text/jsonl; charset=utf-8).
const MIME_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;.*)?$/;

/** Whole numbers arrive as JSON numbers from the SDKs; a digit string (hand-written clients) is accepted too. */
function wholeNumber(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return null;
}

/** A file announced before its bytes arrive (Uploads API, direct upload): name, purpose, size, provider, extras. */
export interface FileDeclaration {
  filename: string;
  purpose: 'batch';
  bytes: number;
  provider: ProviderName;
  /** Everything else the client sent (storage_config, expires_after, …): handled like files.create's extras. */
  extras: Extras;
}

/**
 * Checks a file declaration, so that a bad one is refused before the client sends up to 200 MB.
 * `fields` are the body's fields that belong to the caller's own API (mime_type, …), not to extras.
 */
export function parseFileDeclaration(
  body: Record<string, unknown>,
  defaultProvider: ProviderName,
  now: number,
  ownFields: readonly string[] = [],
): FileDeclaration {
  const { filename, purpose, bytes, provider, ...rest } = body;
  const extras = Object.fromEntries(Object.entries(rest).filter(([key]) => !ownFields.includes(key)));
  if (typeof filename !== 'string' || filename === '')
    throw badRequest("Missing required parameter: 'filename'.", 'filename', 'missing_required_parameter');
  checkFilename(filename);
  const checkedPurpose = checkPurpose(purpose);
  if (bytes === undefined)
    throw badRequest("Missing required parameter: 'bytes' (the exact size of the file).", 'bytes', 'missing_required_parameter');
  const size = wholeNumber(bytes);
  if (size === null || size < 1)
    throw badRequest(`Invalid 'bytes': expected a positive whole number of bytes, got ${JSON.stringify(bytes)}.`, 'bytes', 'invalid_bytes');
  if (size > MAX_UPLOAD_BYTES) {
    throw badRequest(
      `Invalid 'bytes': ${size} bytes is larger than a batch input file may be (${MAX_UPLOAD_BYTES} bytes, 200 MB). Split the requests into several batches.`,
      'bytes',
      'file_too_large',
    );
  }
  parseExpiresAfter(extras.expires_after, now);
  if (Buffer.byteLength(JSON.stringify(extras)) > MAX_EXTRAS_JSON_BYTES) {
    throw badRequest(`The extra fields of this request take more than ${MAX_EXTRAS_JSON_BYTES} bytes.`, null, 'extras_too_large');
  }
  return { filename, purpose: checkedPurpose, bytes: size, provider: resolveProvider(provider, defaultProvider), extras };
}

export interface UploadCreateParams extends FileDeclaration {
  mimeType: string;
}

export function parseUploadCreate(body: Record<string, unknown>, defaultProvider: ProviderName, now: number): UploadCreateParams {
  const declaration = parseFileDeclaration(body, defaultProvider, now, ['mime_type']);
  const mimeType = body.mime_type;
  if (mimeType === undefined || mimeType === '')
    throw badRequest(
      'Missing required parameter: \'mime_type\'. Use "application/jsonl" for batch input files.',
      'mime_type',
      'missing_required_parameter',
    );
  if (typeof mimeType !== 'string' || !MIME_TYPE_PATTERN.test(mimeType)) {
    throw badRequest(
      `Invalid 'mime_type': ${JSON.stringify(String(mimeType).slice(0, 80))} is not a MIME type. Use "application/jsonl" for batch input files.`,
      'mime_type',
      'invalid_mime_type',
    );
  }
  return { ...declaration, mimeType };
}

export interface UploadCompleteParams {
  partIds: string[];
  /** Lower-case hex MD5 of the whole file, when the client sent one. */
  md5: string | null;
}

export function parseUploadComplete(body: Record<string, unknown>): UploadCompleteParams {
  const { part_ids: partIds, md5 } = body;
  if (partIds === undefined) throw badRequest("Missing required parameter: 'part_ids'.", 'part_ids', 'missing_required_parameter');
  if (!Array.isArray(partIds) || partIds.length === 0)
    throw badRequest("Invalid 'part_ids': expected a non-empty array of part ids, in file order.", 'part_ids', 'invalid_part_ids');
  if (partIds.length > MAX_PARTS_PER_UPLOAD)
    throw badRequest(`Invalid 'part_ids': an upload may have at most ${MAX_PARTS_PER_UPLOAD} parts.`, 'part_ids', 'invalid_part_ids');
  const seen = new Set<string>();
  for (const [i, id] of partIds.entries()) {
    if (typeof id !== 'string' || !PART_ID_PATTERN.test(id)) {
      throw badRequest(
        `Invalid 'part_ids[${i}]': ${JSON.stringify(String(id).slice(0, 80))} is not a part id (expected part_…).`,
        'part_ids',
        'invalid_part_ids',
      );
    }
    if (seen.has(id)) throw badRequest(`Invalid 'part_ids': ${id} is listed more than once.`, 'part_ids', 'invalid_part_ids');
    seen.add(id);
  }
  if (md5 !== undefined && md5 !== null && md5 !== '' && (typeof md5 !== 'string' || !MD5_HEX_PATTERN.test(md5))) {
    throw badRequest("Invalid 'md5': expected the file's MD5 digest as 32 hexadecimal characters.", 'md5', 'invalid_md5');
  }
  return { partIds: partIds as string[], md5: typeof md5 === 'string' && md5 !== '' ? md5.toLowerCase() : null };
}

/** Validates an upload id from the path; anything that is not one of ours is rejected before any lookup. */
export function parseUploadId(value: unknown): string {
  if (typeof value !== 'string' || !UPLOAD_ID_PATTERN.test(value)) {
    throw badRequest(
      `Invalid 'upload_id': ${JSON.stringify(String(value ?? '').slice(0, 80))} is not an upload id (expected upload_…).`,
      'upload_id',
      'invalid_id',
    );
  }
  return value;
}

/**
 * How many part bytes an upload may receive in total: its declared size plus room to send every part
 * once more (the SDKs retry a part whose answer was lost, and a client may replace a bad part).
 */
export function maxReceivedBytes(declaredBytes: number, maxPartBytes: number): number {
  return declaredBytes + Math.max(declaredBytes, maxPartBytes);
}
