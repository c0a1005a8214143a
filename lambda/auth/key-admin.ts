// Issuing, listing and revoking gateway keys (what `npm run keys` does), over the metadata table.
// The key is returned once, by createKey; the table keeps only its hash.
import type { MetadataStore } from '#lambda/store/metadata';
import { newKeyRecord, summarizeKey, type KeySummary, type NewKeySpec } from './keys';

export interface CreatedKey {
  /** The key itself: shown once, never stored. */
  key: string;
  summary: KeySummary;
}

export class KeyAdminError extends Error {
  override readonly name = 'KeyAdminError';
}

export async function createKey(store: MetadataStore, spec: NewKeySpec, now: number): Promise<CreatedKey> {
  const taken = new Set((await store.listKeys()).map((k) => k.keyId));
  // Key ids are 48 bits of the hash; a collision is astronomically unlikely, but budgets and revocation
  // address keys by id, so an id must name one key only.
  for (let attempt = 0; attempt < 3; attempt++) {
    const { key, record } = newKeyRecord(spec, now);
    if (taken.has(record.keyId)) continue;
    await store.putKey(record);
    return { key, summary: summarizeKey(record) };
  }
  throw new KeyAdminError('Could not generate a key with an unused id; try again.');
}

/** Every key, oldest first, without hashes. */
export async function listKeys(store: MetadataStore): Promise<KeySummary[]> {
  return (await store.listKeys()).map(summarizeKey).sort((a, b) => a.createdAt - b.createdAt || a.keyId.localeCompare(b.keyId));
}

export interface RevokedKey {
  summary: KeySummary;
  /** The key had been revoked before (revokedAt keeps the first revocation's time). */
  alreadyRevoked: boolean;
}

/** Marks the key revoked; the authorizer refuses it from then on (after API Gateway's 60 s cache in AWS). */
export async function revokeKey(store: MetadataStore, keyId: string, now: number): Promise<RevokedKey> {
  const matches = (await store.listKeys()).filter((k) => k.keyId === keyId);
  if (matches.length === 0) throw new KeyAdminError(`No key with id ${keyId}. \`keys list\` shows the ids.`);
  if (matches.length > 1) throw new KeyAdminError(`More than one key has id ${keyId}; revoke them in the table by hash.`);
  const [record] = matches;
  if (record.revokedAt) return { summary: summarizeKey(record), alreadyRevoked: true };
  const updated = await store.updateKey(record.keyHash, { revokedAt: now });
  return { summary: summarizeKey(updated), alreadyRevoked: false };
}
