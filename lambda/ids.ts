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
/**
 * `id` of an output line, stable per batch and request (collecting twice gives the same ids). It runs
 * for every line of a result file, so the batch part is hashed once (SHA-256) and the request part with
 * a cheap 64-bit hash (two 32-bit FNV-1a style lanes): a collision among 50,000 custom_ids of one batch
 * has a chance of about 1 in 10^10.
 */
export function batchRequestId(batchId: string, customId: string): string {
  if (lastBatch.id !== batchId) lastBatch = { id: batchId, token: stableToken(10, batchId, 'batch_req') };
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < customId.length; i++) {
    const c = customId.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return `batch_req_${lastBatch.token}${(a >>> 0).toString(36).padStart(7, '0')}${(b >>> 0).toString(36).padStart(7, '0')}`;
}
let lastBatch = { id: '', token: '' };

/** File and batch ids we issue match these; anything else (path characters, …) is rejected early. */
export const FILE_ID_PATTERN = /^file-[A-Za-z0-9_-]{1,64}$/;
export const BATCH_ID_PATTERN = /^batch_[A-Za-z0-9_-]{1,64}$/;

/** The batch a client-chosen Idempotency-Key names, per tenant: a retried create finds the first one. */
export function idempotentBatchId(tenantId: string, idempotencyKey: string): string {
  return `batch_${stableToken(24, tenantId, idempotencyKey)}`;
}
