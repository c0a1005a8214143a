// Where the vault's data keys come from and how they are protected at rest:
//   AWS    → KMS GenerateDataKey / Decrypt under the stack's vault key, with the encryption context
//            (IAM lets only the functions that need it call each one);
//   local  → a 256-bit master key in <dataDir>/vault.key (created on first use, mode 0600) that wraps
//            each data key with AES-256-GCM, so the local gateway stores no plaintext either.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DATA_KEY_BYTES, decryptWithKey, encryptWithKey, SealError, type EncryptionContext } from './envelope';
import type { KmsApi } from './kms-client';

export interface NewDataKey {
  /** Use once, then zero it (Buffer.fill(0)). */
  plaintext: Buffer;
  /** What to store beside the ciphertext. */
  wrapped: string;
  masterKeyId: string;
}

export interface DataKeySource {
  newDataKey(context: EncryptionContext): Promise<NewDataKey>;
  unwrap(wrapped: string, masterKeyId: string, context: EncryptionContext): Promise<Buffer>;
}

export class KmsDataKeys implements DataKeySource {
  constructor(
    private readonly kms: KmsApi,
    private readonly keyArn: string,
  ) {}

  async newDataKey(context: EncryptionContext): Promise<NewDataKey> {
    const { plaintext, ciphertextBlob } = await this.kms.generateDataKey(this.keyArn, context);
    // Recorded as the configured ARN (not KMS's answer) so that unwrap's check compares like with like.
    return { plaintext, wrapped: ciphertextBlob.toString('base64'), masterKeyId: this.keyArn };
  }

  async unwrap(wrapped: string, masterKeyId: string, context: EncryptionContext): Promise<Buffer> {
    if (masterKeyId !== this.keyArn)
      throw new SealError(`This credential was sealed under KMS key ${masterKeyId}, not the configured vault key.`);
    return this.kms.decrypt(this.keyArn, Buffer.from(wrapped, 'base64'), context);
  }
}

export class LocalMasterKey implements DataKeySource {
  readonly masterKeyId: string;

  constructor(private readonly master: Buffer) {
    if (master.length !== DATA_KEY_BYTES)
      throw new SealError(`The local vault master key must be ${DATA_KEY_BYTES} bytes, got ${master.length}.`);
    this.masterKeyId = `local:${createHash('sha256').update(master).digest('hex').slice(0, 16)}`;
  }

  /** Reads the key file, creating it (32 random bytes, base64, readable by the owner only) if missing. */
  static fromFile(path: string): LocalMasterKey {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(dirname(path), { recursive: true });
      try {
        // 'wx': if another process created it meanwhile, keep theirs.
        writeFileSync(path, randomBytes(DATA_KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      } catch (writeErr) {
        if ((writeErr as NodeJS.ErrnoException).code !== 'EEXIST') throw writeErr;
      }
      text = readFileSync(path, 'utf8');
    }
    return new LocalMasterKey(Buffer.from(text.trim(), 'base64'));
  }

  async newDataKey(context: EncryptionContext): Promise<NewDataKey> {
    const plaintext = randomBytes(DATA_KEY_BYTES);
    const sealed = encryptWithKey(this.master, plaintext, context);
    return { plaintext, wrapped: [sealed.iv, sealed.tag, sealed.ciphertext].join('.'), masterKeyId: this.masterKeyId };
  }

  async unwrap(wrapped: string, masterKeyId: string, context: EncryptionContext): Promise<Buffer> {
    if (masterKeyId !== this.masterKeyId)
      throw new SealError(`This credential was sealed under local master key ${masterKeyId}, not this vault.key (${this.masterKeyId}).`);
    const [iv, tag, ciphertext] = wrapped.split('.');
    if (!iv || !tag || !ciphertext) throw new SealError('The wrapped data key is malformed.');
    return decryptWithKey(this.master, { iv, tag, ciphertext }, context);
  }
}
