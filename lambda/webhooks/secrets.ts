// Endpoint secrets at rest: the same envelope encryption as the credential vault (lambda/auth/envelope.ts,
// data keys from KMS in AWS or the local master key file), with the endpoint and tenant in the
// encryption context, so a sealed secret copied onto another endpoint does not open.
import { DATA_KEY_BYTES, decryptWithKey, encryptWithKey, type EncryptionContext } from '#lambda/auth/envelope';
import { KmsDataKeys, LocalMasterKey, type DataKeySource } from '#lambda/auth/data-keys';
import { KmsClient } from '#lambda/auth/kms-client';
import { VAULT_KEY_FILE_VARIABLE } from '#contracts/vault-names';
import { GatewayError } from '#lambda/http/errors';
import { getServices } from '#lambda/runtime';
import type { SealedSecret } from './endpoints';
import { WEBHOOK_CONTEXT_PURPOSE, WEBHOOK_KMS_KEY_VARIABLE } from '#contracts/webhook-names';

const contextOf = (endpointId: string, tenantId: string): EncryptionContext => ({
  purpose: WEBHOOK_CONTEXT_PURPOSE,
  webhook: endpointId,
  tenant: tenantId,
});

let cached: { region: string; source: DataKeySource } | undefined;

/** KMS with FINOPS_WEBHOOK_KMS_KEY_ARN (deployed), else the local vault's master key file. */
function dataKeys(): DataKeySource {
  const region = getServices().config.region;
  if (cached?.region === region) return cached.source;
  const arn = process.env[WEBHOOK_KMS_KEY_VARIABLE];
  const file = process.env[VAULT_KEY_FILE_VARIABLE];
  const source = arn ? new KmsDataKeys(new KmsClient({ region }), arn) : file ? LocalMasterKey.fromFile(file) : null;
  if (!source)
    throw new GatewayError(
      500,
      `Webhooks need a key to encrypt their secrets (${WEBHOOK_KMS_KEY_VARIABLE}); this deployment has none. Nothing was changed.`,
      'server_error',
      null,
      'webhook_key_not_configured',
    );
  cached = { region, source };
  return source;
}

export function resetWebhookKeys(): void {
  cached = undefined;
}

export async function sealSecret(secret: string, endpointId: string, tenantId: string, now: number): Promise<SealedSecret> {
  const context = contextOf(endpointId, tenantId);
  const dataKey = await dataKeys().newDataKey(context);
  try {
    if (dataKey.plaintext.length !== DATA_KEY_BYTES) throw new Error('unexpected data key size');
    return {
      ...encryptWithKey(dataKey.plaintext, Buffer.from(secret, 'utf8'), context),
      masterKeyId: dataKey.masterKeyId,
      wrappedDataKey: dataKey.wrapped,
      createdAt: now,
    };
  } finally {
    dataKey.plaintext.fill(0);
  }
}

export async function openSecret(sealed: SealedSecret, endpointId: string, tenantId: string): Promise<string> {
  const context = contextOf(endpointId, tenantId);
  const key = await dataKeys().unwrap(sealed.wrappedDataKey, sealed.masterKeyId, context);
  try {
    return decryptWithKey(key, sealed, context).toString('utf8');
  } finally {
    key.fill(0);
  }
}
