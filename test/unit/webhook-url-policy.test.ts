// Where webhooks may go (SSRF rules), table-driven, for a deployed gateway and for npm start; and a
// delivery whose host now resolves to a private address is refused without connecting.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseWebhookUrl, refusedAddress, resolveAllowed, WebhookUrlError, type Resolver } from '#lambda/webhooks/url-policy';
import { postWebhook } from '#lambda/webhooks/http-post';
import { signature, signedHeaders, newWebhookSecret } from '#lambda/webhooks/signing';
import OpenAI from 'openai';
import { rejectionOf, thrownBy } from '#test/support/errors';

const deployed = { allowLocalReceivers: false };
const local = { allowLocalReceivers: true };

describe('addresses', () => {
  test.each([
    ['93.184.216.34', null, null],
    ['2606:4700::6810:85e5', null, null],
    ['127.0.0.1', 'loopback', null],
    ['127.8.9.10', 'loopback', null],
    ['::1', 'loopback', null],
    ['::ffff:127.0.0.1', 'loopback', null],
    ['10.1.2.3', 'private', 'private'],
    ['172.16.0.1', 'private', 'private'],
    ['172.31.255.255', 'private', 'private'],
    ['192.168.0.1', 'private', 'private'],
    ['169.254.169.254', 'private', 'private'],
    ['100.64.1.1', 'private', 'private'],
    ['0.0.0.0', 'private', 'private'],
    ['224.0.0.1', 'private', 'private'],
    ['fe80::1', 'private', 'private'],
    ['fd00:ec2::254', 'private', 'private'],
    ['fc00::1', 'private', 'private'],
    ['::ffff:10.0.0.1', 'private', 'private'],
    ['::ffff:a00:1', 'private', 'private'],
    ['64:ff9b::a00:1', 'private', 'private'],
    ['::', 'private', 'private'],
  ])('%s: deployed %s, local %s', (address, deployedWhy, localWhy) => {
    const match = (why: string | null) => (why === null ? null : expect.stringContaining(why));
    expect(refusedAddress(address, deployed)).toEqual(match(deployedWhy));
    expect(refusedAddress(address, local)).toEqual(match(localWhy));
  });
});

describe('URLs', () => {
  test.each([
    ['https://hooks.example.com/x', true, true],
    ['http://hooks.example.com/x', false, true],
    ['http://127.0.0.1:8080/x', false, true],
    ['https://localhost/x', false, true],
    ['https://[::1]/x', false, true],
    ['https://10.0.0.1/x', false, false],
    ['https://user:pw@hooks.example.com/', false, false],
    ['https://hooks.example.com/#frag', false, false],
    ['file:///etc/passwd', false, false],
    ['gopher://hooks.example.com/', false, false],
  ])('%s: deployed %s, local %s', (url, deployedOk, localOk) => {
    const ok = (policy: typeof deployed) => {
      try {
        parseWebhookUrl(url, policy);
        return true;
      } catch (err) {
        expect(err).toBeInstanceOf(WebhookUrlError);
        return false;
      }
    };
    expect(ok(deployed)).toBe(deployedOk);
    expect(ok(local)).toBe(localOk);
  });

  test('a name is allowed only if every address it resolves to is', async () => {
    const resolver =
      (answers: string[]): Resolver =>
      async () =>
        answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    expect(await resolveAllowed('hooks.example.com', deployed, resolver(['93.184.216.34']))).toEqual({
      address: '93.184.216.34',
      family: 4,
    });
    expect(
      (await rejectionOf(resolveAllowed('hooks.example.com', deployed, resolver(['93.184.216.34', '10.0.0.8'])), WebhookUrlError)).message,
    ).toContain('10.0.0.8');
    await rejectionOf(resolveAllowed('hooks.example.com', local, resolver(['169.254.169.254'])), WebhookUrlError);
    await rejectionOf(resolveAllowed('hooks.example.com', deployed, resolver([])), WebhookUrlError);
    await rejectionOf(
      resolveAllowed('hooks.example.com', deployed, async () => {
        throw new Error('ENOTFOUND');
      }),
      WebhookUrlError,
    );
  });
});

describe('a delivery', () => {
  test('to a host that now resolves to a private address never connects', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits += 1;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      // The name resolved to loopback at registration (allowed locally); now its DNS answers a private address.
      const result = await postWebhook(`http://hooks.test:${port}/`, {}, '{}', {
        policy: local,
        resolve: async () => [{ address: '192.168.7.7', family: 4 }],
      });
      expect(result).toMatchObject({ ok: false, status: null });
      expect(result.error).toContain('192.168.7.7');
      // The checked address is the one connected to: loopback here, whatever the name.
      const pinned = await postWebhook(`http://hooks.test:${port}/`, {}, '{}', {
        policy: local,
        resolve: async () => [{ address: '127.0.0.1', family: 4 }],
      });
      expect(pinned).toMatchObject({ ok: true, status: 200 });
      expect(hits).toBe(1);
    } finally {
      server.close();
    }
  });

  test('times out instead of waiting for a receiver that never answers', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const result = await postWebhook(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {}, '{}', {
        policy: local,
        timeoutMs: 200,
      });
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(/200 ms/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('signatures (Standard Webhooks, as the OpenAI SDK verifies them)', () => {
  const sdk = new OpenAI({ apiKey: 'unused', baseURL: 'http://127.0.0.1:9' });
  test('one per secret, each verifiable alone; a wrong one is not', async () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ id: 'evt_1', object: 'event', created_at: now, type: 'batch.completed', data: { id: 'batch_1' } });
    const headers = signedHeaders([a, b], 'evt_1', now, body);
    expect(headers['webhook-signature'].split(' ')).toEqual([signature(a, 'evt_1', now, body), signature(b, 'evt_1', now, body)]);
    await sdk.webhooks.verifySignature(body, headers, a);
    await sdk.webhooks.verifySignature(body, headers, b);
    await expect(sdk.webhooks.verifySignature(body, headers, newWebhookSecret())).rejects.toThrow(OpenAI.InvalidWebhookSignatureError);
    // The timestamp is signed: a replay with a new timestamp fails.
    await expect(sdk.webhooks.verifySignature(body, { ...headers, 'webhook-timestamp': String(now + 1) }, a)).rejects.toThrow(
      OpenAI.InvalidWebhookSignatureError,
    );
    expect(thrownBy(() => signature('not-a-secret', 'evt_1', now, body), Error).message).toContain('whsec_');
  });
});
