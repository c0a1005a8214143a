// The two AWS KMS calls the credential vault needs (GenerateDataKey, Decrypt), over the official
// @aws-sdk/client-kms, with its errors sorted into "retry later" (ProviderUnavailable) and "refused".
// AWS_ENDPOINT_URL_KMS points it elsewhere (the tests' fake KMS), as for every AWS SDK client.
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import { ProviderUnavailableError } from '#lambda/providers/errors';
import type { EncryptionContext } from './envelope';
import { traced } from '#lambda/tracer';

/** KMS said no for a reason retrying will not fix (AccessDenied, InvalidCiphertext, disabled key, …). */
export class KmsError extends Error {
  override readonly name = 'KmsError';
  constructor(
    readonly type: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

// Worth retrying: KMS's own transient errors (and any 5xx or network failure).
const TRANSIENT_TYPES = new Set(['ThrottlingException', 'KMSInternalException', 'DependencyTimeoutException', 'LimitExceededException']);

export interface KmsApi {
  generateDataKey(keyId: string, context: EncryptionContext): Promise<{ plaintext: Buffer; ciphertextBlob: Buffer; keyId: string }>;
  decrypt(keyId: string, ciphertextBlob: Buffer, context: EncryptionContext): Promise<Buffer>;
}

export interface KmsClientOptions {
  region: string;
  /** Default: the SDK's (https://kms.<region>.amazonaws.com, or AWS_ENDPOINT_URL_KMS). */
  endpoint?: string;
  credentials?: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  timeoutMs?: number;
}

export class KmsClient implements KmsApi {
  private readonly kms: KMSClient;

  constructor(options: KmsClientOptions) {
    this.kms = traced(
      new KMSClient({
        region: options.region,
        endpoint: options.endpoint,
        credentials: options.credentials,
        // No retries here: the tracker's state machine retries ProviderUnavailable with backoff, and a
        // client's create answers 503 "retry"; stacking SDK retries under those would only add latency.
        maxAttempts: 1,
        requestHandler: { requestTimeout: options.timeoutMs ?? 5000, connectionTimeout: options.timeoutMs ?? 5000 },
      }),
    );
  }

  async generateDataKey(keyId: string, context: EncryptionContext) {
    const out = await this.call('GenerateDataKey', () =>
      this.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context })),
    );
    return { plaintext: Buffer.from(out.Plaintext!), ciphertextBlob: Buffer.from(out.CiphertextBlob!), keyId: out.KeyId! };
  }

  async decrypt(keyId: string, ciphertextBlob: Buffer, context: EncryptionContext): Promise<Buffer> {
    // KeyId pins the key: a ciphertext made under any other key is refused rather than decrypted.
    const out = await this.call('Decrypt', () =>
      this.kms.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: ciphertextBlob, EncryptionContext: context })),
    );
    return Buffer.from(out.Plaintext!);
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number }; $fault?: string };
      const status = e.$metadata?.httpStatusCode;
      if (status === undefined) throw new ProviderUnavailableError(`AWS KMS could not be reached for ${operation} (${e.name}).`);
      if (status >= 500 || TRANSIENT_TYPES.has(e.name)) {
        throw new ProviderUnavailableError(`AWS KMS is unavailable for ${operation} (HTTP ${status} ${e.name}).`, undefined, status);
      }
      throw new KmsError(
        e.name || 'UnknownError',
        `AWS KMS refused ${operation} (HTTP ${status} ${e.name}${e.message ? `: ${e.message}` : ''}).`,
        status,
      );
    }
  }
}
