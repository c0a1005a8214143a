// The credential vault: keeps a client's own provider key (X-Provider-Api-Key) for as long as the
// batch it created runs, because the tracker polls and downloads results with it long after the
// request is gone. Only envelope-encrypted bytes are stored, in their own table item
// (pk CRED#<id>), never beside the batch; the batch record holds just the reference `cred_…`.
// The item carries a TTL as a backstop; the tracker discards it as soon as the batch ends.
import { randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { decryptWithKey, encryptWithKey, type EncryptionContext, type Envelope } from './envelope';
import type { DataKeySource } from './data-keys';
import type { ProviderName } from '#contracts/records';
import { VAULT_CONTEXT_PURPOSE } from '#contracts/vault-names';

/** What a sealed credential belongs to; opening it needs the same owner (it is the encryption context). */
export interface CredentialOwner {
  tenantId: string;
  provider: ProviderName;
}

export interface VaultItem extends Envelope {
  id: string;
  tenantId: string;
  provider: ProviderName;
  createdAt: number;
  /** Epoch seconds after which DynamoDB deletes the item even if nobody discarded it. */
  ttl: number;
}

export interface VaultItems {
  put(item: VaultItem): Promise<void>;
  get(id: string): Promise<VaultItem | null>;
  delete(id: string): Promise<void>;
}

export const CREDENTIAL_REF_PATTERN = /^cred_[A-Za-z0-9_-]{32}$/;

/** Opening failed for a reason retrying will not fix (discarded, expired, or not this owner's). */
export class VaultError extends Error {
  override readonly name = 'VaultError';
}

export function encryptionContext(id: string, owner: CredentialOwner): EncryptionContext {
  return { purpose: VAULT_CONTEXT_PURPOSE, credential: id, tenant: owner.tenantId, provider: owner.provider };
}

export class CredentialVault {
  constructor(
    private readonly dataKeys: DataKeySource,
    private readonly items: VaultItems,
  ) {}

  /** Encrypts and stores the secret; returns the reference to record (safe to store, log and show). */
  async seal(secret: string, owner: CredentialOwner, now: number, keepUntil: number): Promise<string> {
    const id = `cred_${randomBytes(24).toString('base64url')}`;
    const context = encryptionContext(id, owner);
    const dataKey = await this.dataKeys.newDataKey(context);
    try {
      const sealed = encryptWithKey(dataKey.plaintext, Buffer.from(secret, 'utf8'), context);
      await this.items.put({
        id,
        tenantId: owner.tenantId,
        provider: owner.provider,
        createdAt: now,
        ttl: keepUntil,
        masterKeyId: dataKey.masterKeyId,
        wrappedDataKey: dataKey.wrapped,
        ...sealed,
      });
    } finally {
      dataKey.plaintext.fill(0);
    }
    return id;
  }

  async open(ref: string, owner: CredentialOwner, now: number): Promise<string> {
    if (!CREDENTIAL_REF_PATTERN.test(ref)) throw new VaultError('Not a credential reference.');
    const item = await this.items.get(ref);
    // DynamoDB deletes expired items only eventually: an item past its TTL counts as gone.
    if (!item || item.ttl <= now)
      throw new VaultError(`The provider key this batch was created with is no longer held (credential ${ref} was discarded or expired).`);
    if (item.tenantId !== owner.tenantId || item.provider !== owner.provider)
      throw new VaultError(`Credential ${ref} belongs to another owner.`);
    const context = encryptionContext(ref, owner);
    const dataKey = await this.dataKeys.unwrap(item.wrappedDataKey, item.masterKeyId, context);
    try {
      return decryptWithKey(dataKey, item, context).toString('utf8');
    } finally {
      dataKey.fill(0);
    }
  }

  /** Forgets the credential (idempotent). */
  async discard(ref: string): Promise<void> {
    if (!CREDENTIAL_REF_PATTERN.test(ref)) return;
    await this.items.delete(ref);
  }
}

const vaultKey = (id: string) => ({ pk: `CRED#${id}`, sk: 'CRED' });

/** Vault items in the gateway's table: no index attributes, so they never show up in a tenant's lists. */
export class DynamoVaultItems implements VaultItems {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(item: VaultItem): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { ...vaultKey(item.id), ...item }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async get(id: string): Promise<VaultItem | null> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: vaultKey(id), ConsistentRead: true }));
    if (!res.Item) return null;
    const { pk: _pk, sk: _sk, ...item } = res.Item;
    return item as VaultItem;
  }

  async delete(id: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: vaultKey(id) }));
  }
}
