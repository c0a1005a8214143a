// The seed's Gemini workflow through the local gateway and the Gemini API simulator.
import OpenAI from 'openai';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';

let t: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  // Steps long enough that a cancel sent right after create reaches a batch still running, even on a busy CI machine.
  t = await startTestGateway({ simulatorStepMs: 400 });
  client = t.client();
});
afterAll(async () => t?.close());

const MODEL = 'gemini-1.5-flash';

describe('Gemini provider through the gateway', () => {
  test('the seed workflow: upload (converted and sent to the Gemini Files API), create with model, poll, results', async () => {
    const lines = [
      chatLine('req-1', MODEL, 'What is 2+2?'),
      chatLine('req-2', MODEL, 'What is the capital of France?'),
      chatLine('req-3', MODEL, 'tell me [simulate-blocked]'),
    ];
    const content = jsonl(lines);
    const file = await upload(client, content, { provider: 'gemini' }, 'batch_e2e.jsonl');
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', bytes: Buffer.byteLength(content) });

    // The Gemini copy is in Gemini's own batch format; the gateway keeps the original for content().
    const sim = t.gateway.providers.find((p) => p.provider === 'gemini')!;
    const list = (await (
      await fetch(`${sim.url}/v1beta/files?pageSize=100`, { headers: { 'x-goog-api-key': sim.simulator!.apiKey } })
    ).json()) as { files: Array<{ name: string }> };
    expect(list.files.length).toBeGreaterThan(0);
    expect(await (await client.files.content(file.id, { query: { provider: 'gemini' } })).text()).toBe(content);

    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'gemini',
      model: MODEL,
    } as never);
    expect(batch.id).toMatch(/^batch_[A-Za-z0-9]+$/); // URL-safe, never Gemini's batches/…
    const { batch: done, seen } = await pollUntilDone(client, batch.id, { provider: 'gemini' });
    expect(done.status).toBe('completed');
    expect(seen).not.toContain('succeeded');
    expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });

    const output = await readJsonl(client, done.output_file_id, { provider: 'gemini' });
    const errors = await readJsonl(client, done.error_file_id, { provider: 'gemini' });
    expect(output.map((l) => l.custom_id).sort()).toEqual(['req-1', 'req-2']);
    expect(errors.map((l) => l.custom_id)).toEqual(['req-3']);
    const body = output[0].response!.body as OpenAI.ChatCompletion;
    expect(body.choices[0].message.content).toEqual(expect.any(String));
    expect(body.usage!.total_tokens).toBeGreaterThan(0);
    expect(JSON.stringify(errors[0])).toMatch(/content_filter|SAFETY/);
    expect(done.usage?.input_tokens).toBeGreaterThan(0);
  });

  test('the model may come from the lines instead of extra_body', async () => {
    const file = await upload(client, jsonl([chatLine('m1', MODEL, 'hi')]), { provider: 'gemini' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('completed');
    expect(done.model).toBe(MODEL);
  });

  test('cancel → cancelling → cancelled, every request accounted for', async () => {
    const lines = Array.from({ length: 3 }, (_, i) => chatLine(`c${i}`, MODEL, `q${i}`));
    const file = await upload(client, jsonl(lines), { provider: 'gemini' });
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'gemini',
      model: MODEL,
    } as never);
    expect((await client.batches.cancel(batch.id)).status).toBe('cancelling');
    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('cancelled');
    const all = [...(await readJsonl(client, done.output_file_id)), ...(await readJsonl(client, done.error_file_id))];
    expect(all.map((l) => l.custom_id).sort()).toEqual(['c0', 'c1', 'c2']);
  });

  test('a whole-batch failure at Gemini becomes failed with an error that says why', async () => {
    const file = await upload(client, jsonl([chatLine('f1', MODEL, 'x [simulate-batch-failure]')]), { provider: 'gemini' });
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'gemini',
      model: MODEL,
    } as never);
    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('failed');
    expect(done.errors?.data![0].message).toEqual(expect.any(String));
    expect(done.failed_at).not.toBeNull();
  });

  test('list pagination with provider gemini', async () => {
    const file = await upload(client, jsonl([chatLine('p', MODEL, 'x')]), { provider: 'gemini' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (
          await client.batches.create({
            input_file_id: file.id,
            endpoint: '/v1/chat/completions',
            completion_window: '24h',
            provider: 'gemini',
            model: MODEL,
          } as never)
        ).id,
      );
    const page = await client.batches.list({ limit: 2, provider: 'gemini' } as never);
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    const seen: string[] = [];
    for await (const b of client.batches.list({ limit: 2, provider: 'gemini' } as never)) seen.push(b.id);
    for (const id of ids) expect(seen).toContain(id);
    expect(new Set(seen).size).toBe(seen.length);
  });

  test('a file of another provider is refused for a gemini batch', async () => {
    const file = await upload(client, jsonl([chatLine('o', 'gpt-4o-mini', 'x')]), { provider: 'openai' });
    const err = await client.batches
      .create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        provider: 'gemini',
        model: MODEL,
      } as never)
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error.code).toBe('provider_mismatch');
  });
});
