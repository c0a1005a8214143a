// The vault's KMS client against a fake KMS on 127.0.0.1 that speaks KMS's JSON protocol and keeps
// its semantics: GenerateDataKey returns a data key and its ciphertext under the named key, bound to
// the encryption context; Decrypt refuses another key or another context (InvalidCiphertextException).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decryptWithKey, encryptWithKey } from '#lambda/auth/envelope';
import { KmsDataKeys } from '#lambda/auth/data-keys';
import { KmsClient, KmsError } from '#lambda/auth/kms-client';
import { CredentialVault } from '#lambda/auth/vault';
import { ProviderUnavailableError } from '#lambda/providers/errors';
import { MemoryVaultItems } from '#test/support/memory-vault-items';

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

interface Seen {
  target: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

class FakeKms {
  readonly seen: Seen[] = [];
  /** Answers to give instead of the real one, in order. */
  readonly failures: Array<{ status: number; type: string; message?: string }> = [];
  private readonly master = randomBytes(32);
  private server!: Server;
  url = '';

  async start() {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
      const target = String(req.headers['x-amz-target']);
      this.seen.push({ target, headers: req.headers, body });
      const reply = (status: number, payload: object) =>
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(payload));
      const failure = this.failures.shift();
      if (failure) return reply(failure.status, { __type: failure.type, message: failure.message ?? 'injected' });
      const context = { ...(body.EncryptionContext ?? {}), '@key': body.KeyId };
      if (target === 'TrentService.GenerateDataKey') {
        if (body.KeySpec !== 'AES_256') return reply(400, { __type: 'ValidationException', message: 'KeySpec' });
        const plaintext = randomBytes(32);
        const sealed = encryptWithKey(this.master, plaintext, context);
        return reply(200, {
          KeyId: KEY_ARN,
          Plaintext: plaintext.toString('base64'),
          CiphertextBlob: Buffer.from(JSON.stringify(sealed)).toString('base64'),
        });
      }
      if (target === 'TrentService.Decrypt') {
        try {
          const sealed = JSON.parse(Buffer.from(body.CiphertextBlob, 'base64').toString('utf8'));
          return reply(200, { KeyId: KEY_ARN, Plaintext: decryptWithKey(this.master, sealed, context).toString('base64') });
        } catch {
          return reply(400, { __type: 'com.amazonaws.kms#InvalidCiphertextException', message: null });
        }
      }
      return reply(400, { __type: 'UnknownOperationException' });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let kms: FakeKms;
let client: KmsClient;
beforeAll(async () => {
  kms = new FakeKms();
  await kms.start();
  client = new KmsClient({ region: 'us-east-1', endpoint: kms.url, credentials: CREDENTIALS });
});
afterAll(() => kms.close());
beforeEach(() => {
  kms.seen.length = 0;
  kms.failures.length = 0;
});

test('GenerateDataKey: a SigV4-signed KMS JSON request naming the key, AES_256 and the context', async () => {
  const context = { purpose: 'finops-provider-key', tenant: 't1' };
  const out = await client.generateDataKey(KEY_ARN, context);
  expect(out.plaintext).toHaveLength(32);
  expect(out.ciphertextBlob.length).toBeGreaterThan(32);
  const [call] = kms.seen;
  expect(call.target).toBe('TrentService.GenerateDataKey');
  expect(call.headers['content-type']).toBe('application/x-amz-json-1.1');
  expect(call.body).toEqual({ KeyId: KEY_ARN, KeySpec: 'AES_256', EncryptionContext: context });
  expect(call.headers.authorization).toMatch(
    /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/kms\/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-target[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
  );
  expect(call.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  // The request names no plaintext: the data key only ever travels in KMS's answer.
  expect(JSON.stringify(call.body)).not.toContain(out.plaintext.toString('base64'));
});

test('the vault over KMS: seal and open, and what KMS is asked', async () => {
  const items = new MemoryVaultItems();
  const vault = new CredentialVault(new KmsDataKeys(client, KEY_ARN), items);
  const owner = { tenantId: 'tenant_a', provider: 'gemini' as const };
  const ref = await vault.seal('AIza-client-own-key', owner, 100, 1000);
  const stored = items.items.get(ref)!;
  expect(stored.masterKeyId).toBe(KEY_ARN);
  expect(JSON.stringify(stored)).not.toContain('AIza-client-own-key');
  expect(await vault.open(ref, owner, 200)).toBe('AIza-client-own-key');
  expect(kms.seen.map((s) => s.target)).toEqual(['TrentService.GenerateDataKey', 'TrentService.Decrypt']);
  const expectedContext = { purpose: 'finops-provider-key', credential: ref, tenant: 'tenant_a', provider: 'gemini' };
  expect(kms.seen[0].body.EncryptionContext).toEqual(expectedContext);
  expect(kms.seen[1].body).toMatchObject({ KeyId: KEY_ARN, EncryptionContext: expectedContext });

  // An item whose owner was rewritten asks KMS with the new context, and KMS refuses it.
  items.items.set(ref, { ...stored, tenantId: 'tenant_b' });
  await expect(vault.open(ref, { tenantId: 'tenant_b', provider: 'gemini' }, 200)).rejects.toMatchObject({
    name: 'KmsError',
    type: 'InvalidCiphertextException',
  });
});

test('a credential sealed under another KMS key is refused without asking KMS to try', async () => {
  const items = new MemoryVaultItems();
  const owner = { tenantId: 't', provider: 'openai' as const };
  const ref = await new CredentialVault(new KmsDataKeys(client, KEY_ARN), items).seal('k', owner, 1, 1000);
  const other = new CredentialVault(new KmsDataKeys(client, KEY_ARN.replace('1234abcd', 'ffffffff')), items);
  kms.seen.length = 0;
  await expect(other.open(ref, owner, 2)).rejects.toThrow(/not the configured vault key/);
  expect(kms.seen).toHaveLength(0);
});

describe('KMS errors', () => {
  test.each([
    ['AccessDeniedException', 400, KmsError],
    ['DisabledException', 400, KmsError],
    ['ThrottlingException', 400, ProviderUnavailableError],
    ['KMSInternalException', 500, ProviderUnavailableError],
    ['ServiceUnavailable', 503, ProviderUnavailableError],
  ])('%s (HTTP %i) → %p', async (type, status, errorClass) => {
    kms.failures.push({ status, type, message: 'User is not authorized' });
    const err = await client.generateDataKey(KEY_ARN, { purpose: 'p' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(errorClass);
    expect((err as Error).message).toContain(type);
  });

  test('an unreachable KMS is transient (the tracker retries it)', async () => {
    const down = new KmsClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: CREDENTIALS, timeoutMs: 500 });
    await expect(down.decrypt(KEY_ARN, Buffer.from('x'), {})).rejects.toBeInstanceOf(ProviderUnavailableError);
  });
});
