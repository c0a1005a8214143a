// The batch tracker end to end: the synthesized state machine run locally drives batches to terminal
// states, announces them on EventBridge, expires what outlives its window, and resumes after a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startOpenAISimulator } from '#local/simulators/openai/index';
import { startLocalGateway } from '#local/gateway';
import { BATCH_EVENT_DETAIL_TYPE, BATCH_EVENT_SOURCE } from '#lib/batch-tracker/state-names';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';

describe('tracker lifecycle', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => t?.close());

  test('one execution per batch, named after the batch id, and a terminal event with the batch object', async () => {
    const client = t.client();
    const file = await upload(client, jsonl([chatLine('e1', 'gpt-4o-mini', 'hi')]));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const execution = await t.gateway.stepFunctions.waitFor(batch.id);
    expect(execution).toMatchObject({ name: batch.id, status: 'SUCCEEDED' });
    expect(JSON.parse(execution!.input)).toEqual({ batchId: batch.id, provider: 'openai' }); // nothing secret in the input
    const done = await client.batches.retrieve(batch.id);
    expect(done.status).toBe('completed');
    const events = t.gateway.stepFunctions.events.filter((e) => (e.detail as OpenAI.Batch).id === batch.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: BATCH_EVENT_SOURCE, detailType: BATCH_EVENT_DETAIL_TYPE });
    expect(events[0].detail).toMatchObject({ id: batch.id, object: 'batch', status: 'completed', output_file_id: done.output_file_id });
  });

  test('an Idempotency-Key makes a retried create return the same batch and start no second execution', async () => {
    const client = t.client();
    const file = await upload(client, jsonl([chatLine('i1', 'gpt-4o-mini', 'hi')]));
    const params = { input_file_id: file.id, endpoint: '/v1/chat/completions' as const, completion_window: '24h' as const };
    const first = await client.batches.create(params, { headers: { 'Idempotency-Key': 'order-42' } });
    const second = await client.batches.create(params, { headers: { 'Idempotency-Key': 'order-42' } });
    expect(second.id).toBe(first.id);
    const page = await client.batches.list({ limit: 100 });
    expect(page.data.filter((b) => b.id === first.id)).toHaveLength(1);
  });
});

describe('a batch that outlives its completion window', () => {
  let t: TestGateway;
  beforeAll(async () => {
    // The window (24 h) minus this "grace" leaves about two seconds: the tracker must then expire it.
    t = await startTestGateway({ simulatorStepMs: 60_000, env: { FINOPS_EXPIRY_GRACE_SECONDS: String(-86_400 + 2) } });
  });
  afterAll(async () => t?.close());

  test('is stopped at the provider and ends expired, with every request in the error file', async () => {
    const client = t.client();
    const lines = [chatLine('x1', 'gpt-4o-mini', 'a'), chatLine('x2', 'gpt-4o-mini', 'b')];
    const file = await upload(client, jsonl(lines));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const { batch: done } = await pollUntilDone(client, batch.id, {}, 30_000);
    expect(done.status).toBe('expired');
    expect(done.expired_at).not.toBeNull();
    const all = [...(await readJsonl(client, done.output_file_id)), ...(await readJsonl(client, done.error_file_id))];
    expect(all.map((l) => l.custom_id).sort()).toEqual(['x1', 'x2']);
    for (const line of all) expect(line.error?.code).toMatch(/^batch_(expired|cancelled)$/);
  });
});

describe('restart', () => {
  test('batches still running when the gateway stops are tracked again to their end after a restart', async () => {
    // The provider keeps running across the gateway's restart (as a real one would).
    const provider = await startOpenAISimulator({ stepMs: 700 });
    const dataDir = mkdtempSync(join(tmpdir(), 'finops-restart-'));
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.FINOPS_OPENAI_BASE_URL };
    process.env.OPENAI_API_KEY = provider.apiKey;
    process.env.FINOPS_OPENAI_BASE_URL = provider.url;
    try {
      const options = { port: 0, dataDir, apiKeys: ['sk-finops-restart'], simulatorStepMs: 50, trackerWaitMs: 50, trackerRetryMs: 20 };
      const first = await startLocalGateway(options);
      expect(first.providers.find((p) => p.provider === 'openai')?.mode).toBe('live');
      let client = new OpenAI({ baseURL: first.baseURL, apiKey: 'sk-finops-restart', maxRetries: 0 });
      const file = await upload(client, jsonl([chatLine('r1', 'gpt-4o-mini', 'a'), chatLine('r2', 'gpt-4o-mini', 'b')]));
      const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
      await first.close(); // mid-flight: the provider has not finished yet
      expect(first.stepFunctions.describe(batch.id)?.status).toBe('RUNNING');

      const second = await startLocalGateway(options);
      try {
        client = new OpenAI({ baseURL: second.baseURL, apiKey: 'sk-finops-restart', maxRetries: 0 });
        const { batch: done } = await pollUntilDone(client, batch.id, {}, 30_000);
        expect(done.status).toBe('completed');
        expect((await readJsonl(client, done.output_file_id)).map((l) => l.custom_id).sort()).toEqual(['r1', 'r2']);
        expect((await second.stepFunctions.waitFor(batch.id))?.status).toBe('SUCCEEDED');
      } finally {
        await second.close();
      }
    } finally {
      process.env.OPENAI_API_KEY = saved.key ?? '';
      process.env.FINOPS_OPENAI_BASE_URL = saved.url ?? '';
      if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
      if (saved.url === undefined) delete process.env.FINOPS_OPENAI_BASE_URL;
      await provider.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
