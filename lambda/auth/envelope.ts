// Envelope encryption of one small secret (a provider API key), pure: AES-256-GCM under a fresh
// 256-bit data key, with the encryption context as additional authenticated data. The data key itself
// is protected elsewhere (KMS in AWS, the local master key in lambda/auth/data-keys.ts); what is
// stored is only { wrapped data key, iv, ciphertext, tag }.
//
// The context (tenant, provider, credential id) is bound to the ciphertext: a sealed secret copied
// onto another tenant's or another credential's item fails to open instead of decrypting.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export type EncryptionContext = Readonly<Record<string, string>>;

export interface SealedBytes {
  iv: string;
  ciphertext: string;
  tag: string;
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
export const DATA_KEY_BYTES = 32;

export class SealError extends Error {
  override readonly name = 'SealError';
}

/** The context as bytes, independent of key order (KMS treats the context as an unordered map too). */
export function canonicalContext(context: EncryptionContext): Buffer {
  const entries = Object.keys(context)
    .sort()
    .map((k) => [k, context[k]]);
  return Buffer.from(JSON.stringify(entries), 'utf8');
}

export function encryptWithKey(key: Buffer, plaintext: Buffer, context: EncryptionContext): SealedBytes {
  if (key.length !== DATA_KEY_BYTES) throw new SealError(`A data key must be ${DATA_KEY_BYTES} bytes, got ${key.length}.`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(canonicalContext(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** Throws SealError when the key, the context or any byte of the sealed data is not the original. */
export function decryptWithKey(key: Buffer, sealed: SealedBytes, context: EncryptionContext): Buffer {
  if (key.length !== DATA_KEY_BYTES) throw new SealError(`A data key must be ${DATA_KEY_BYTES} bytes, got ${key.length}.`);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(canonicalContext(context));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
  } catch {
    // Node says "Unsupported state or unable to authenticate data"; say what it means here.
    throw new SealError('The sealed data does not open with this key and context (wrong key, other context, or altered bytes).');
  }
}

/** A sealed secret ready to store: the data key travels with it, wrapped by the key provider. */
export interface Envelope extends SealedBytes {
  /** Which master key wrapped the data key (a KMS key ARN, or `local:<fingerprint>`). */
  masterKeyId: string;
  wrappedDataKey: string;
}
