// Provider-key pass-through across a batch's life: batches.create seals the client's
// X-Provider-Api-Key in the credential vault and records only the reference on the batch
// (`providerCredentialRef`); every later call for that batch (tracker checks, result download,
// cancel) opens it again through batchProviderContext; the tracker discards it when the batch ends.
//
// Which vault (read once per cold start):
//   FINOPS_VAULT_KMS_KEY_ARN  the stack's KMS key (deployed with allowProviderKeyPassThrough);
//   FINOPS_VAULT_KEY_FILE     a local master key file (the local gateway: <dataDir>/vault.key).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GatewayError } from '#lambda/http/errors';
import { getServices, logger, providerContext } from '#lambda/runtime';
import { COMPLETION_WINDOW_SECONDS } from '#lambda/batches/create';
import { nowSeconds } from '#lambda/time';
import type { ProviderContext } from '#lambda/providers/provider';
import type { BatchRecord } from '#contracts/records';
import { KmsDataKeys, LocalMasterKey, type DataKeySource } from './data-keys';
import { KmsClient } from './kms-client';
import { CredentialVault, DynamoVaultItems, type CredentialOwner } from './vault';
import { VAULT_KEY_FILE_VARIABLE, VAULT_KMS_KEY_VARIABLE } from '#contracts/vault-names';
import { traced } from '#lambda/tracer';

/** The batch record's reference to its sealed provider key (contracts/records.ts BatchRecord). */
export interface ProviderCredentialField {
  /** `cred_…`: the vault item holding the client's own provider key, encrypted. Never the key. */
  providerCredentialRef?: string | null;
}

/** Kept a day past the longest a batch can run, in case the tracker's discard never comes. */
const KEEP_AFTER_WINDOW_SECONDS = 24 * 3600;

export function dataKeySourceFromEnvironment(env: NodeJS.ProcessEnv, region: string): DataKeySource | null {
  const kmsKeyArn = env[VAULT_KMS_KEY_VARIABLE];
  if (kmsKeyArn) return new KmsDataKeys(new KmsClient({ region }), kmsKeyArn);
  const keyFile = env[VAULT_KEY_FILE_VARIABLE];
  if (keyFile) return LocalMasterKey.fromFile(keyFile);
  return null;
}

let cached: { for: ReturnType<typeof getServices>; vault: CredentialVault | null } | undefined;

/** The vault beside the shared services (rebuilt with them), or a 500 saying how to configure one. */
export function credentialVault(): CredentialVault {
  const services = getServices();
  if (cached?.for !== services) {
    const dataKeys = dataKeySourceFromEnvironment(process.env, services.config.region);
    const db = DynamoDBDocumentClient.from(traced(new DynamoDBClient({ region: services.config.region })));
    cached = { for: services, vault: dataKeys && new CredentialVault(dataKeys, new DynamoVaultItems(db, services.config.tableName)) };
  }
  if (!cached.vault) {
    throw new GatewayError(
      500,
      `Provider key pass-through is enabled, but this deployment has no credential vault to keep the key while the batch runs (set ${VAULT_KMS_KEY_VARIABLE} or ${VAULT_KEY_FILE_VARIABLE}). Nothing was changed.`,
      'server_error',
      null,
      'vault_not_configured',
    );
  }
  return cached.vault;
}

const ownerOf = (batch: Pick<BatchRecord, 'tenantId' | 'provider'>): CredentialOwner => ({
  tenantId: batch.tenantId,
  provider: batch.provider,
});

/** Seals a client's provider key for a batch about to be created; returns the reference to record on it. */
export async function sealBatchCredential(
  key: string,
  owner: CredentialOwner,
  expiryGraceSeconds: number,
  now = nowSeconds(),
  windowSeconds = COMPLETION_WINDOW_SECONDS,
): Promise<string> {
  return credentialVault().seal(key, owner, now, now + windowSeconds + expiryGraceSeconds + KEEP_AFTER_WINDOW_SECONDS);
}

/**
 * The provider context for work on an existing batch: with the client's own key when the batch was
 * created with one (opened from the vault on first use), else with the gateway's.
 */
export function batchProviderContext(batch: BatchRecord & ProviderCredentialField): ProviderContext {
  const ref = batch.providerCredentialRef;
  if (!ref) return providerContext(batch.provider, batch.tenantId);
  return providerContext(batch.provider, batch.tenantId, () => credentialVault().open(ref, ownerOf(batch), nowSeconds()));
}

/**
 * Forgets the batch's sealed key once the batch has ended (the tracker's last steps). Best effort: a
 * failure is logged by reference only, and the item's TTL removes it anyway.
 */
export async function discardBatchCredential(batch: Pick<BatchRecord, 'id'> & ProviderCredentialField): Promise<void> {
  const ref = batch.providerCredentialRef;
  if (!ref) return;
  try {
    await credentialVault().discard(ref);
  } catch (err) {
    logger.warn('Could not discard a batch credential; its TTL will remove it', {
      batchId: batch.id,
      credential: ref,
      error: (err as Error).name,
    });
  }
}
