// Signed batch webhooks end to end: endpoints registered through the routes, batches on every provider
// reaching a receiver that verifies them with the official SDK's client.webhooks.unwrap, the retry
// schedule (scaled: 1 ms per second), SSRF refusals, rotation, deletion and disabling.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import type { ProviderName } from '#contracts/records';
import { rejectionOf } from '#test/support/errors';
import { runKeysCli } from '#scripts/keys';
import { fanOutBatchEvent } from '#lambda/handlers/webhooks-fan-out';
import { chatLine, jsonl, pollUntilDone, startTestGateway, upload, type TestGateway } from './helpers';
import { TEST_MODEL } from '#test/support/provider-models';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A webhook receiver on loopback: answers each request with the next status of `script` (then the last one). */
async function startReceiver(script: number[] = [200]) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const status = script[Math.min(received.length - 1, script.length - 1)];
      res.writeHead(
        status,
        status >= 300 && status < 400 ? { location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/elsewhere` } : {},
      );
      res.end(status >= 400 ? 'nope' : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const MODEL = TEST_MODEL;

interface Endpoint {
  id: string;
  object: string;
  url: string;
  events: string[];
  secret?: string;
  status: string;
  created_at: number;
  disabled_reason: string | null;
}

let t: TestGateway;
const register = (sdk: OpenAI, body: Record<string, unknown>) => sdk.post<Endpoint>('/finops/webhooks', { body });
const list = (sdk: OpenAI) => sdk.get<{ object: string; data: Endpoint[] }>('/finops/webhooks');
const waitFor = async <T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
const runBatch = async (sdk: OpenAI, provider: ProviderName, content = 'Hello') => {
  const file = await upload(sdk, jsonl([chatLine('a', MODEL[provider], content), chatLine('b', MODEL[provider], `${content} again`)]), {
    provider,
  });
  const batch = await sdk.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    provider,
  } as never);
  return (await pollUntilDone(sdk, batch.id)).batch;
};
const eventsFor = (receiver: { received: Received[] }, batchId: string) =>
  receiver.received.filter((r) => JSON.parse(r.body).data?.id === batchId);

beforeAll(async () => {
  t = await startTestGateway({
    webhookMsPerSecond: 1,
    env: { FINOPS_BEDROCK_MIN_RECORDS: '1', FINOPS_WEBHOOK_DISABLE_AFTER_SECONDS: '3' },
  });
});
afterAll(() => t?.close());

describe('endpoints', () => {
  test('create answers the whsec_ secret once; list and delete answer as specified', async () => {
    const sdk = t.client(1);
    const created = await register(sdk, { url: 'http://127.0.0.1:9/hooks', description: 'ops' });
    expect(created).toMatchObject({
      object: 'webhook_endpoint',
      url: 'http://127.0.0.1:9/hooks',
      events: ['batch.completed', 'batch.failed', 'batch.expired', 'batch.cancelled'],
      status: 'enabled',
    });
    expect(created.id).toMatch(/^whk_/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(typeof created.created_at).toBe('number');
    const listed = await list(sdk);
    expect(listed.object).toBe('list');
    const mine = listed.data.find((e) => e.id === created.id)!;
    expect(mine).toBeDefined();
    expect(mine).not.toHaveProperty('secret');
    // Another tenant neither sees nor deletes it.
    expect((await list(t.client(0))).data.some((e) => e.id === created.id)).toBe(false);
    await rejectionOf(t.client(0).delete(`/finops/webhooks/${created.id}`), OpenAI.NotFoundError);
    expect(await sdk.delete(`/finops/webhooks/${created.id}`)).toEqual({ id: created.id, object: 'webhook_endpoint', deleted: true });
    await rejectionOf(sdk.delete(`/finops/webhooks/${created.id}`), OpenAI.NotFoundError);
    expect((await list(sdk)).data.some((e) => e.id === created.id)).toBe(false);
  });

  test.each([
    ['a private address', 'http://10.0.0.7/hooks'],
    ['a private 192.168 address', 'https://192.168.1.20/hooks'],
    ['the instance metadata service', 'http://169.254.169.254/latest/meta-data/'],
    ['an IPv6 link-local address', 'http://[fe80::1]/hooks'],
    ['an IPv4-mapped private address', 'http://[::ffff:10.0.0.1]/hooks'],
    ['the IPv6 metadata service', 'http://[fd00:ec2::254]/'],
    ['a carrier-grade NAT address', 'https://100.64.0.1/'],
    ['a non-http scheme', 'ftp://127.0.0.1/hooks'],
    ['credentials in the URL', 'http://user:pw@127.0.0.1/hooks'],
    ['not a URL', 'hooks please'],
    ['a host that does not resolve', 'https://no-such-host.invalid/hooks'],
  ])('%s is refused with a 400 and nothing is stored', async (_what, url) => {
    const sdk = t.client(1);
    const before = (await list(sdk)).data.length;
    const err = await rejectionOf(register(sdk, { url }), OpenAI.BadRequestError);
    expect(err.code).toBe('invalid_url');
    expect(err.param).toBe('url');
    expect((await list(sdk)).data.length).toBe(before);
  });

  test('the keys CLI: webhooks create, list, rotate, delete as the tenant of --api-key', async () => {
    const printed: string[] = [];
    const cli = (...args: string[]) =>
      runKeysCli(['webhooks', ...args, '--api-key', t.gateway.apiKeys[1], '--base-url', t.gateway.baseURL], {}, (line) =>
        printed.push(line),
      );
    const created = (await cli('create', '--url', 'http://127.0.0.1:9/cli', '--events', 'batch.failed,batch.expired')) as {
      response: Endpoint;
    };
    expect(created.response).toMatchObject({
      object: 'webhook_endpoint',
      events: ['batch.failed', 'batch.expired'],
      secret: expect.stringMatching(/^whsec_/),
    });
    expect(printed.join('\n')).toContain(created.response.secret);
    await cli('list');
    expect(printed[printed.length - 1]).toContain(created.response.id);
    expect(printed[printed.length - 1]).not.toContain('whsec_');
    const rotated = (await cli('rotate', created.response.id, '--json')) as { response: Endpoint };
    expect(rotated.response.secret).not.toBe(created.response.secret);
    await cli('delete', created.response.id);
    expect((await list(t.client(1))).data.some((e) => e.id === created.response.id)).toBe(false);
    await expect(cli('delete', created.response.id)).rejects.toThrow(/404/);
  });

  test('bad events and unknown parameters are 400s', async () => {
    expect(
      (await rejectionOf(register(t.client(1), { url: 'http://127.0.0.1:9/', events: ['batch.started'] }), OpenAI.BadRequestError)).code,
    ).toBe('invalid_events');
    expect((await rejectionOf(register(t.client(1), { url: 'http://127.0.0.1:9/', secret: 'mine' }), OpenAI.BadRequestError)).code).toBe(
      'unknown_parameter',
    );
    expect((await rejectionOf(t.client(1).post('/finops/webhooks/whk_nope/rotate'), OpenAI.BadRequestError)).code).toBe('invalid_id');
  });
});

describe('delivery', () => {
  test('a batch on every provider reaches the receiver, signed: unwrap verifies it, a wrong secret fails', async () => {
    const receiver = await startReceiver();
    const sdk = t.client(0);
    const endpoint = await register(sdk, { url: receiver.url });
    try {
      const batches = await Promise.all((Object.keys(MODEL) as ProviderName[]).map((p) => runBatch(sdk, p)));
      const latencies: number[] = [];
      for (const batch of batches) {
        expect(batch.status).toBe('completed');
        const [hit] = await waitFor(
          `webhook for ${batch.id}`,
          () => eventsFor(receiver, batch.id).length > 0 && eventsFor(receiver, batch.id),
        );
        const event = await sdk.webhooks.unwrap(hit.body, hit.headers as Record<string, string>, endpoint.secret!);
        expect(event).toEqual({
          id: expect.stringMatching(/^evt_/),
          object: 'event',
          created_at: batch.completed_at,
          type: 'batch.completed',
          data: { id: batch.id },
        });
        expect(hit.headers['webhook-id']).toBe(event.id);
        expect(hit.headers['content-type']).toBe('application/json');
        await expect(
          sdk.webhooks.unwrap(hit.body, hit.headers as Record<string, string>, `whsec_${Buffer.alloc(32, 7).toString('base64')}`),
        ).rejects.toThrow(OpenAI.InvalidWebhookSignatureError);
        // A body changed on the way fails too.
        await expect(
          sdk.webhooks.unwrap(hit.body.replace('completed', 'failed'), hit.headers as Record<string, string>, endpoint.secret!),
        ).rejects.toThrow(OpenAI.InvalidWebhookSignatureError);
        const published = t.gateway.stepFunctions.events.find((e) => (e.detail as { id: string }).id === batch.id)!;
        latencies.push(hit.at - published.time);
      }
      process.stdout.write(`webhook delivery latency after the terminal event (ms): ${latencies.join(', ')}\n`);
      // Another tenant's batches never reach this tenant's endpoint.
      const other = await runBatch(t.client(1), 'openai');
      await new Promise((r) => setTimeout(r, 300));
      expect(eventsFor(receiver, other.id)).toEqual([]);
    } finally {
      await sdk.delete(`/finops/webhooks/${endpoint.id}`);
      await receiver.close();
    }
  });

  test('500, 500, 200: the third attempt gets it, with the same webhook-id, and nothing comes after', async () => {
    const receiver = await startReceiver([500, 500, 200]);
    const sdk = t.client(1);
    const endpoint = await register(sdk, { url: receiver.url, events: ['batch.completed'] });
    try {
      const batch = await runBatch(sdk, 'anthropic');
      await waitFor('three attempts', () => receiver.received.length >= 3);
      // The next retry would come 1.8 s (30 min scaled) after the third attempt: wait past it.
      await new Promise((r) => setTimeout(r, 2500));
      expect(receiver.received).toHaveLength(3);
      const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);
      for (const hit of receiver.received)
        expect(
          ((await sdk.webhooks.unwrap(hit.body, hit.headers as Record<string, string>, endpoint.secret!)).data as { id: string }).id,
        ).toBe(batch.id);
      // Backoff: the second attempt waited the first step (60 "seconds" = 60 ms), the third the second (300 ms).
      expect(receiver.received[1].at - receiver.received[0].at).toBeGreaterThanOrEqual(55);
      expect(receiver.received[2].at - receiver.received[1].at).toBeGreaterThanOrEqual(290);
      expect((await list(sdk)).data.find((e) => e.id === endpoint.id)?.status).toBe('enabled');
    } finally {
      await sdk.delete(`/finops/webhooks/${endpoint.id}`);
      await receiver.close();
    }
  });

  test('only the events an endpoint asked for; a redirect is not followed', async () => {
    const cancelledOnly = await startReceiver();
    const redirecting = await startReceiver([302, 200]);
    const sdk = t.client(1);
    const a = await register(sdk, { url: cancelledOnly.url, events: ['batch.cancelled'] });
    const b = await register(sdk, { url: redirecting.url, events: ['batch.completed'] });
    try {
      const batch = await runBatch(sdk, 'gemini');
      await waitFor('the redirect answer and its retry', () => redirecting.received.length >= 2);
      expect(redirecting.received.map((r) => r.path)).toEqual(['/hooks', '/hooks']); // never /elsewhere
      expect(JSON.parse(redirecting.received[1].body).data.id).toBe(batch.id);
      expect(cancelledOnly.received).toEqual([]);
    } finally {
      await sdk.delete(`/finops/webhooks/${a.id}`);
      await sdk.delete(`/finops/webhooks/${b.id}`);
      await cancelledOnly.close();
      await redirecting.close();
    }
  });

  test('an event put on the bus by someone else cannot make up a batch state', async () => {
    const receiver = await startReceiver();
    const sdk = t.client(1);
    const endpoint = await register(sdk, { url: receiver.url, events: ['batch.failed'] });
    try {
      const batch = await runBatch(sdk, 'openai'); // completed, so nothing for a batch.failed endpoint
      expect(await fanOutBatchEvent({ detail: { ...batch, status: 'failed', failed_at: batch.completed_at } as never })).toEqual({
        queued: 0,
      });
      expect(await fanOutBatchEvent({ detail: { id: 'batch_doesnotexist000000000000' } as never })).toEqual({ queued: 0 });
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.received).toEqual([]);
    } finally {
      await sdk.delete(`/finops/webhooks/${endpoint.id}`);
      await receiver.close();
    }
  });

  test('rotate: deliveries carry both signatures during the overlap', async () => {
    const receiver = await startReceiver();
    const sdk = t.client(1);
    const endpoint = await register(sdk, { url: receiver.url });
    try {
      const rotated = await sdk.post<Endpoint & { previous_secret_expires_at: number }>(`/finops/webhooks/${endpoint.id}/rotate`);
      expect(rotated.id).toBe(endpoint.id);
      expect(rotated.secret).toMatch(/^whsec_/);
      expect(rotated.secret).not.toBe(endpoint.secret);
      expect(rotated.previous_secret_expires_at).toBeGreaterThan(Date.now() / 1000);
      const batch = await runBatch(sdk, 'openai');
      const [hit] = await waitFor('a delivery', () => eventsFor(receiver, batch.id).length > 0 && eventsFor(receiver, batch.id));
      expect(String(hit.headers['webhook-signature']).split(' ')).toHaveLength(2);
      for (const secret of [rotated.secret!, endpoint.secret!])
        expect(((await sdk.webhooks.unwrap(hit.body, hit.headers as Record<string, string>, secret)).data as { id: string }).id).toBe(
          batch.id,
        );
    } finally {
      await sdk.delete(`/finops/webhooks/${endpoint.id}`);
      await receiver.close();
    }
  });

  test('an endpoint that keeps failing is disabled and reported, and gets nothing more', async () => {
    const receiver = await startReceiver([503]);
    const sdk = t.client(1);
    const endpoint = await register(sdk, { url: receiver.url });
    try {
      await runBatch(sdk, 'bedrock');
      // FINOPS_WEBHOOK_DISABLE_AFTER_SECONDS=3 here (3 days by default): attempts at 0, 60, 360 ms, 2.2 s, 5.8 s …
      let state: Endpoint | undefined;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        state = (await list(sdk)).data.find((e) => e.id === endpoint.id);
        if (state?.status === 'disabled') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(state?.status).toBe('disabled');
      expect(state?.disabled_reason).toMatch(/HTTP 503/);
      const attempts = receiver.received.length;
      expect(attempts).toBeGreaterThanOrEqual(3);
      await runBatch(sdk, 'openai');
      await new Promise((r) => setTimeout(r, 1500));
      expect(receiver.received.length).toBe(attempts);
    } finally {
      await sdk.delete(`/finops/webhooks/${endpoint.id}`);
      await receiver.close();
    }
  });
});
