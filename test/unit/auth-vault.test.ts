// The credential vault: envelope encryption (AES-256-GCM, context as AAD), the local master key file,
// and CredentialVault over an in-memory item store: what is stored, who can open it, and when not.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalContext, decryptWithKey, encryptWithKey, SealError } from '#lambda/auth/envelope';
import { LocalMasterKey } from '#lambda/auth/data-keys';
import { CredentialVault, CREDENTIAL_REF_PATTERN, VaultError } from '#lambda/auth/vault';
import { MemoryVaultItems } from '#test/support/memory-vault-items';

const SECRET = 'sk-proj-client-own-provider-key-0123456789';

describe('envelope encryption', () => {
  const key = randomBytes(32);
  const context = { purpose: 'finops-provider-key', tenant: 't1', credential: 'cred_1', provider: 'openai' };

  test('round trip; the ciphertext holds no trace of the plaintext; a fresh IV every time', () => {
    const a = encryptWithKey(key, Buffer.from(SECRET), context);
    const b = encryptWithKey(key, Buffer.from(SECRET), context);
    expect(decryptWithKey(key, a, context).toString()).toBe(SECRET);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    const stored = JSON.stringify(a);
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toContain(Buffer.from(SECRET).toString('base64'));
  });

  test('the context is a map: key order does not matter', () => {
    const sealed = encryptWithKey(key, Buffer.from(SECRET), context);
    const reordered = { provider: 'openai', credential: 'cred_1', tenant: 't1', purpose: 'finops-provider-key' };
    expect(canonicalContext(reordered)).toEqual(canonicalContext(context));
    expect(decryptWithKey(key, sealed, reordered).toString()).toBe(SECRET);
  });

  const flip = (b64: string) => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[0] ^= 1;
    return bytes.toString('base64');
  };
  test.each([
    ['another key', (s: ReturnType<typeof encryptWithKey>) => ({ key: randomBytes(32), sealed: s, context })],
    [
      'another tenant in the context',
      (s: ReturnType<typeof encryptWithKey>) => ({ key, sealed: s, context: { ...context, tenant: 't2' } }),
    ],
    [
      'another credential id in the context',
      (s: ReturnType<typeof encryptWithKey>) => ({ key, sealed: s, context: { ...context, credential: 'cred_2' } }),
    ],
    ['an extra context entry', (s: ReturnType<typeof encryptWithKey>) => ({ key, sealed: s, context: { ...context, extra: 'x' } })],
    [
      'an altered ciphertext',
      (s: ReturnType<typeof encryptWithKey>) => ({ key, sealed: { ...s, ciphertext: flip(s.ciphertext) }, context }),
    ],
    ['an altered IV', (s: ReturnType<typeof encryptWithKey>) => ({ key, sealed: { ...s, iv: flip(s.iv) }, context })],
    ['an altered tag', (s: ReturnType<typeof encryptWithKey>) => ({ key, sealed: { ...s, tag: flip(s.tag) }, context })],
  ])('does not open with %s', (_, change) => {
    const attempt = change(encryptWithKey(key, Buffer.from(SECRET), context));
    expect(() => decryptWithKey(attempt.key, attempt.sealed, attempt.context)).toThrow(SealError);
  });

  test('refuses a key of the wrong size', () => {
    expect(() => encryptWithKey(randomBytes(16), Buffer.from('x'), context)).toThrow(/32 bytes/);
  });
});

