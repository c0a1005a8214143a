// Ids the gateway issues: URL-safe, opaque, shaped like OpenAI's.
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] % ALPHABET.length];
  return out;
}

/** A stable token derived from parts, for ids that must come out the same when work is repeated. */
export function stableToken(length: number, ...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[digest[i % digest.length] % ALPHABET.length];
  return out;
}

export const newFileId = () => `file-${randomToken(24)}`;
export const newBatchId = () => `batch_${randomToken(24)}`;
export const newUploadId = () => `upload_${randomToken(24)}`;
export const newPartId = () => `part_${randomToken(24)}`;
/** Output/error files of a batch get ids derived from it, so collecting results twice never makes two. */
export const resultFileId = (batchId: string, kind: 'output' | 'error') => `file-${stableToken(24, batchId, kind)}`;
/** `id` of an output line, stable per batch and request. */
export const batchRequestId = (batchId: string, customId: string) => `batch_req_${stableToken(24, batchId, customId)}`;

/** File and batch ids we issue match these; anything else (path characters, …) is rejected early. */
export const FILE_ID_PATTERN = /^file-[A-Za-z0-9_-]{1,64}$/;
export const BATCH_ID_PATTERN = /^batch_[A-Za-z0-9_-]{1,64}$/;
