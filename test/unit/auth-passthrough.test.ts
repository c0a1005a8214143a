// Which provider key a ProviderContext hands to adapters: the deployment's, a client's own from the
// request, or one fetched from the credential vault (opened once per context, retried after a failure).
// Bedrock takes no key at all.
import { resetConfig } from '#lambda/config';
import { GatewayError } from '#lambda/http/errors';
import { providerContext, resetServices } from '#lambda/runtime';

const saved = { ...process.env };
beforeAll(() => {
  Object.assign(process.env, { OPENAI_API_KEY: 'sk-configured', FINOPS_OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', AWS_REGION: 'us-east-1' });
  resetConfig();
  resetServices();
});
afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  resetConfig();
  resetServices();
});

test("without a client key: the deployment's configured key", async () => {
  expect(await providerContext('openai', 't').credentials()).toEqual({ baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-configured' });
});

test("a client's key from the request replaces it", async () => {
  expect((await providerContext('openai', 't', 'sk-client').credentials()).apiKey).toBe('sk-client');
});

test('a vaulted key is opened on first use, once per context', async () => {
  const open = jest.fn(async () => 'sk-from-vault');
  const ctx = providerContext('openai', 't', open);
  expect(open).not.toHaveBeenCalled(); // building a context costs no KMS call
  expect((await ctx.credentials()).apiKey).toBe('sk-from-vault');
  expect((await ctx.credentials()).apiKey).toBe('sk-from-vault');
  expect(open).toHaveBeenCalledTimes(1);
});

test('a failed open is not remembered: the next call tries again', async () => {
  const open = jest.fn().mockRejectedValueOnce(new Error('KMS throttled')).mockResolvedValueOnce('sk-from-vault');
  const ctx = providerContext('openai', 't', open);
  await expect(ctx.credentials()).rejects.toThrow('KMS throttled');
  expect((await ctx.credentials()).apiKey).toBe('sk-from-vault');
  expect(open).toHaveBeenCalledTimes(2);
});

test.each([
  ['a key from the request', 'AKIA-something'],
  ['a vaulted key', async () => 'x'],
])('Bedrock refuses %s with 400 passthrough_not_supported', (_, key) => {
  let thrown: unknown;
  try {
    providerContext('bedrock', 't', key as string);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(GatewayError);
  expect(thrown).toMatchObject({ status: 400, code: 'passthrough_not_supported', message: expect.stringMatching(/IAM role/) });
  expect(() => providerContext('bedrock', 't')).not.toThrow();
});
