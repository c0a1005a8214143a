// The seed's workflow on provider "vertex" (Gemini on Vertex AI) through the official OpenAI SDK, the
// local gateway and the Vertex AI / Cloud Storage / OAuth simulator (local/simulators/vertex).
import OpenAI from 'openai';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';
import type { VertexSimulator } from '#local/simulators/vertex/index';

let t: TestGateway;
let client: OpenAI;
let sim: VertexSimulator;

beforeAll(async () => {
  // Steps long enough that a cancel sent right after create reaches a job still running on a busy machine.
  t = await startTestGateway({ simulatorStepMs: 400 });
  client = t.client();
  sim = t.gateway.providers.find((p) => p.provider === 'vertex')!.simulator as VertexSimulator;
});
afterAll(async () => t?.close());

const MODEL = 'gemini-2.5-flash';
const create = (fileId: string, extra: Record<string, unknown> = {}) =>
  client.batches.create({
    input_file_id: fileId,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    provider: 'vertex',
    model: MODEL,
    ...extra,
  } as never);

describe('Vertex AI provider through the gateway', () => {
  test('the banner lists vertex as simulated', () => {
    expect(t.gateway.providers.find((p) => p.provider === 'vertex')).toMatchObject({ mode: 'simulated', url: sim.url });
  });

  test('the seed workflow: upload (converted into the bucket), create, poll, output and error files, cost', async () => {
    const lines = [
      chatLine('req-1', MODEL, 'What is 2+2?'),
      chatLine('req-2', MODEL, 'What is the capital of France?'),
      chatLine('req-3', MODEL, 'tell me [simulate-blocked]'),
    ];
    const content = jsonl(lines);
    const file = await upload(client, content, { provider: 'vertex' }, 'batch_e2e.jsonl');
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', bytes: Buffer.byteLength(content) });
    // The bucket holds the Vertex lines; the gateway keeps the original for content().
    const inputs = [...sim.storage.objects.values()].filter((o) => o.name.includes(`/inputs/`) && o.name.endsWith(`${file.id}.jsonl`));
    expect(inputs).toHaveLength(1);
    expect(JSON.parse(inputs[0].bytes.toString('utf8').split('\n')[0])).toMatchObject({
      custom_id: 'cid-req-1',
      request: { contents: [{ role: 'user' }] },
    });
    expect(await (await client.files.content(file.id, { query: { provider: 'vertex' } })).text()).toBe(content);

    const batch = await create(file.id);
    expect(batch.id).toMatch(/^batch_[A-Za-z0-9]+$/); // never Vertex's projects/…/batchPredictionJobs/…
    const { batch: done, seen } = await pollUntilDone(client, batch.id, { provider: 'vertex' });
    expect(done.status).toBe('completed');
    expect(seen.every((s) => ['validating', 'in_progress', 'finalizing', 'completed'].includes(s))).toBe(true);
    expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    expect(done.model).toBe(MODEL);

    const output = await readJsonl(client, done.output_file_id, { provider: 'vertex' });
    const errors = await readJsonl(client, done.error_file_id, { provider: 'vertex' });
    expect(output.map((l) => l.custom_id).sort()).toEqual(['req-1', 'req-2']);
    expect(errors.map((l) => l.custom_id)).toEqual(['req-3']);
    const body = output.find((l) => l.custom_id === 'req-2')!.response!.body as OpenAI.ChatCompletion;
    expect(body.choices[0].message.content).toContain('What is the capital of France?');
    expect(body.usage!.total_tokens).toBeGreaterThan(0);
    expect(JSON.stringify(errors[0])).toMatch(/content_filter/);
    // Priced from pricing/prices.json (vertex, batch discount 50 %).
    const finops = (done as unknown as { finops?: { cost_usd?: number; savings_usd?: number } }).finops;
    expect(finops?.cost_usd).toBeGreaterThan(0);
    expect(finops?.savings_usd).toBeGreaterThan(0);
  });

  test('the model may come from the lines instead of extra_body', async () => {
    const file = await upload(client, jsonl([chatLine('m1', MODEL, 'hi')]), { provider: 'vertex' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('completed');
    expect(done.model).toBe(MODEL);
  });

  test('cancel → cancelling → cancelled, every request accounted for', async () => {
    const file = await upload(client, jsonl(Array.from({ length: 3 }, (_, i) => chatLine(`c${i}`, MODEL, `q${i}`))), {
      provider: 'vertex',
    });
    const batch = await create(file.id);
    expect((await client.batches.cancel(batch.id)).status).toBe('cancelling');
    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('cancelled');
    const all = [...(await readJsonl(client, done.output_file_id)), ...(await readJsonl(client, done.error_file_id))];
    expect(all.map((l) => l.custom_id).sort()).toEqual(['c0', 'c1', 'c2']);
  });

  test('a job Vertex fails becomes failed with an error that says why', async () => {
    const file = await upload(client, jsonl([chatLine('f1', MODEL, 'x [simulate-batch-failure]')]), { provider: 'vertex' });
    const { batch: done } = await pollUntilDone(client, (await create(file.id)).id);
    expect(done.status).toBe('failed');
    expect(done.errors?.data![0].message).toMatch(/^Vertex AI: System error/);
    expect(done.failed_at).not.toBeNull();
  });

  test('list pagination with provider vertex', async () => {
    const file = await upload(client, jsonl([chatLine('p', MODEL, 'x')]), { provider: 'vertex' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create(file.id)).id);
    const page = await client.batches.list({ limit: 2, provider: 'vertex' } as never);
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    const seen: string[] = [];
    for await (const b of client.batches.list({ limit: 2, provider: 'vertex' } as never)) seen.push(b.id);
    for (const id of ids) expect(seen).toContain(id);
    expect(new Set(seen).size).toBe(seen.length);
  });

  test('files.delete removes the copy in the bucket', async () => {
    const file = await upload(client, jsonl([chatLine('d', MODEL, 'x')]), { provider: 'vertex' });
    const inBucket = () => [...sim.storage.objects.values()].some((o) => o.name.endsWith(`${file.id}.jsonl`));
    expect(inBucket()).toBe(true);
    expect((await client.files.delete(file.id)).deleted).toBe(true);
    expect(inBucket()).toBe(false);
  });

  test('a file of another provider is refused for a vertex batch', async () => {
    const file = await upload(client, jsonl([chatLine('o', 'gpt-4o-mini', 'x')]), { provider: 'openai' });
    const err = await create(file.id).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error.code).toBe('provider_mismatch');
  });
});