describe('LocalMasterKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'finops-vault-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('creates vault.key on first use, readable by its owner only, and reuses it', async () => {
    const path = join(dir, 'nested', 'vault.key');
    const first = LocalMasterKey.fromFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')).toHaveLength(32);
    const again = LocalMasterKey.fromFile(path);
    expect(again.masterKeyId).toBe(first.masterKeyId);
    const context = { purpose: 'p', credential: 'c' };
    const dataKey = await first.newDataKey(context);
    expect(await again.unwrap(dataKey.wrapped, dataKey.masterKeyId, context)).toEqual(dataKey.plaintext);
  });

  test('another master key (a replaced vault.key) cannot unwrap, and says why', async () => {
    const a = LocalMasterKey.fromFile(join(dir, 'a.key'));
    const b = LocalMasterKey.fromFile(join(dir, 'b.key'));
    const dataKey = await a.newDataKey({ purpose: 'p' });
    await expect(b.unwrap(dataKey.wrapped, dataKey.masterKeyId, { purpose: 'p' })).rejects.toThrow(/not this vault.key/);
    // Even when the id is forged, the bytes do not open.
    await expect(b.unwrap(dataKey.wrapped, b.masterKeyId, { purpose: 'p' })).rejects.toThrow(SealError);
  });

  test('a key file of the wrong size is refused', () => {
    const path = join(dir, 'short.key');
    writeFileSync(path, randomBytes(16).toString('base64'));
    expect(() => LocalMasterKey.fromFile(path)).toThrow(/32 bytes/);
  });
});

describe('CredentialVault', () => {
  let dir: string;
  let items: MemoryVaultItems;
  let vault: CredentialVault;
  const owner = { tenantId: 'tenant_a', provider: 'openai' as const };
  const NOW = 1_700_000_000;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'finops-vault-'));
    items = new MemoryVaultItems();
    vault = new CredentialVault(LocalMasterKey.fromFile(join(dir, 'vault.key')), items);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('seal stores only ciphertext and a wrapped data key; open gives the key back', async () => {
    const ref = await vault.seal(SECRET, owner, NOW, NOW + 3600);
    expect(ref).toMatch(CREDENTIAL_REF_PATTERN);
    const stored = items.items.get(ref)!;
    expect(stored).toMatchObject({
      id: ref,
      tenantId: 'tenant_a',
      provider: 'openai',
      createdAt: NOW,
      ttl: NOW + 3600,
      masterKeyId: expect.stringMatching(/^local:/),
    });
    const text = JSON.stringify(stored);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET.slice(8, 30));
    expect(text).not.toContain(Buffer.from(SECRET).toString('base64').slice(4, 30));
    expect(await vault.open(ref, owner, NOW + 10)).toBe(SECRET);
  });

  test.each([
    ['another tenant', { tenantId: 'tenant_b', provider: 'openai' as const }],
    ['another provider', { tenantId: 'tenant_a', provider: 'anthropic' as const }],
  ])('%s cannot open it', async (_, other) => {
    const ref = await vault.seal(SECRET, owner, NOW, NOW + 3600);
    await expect(vault.open(ref, other, NOW)).rejects.toThrow(VaultError);
  });

  test('rewriting the stored owner does not help: the owner is in the encryption context', async () => {
    const ref = await vault.seal(SECRET, owner, NOW, NOW + 3600);
    items.items.set(ref, { ...items.items.get(ref)!, tenantId: 'tenant_b' });
    await expect(vault.open(ref, { tenantId: 'tenant_b', provider: 'openai' }, NOW)).rejects.toThrow(SealError);
  });

  test('sealed bytes copied onto another credential (same owner) do not open: the id is in the context', async () => {
    const a = await vault.seal(SECRET, owner, NOW, NOW + 3600);
    const b = await vault.seal('sk-other', owner, NOW, NOW + 3600);
    const { id, ...bytesOfA } = items.items.get(a)!;
    items.items.set(b, { ...bytesOfA, id: b });
    expect(id).toBe(a);
    await expect(vault.open(b, owner, NOW)).rejects.toThrow(SealError);
  });

  test('a discarded or expired credential is gone; discard is idempotent', async () => {
    const ref = await vault.seal(SECRET, owner, NOW, NOW + 3600);
    await expect(vault.open(ref, owner, NOW + 3600)).rejects.toThrow(/no longer held/);
    await vault.discard(ref);
    await vault.discard(ref);
    expect(items.items.size).toBe(0);
    await expect(vault.open(ref, owner, NOW)).rejects.toThrow(/no longer held/);
  });

  test('a reference that is not one is refused before any lookup', async () => {
    await expect(vault.open('../CRED#x', owner, NOW)).rejects.toThrow(VaultError);
  });
});
