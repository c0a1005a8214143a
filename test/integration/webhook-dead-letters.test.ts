// The whole webhook retry schedule, scaled to almost nothing (1 µs per second): a receiver that never
// answers 2xx gets exactly MAX_DELIVERY_ATTEMPTS attempts of one event (one webhook-id), spaced by the
// schedule's growing steps, and then the queue's redrive policy moves the message to the dead letters.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_DELIVERY_ATTEMPTS } from '#contracts/webhook-names';
import { chatLine, jsonl, pollUntilDone, startTestGateway, upload, type TestGateway } from './helpers';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ webhookMsPerSecond: 0.001 });
});
afterAll(() => t?.close());

test(`a receiver that always fails gets ${MAX_DELIVERY_ATTEMPTS} attempts, then the event is a dead letter`, async () => {
  const hits: Array<{ headers: IncomingHttpHeaders; at: number }> = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push({ headers: req.headers, at: Date.now() });
      res.writeHead(500).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sdk = t.client();
  try {
    await sdk.post('/finops/webhooks', { body: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` } });
    const file = await upload(sdk, jsonl([chatLine('a', 'gpt-4o-mini', 'hello')]), { provider: 'openai' });
    const batch = await sdk.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await pollUntilDone(sdk, batch.id);
    const deadline = Date.now() + 30_000;
    while (t.gateway.webhookQueue.deadLetters.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(t.gateway.webhookQueue.deadLetters).toHaveLength(1);
    expect(JSON.parse(t.gateway.webhookQueue.deadLetters[0].body).event.data.id).toBe(batch.id);
    expect(t.gateway.webhookQueue.pending()).toBe(0);
    expect(hits).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    expect(new Set(hits.map((h) => h.headers['webhook-id'])).size).toBe(1);
  } finally {
    server.close();
  }
});
