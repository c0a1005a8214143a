// Gateway API keys: only their SHA-256 is stored; lookups are by hash and the stored hash is compared
// in constant time. The key itself exists only in the answer to `npm run keys -- create`.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord } from '#contracts/records';

export const KEY_PREFIX = 'sk-finops-';

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** 24 random bytes (192 bits): far beyond guessing, so a plain SHA-256 (no salt, no stretching) is enough. */
export function newApiKey(): string {
  return KEY_PREFIX + randomBytes(24).toString('base64url');
}

/** The short public id of a key (safe to log and show; never enough to use the key). */
export function keyIdOf(keyHash: string): string {
  return `key_${keyHash.slice(0, 12)}`;
}

/** The tenant a key gets when none is named: its own, derived from its id (as the local gateway seeds keys). */
export function ownTenantOf(keyId: string): string {
  return `tenant_${keyId.replace(/^key_/, '')}`;
}

export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `Authorization: Bearer <key>` → key, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

// Tenant ids become parts of S3 keys (files/<tenant>/…) and of index keys (<tenant>#FILE), so they
// may not contain '/', '#' or anything a path or a key condition could misread.
const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;

export class KeySpecError extends Error {
  override readonly name = 'KeySpecError';
}

export interface NewKeySpec {
  name: string;
  /** An existing tenant to join (the key then sees that tenant's files and batches); default: a new tenant of its own. */
  tenantId?: string;
  monthlyBudgetUsd?: number | null;
}

/** Checks a key's name, tenant and budget; throws KeySpecError with what is wrong. */
export function validateKeySpec(spec: NewKeySpec): void {
  if (!KEY_NAME.test(spec.name)) {
    throw new KeySpecError(
      `Invalid key name ${JSON.stringify(spec.name)}: 1-64 characters, letters, digits, space, '.', '_', '@' or '-', starting with a letter or digit.`,
    );
  }
  if (spec.tenantId !== undefined && !TENANT_ID.test(spec.tenantId)) {
    throw new KeySpecError(`Invalid tenant ${JSON.stringify(spec.tenantId)}: 1-64 characters, letters, digits, '_' or '-'.`);
  }
  const budget = spec.monthlyBudgetUsd;
  if (budget !== undefined && budget !== null && !(Number.isFinite(budget) && budget >= 0)) {
    throw new KeySpecError(`Invalid monthly budget ${JSON.stringify(budget)}: a number of US dollars, 0 or more.`);
  }
}

/** A new key and the record to store for it (the record holds the hash, never the key). */
export function newKeyRecord(spec: NewKeySpec, createdAt: number, key: string = newApiKey()): { key: string; record: ApiKeyRecord } {
  validateKeySpec(spec);
  const keyHash = hashKey(key);
  const keyId = keyIdOf(keyHash);
  return {
    key,
    record: {
      keyHash,
      keyId,
      name: spec.name,
      tenantId: spec.tenantId ?? ownTenantOf(keyId),
      createdAt,
      revokedAt: null,
      monthlyBudgetUsd: spec.monthlyBudgetUsd ?? null,
    },
  };
}

/** What `keys list` shows of a key: everything but the hash. */
export interface KeySummary {
  keyId: string;
  name: string;
  tenantId: string;
  createdAt: number;
  revokedAt: number | null;
  monthlyBudgetUsd: number | null;
}

export function summarizeKey(record: ApiKeyRecord): KeySummary {
  return {
    keyId: record.keyId,
    name: record.name,
    tenantId: record.tenantId,
    createdAt: record.createdAt,
    revokedAt: record.revokedAt ?? null,
    monthlyBudgetUsd: record.monthlyBudgetUsd ?? null,
  };
}
