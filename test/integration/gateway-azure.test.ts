// The seed's workflow with `provider: "azure"`, through the official OpenAI SDK against the local
// gateway (handlers, stand-ins, synthesized state machine, Azure OpenAI simulator): upload, create,
// poll, output and error files, cancel, list; the deployment name as each line's model, Azure's
// refusals at batches.create, and the batch's cost at Azure's batch prices.
import OpenAI from 'openai';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';

let t: TestGateway;
let client: OpenAI;
const AZURE = { provider: 'azure' };

beforeAll(async () => {
  // Steps long enough that a cancel sent right after create reaches a batch still running, on a busy machine.
  t = await startTestGateway({ simulatorStepMs: 300 });
  client = t.client();
});
afterAll(async () => t?.close());

const create = (fileId: string, extra: Record<string, unknown> = {}) =>
  client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h', ...AZURE, ...extra } as never);

describe('Azure OpenAI provider through the gateway', () => {
  test('the local gateway runs Azure simulated when no Azure credentials are set', () => {
    expect(t.gateway.providers.find((p) => p.provider === ('azure' as never))).toMatchObject({ mode: 'simulated' });
  });

  test('the seed workflow: upload, create, poll to completed, output and error files, cost at batch prices', async () => {
    // `gpt-4o-mini` is the Global-Batch deployment's name: the line's model names the deployment.
    const content = jsonl([
      chatLine('req-1', 'gpt-4o-mini', 'What is 2+2?'),
      chatLine('req-2', 'gpt-4o-mini', 'What is the capital of France?'),
      chatLine('req-3', 'gpt-4o-mini', 'please filter me [simulate-content-filter]'),
    ]);
    const file = await upload(client, content, AZURE, 'batch_azure.jsonl');
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'batch',
      filename: 'batch_azure.jsonl',
      bytes: Buffer.byteLength(content),
      status: 'processed',
    });

    const batch = await create(file.id);
    expect(batch).toMatchObject({ object: 'batch', input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect(batch.id).toMatch(/^batch_[A-Za-z0-9]+$/);

    const { batch: done, seen } = await pollUntilDone(client, batch.id, AZURE, 60_000);
    expect(done.status).toBe('completed');
    expect(seen).not.toContain('failed');
    expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    expect(done.created_at).toBeLessThan(10_000_000_000);
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);

    const output = await readJsonl(client, done.output_file_id, AZURE);
    const errors = await readJsonl(client, done.error_file_id);
    expect(output.map((l) => l.custom_id).sort()).toEqual(['req-1', 'req-2']);
    for (const line of output) {
      expect(line.response?.status_code).toBe(200);
      const body = line.response?.body as OpenAI.ChatCompletion;
      expect(body.object).toBe('chat.completion');
      expect(body.model).toBe('gpt-4o-mini-2024-07-18'); // the model version behind the deployment
      expect(body.usage?.total_tokens).toBeGreaterThan(0);
    }
    expect(errors).toEqual([expect.objectContaining({ custom_id: 'req-3', response: expect.objectContaining({ status_code: 400 }) })]);
    expect((errors[0].response?.body as { error: { code: string } }).error.code).toBe('content_filter');

    // Priced with pricing/prices.json's azure block: the batch cost is half the on-demand cost.
    const finops = (done as unknown as { finops?: { cost_usd: number; on_demand_cost_usd: number; savings_usd: number } | null }).finops;
    const micros = (usd: number | undefined) => Math.round((usd ?? 0) * 1e6);
    expect(micros(finops?.cost_usd)).toBeGreaterThan(0);
    expect(Math.abs(micros(finops?.on_demand_cost_usd) - 2 * micros(finops?.cost_usd))).toBeLessThanOrEqual(1);
    expect(micros(finops?.savings_usd)).toBe(micros(finops?.on_demand_cost_usd) - micros(finops?.cost_usd));
  }, 90_000);

  test('cancel: cancelling then cancelled, every request accounted for', async () => {
    const lines = Array.from({ length: 6 }, (_, i) => chatLine(`c${i}`, 'gpt-4o-mini', `q${i}`));
    const file = await upload(client, jsonl(lines), AZURE);
    const batch = await create(file.id);
    const cancelling = await client.batches.cancel(batch.id, AZURE as never);
    expect(['cancelling', 'cancelled']).toContain(cancelling.status);
    const { batch: done } = await pollUntilDone(client, batch.id, AZURE, 60_000);
    expect(done.status).toBe('cancelled');
    const all = [...(await readJsonl(client, done.output_file_id)), ...(await readJsonl(client, done.error_file_id))];
    expect(all.map((l) => l.custom_id).sort()).toEqual(lines.map((l) => JSON.parse(l).custom_id).sort());
  }, 90_000);

  test('list: the Azure batches of the tenant, newest first, with the provider named', async () => {
    const file = await upload(client, jsonl([chatLine('l1', 'gpt-4o-mini', 'hi')]), AZURE);
    const a = await create(file.id);
    const b = await create(file.id);
    const page = await client.batches.list({ limit: 2, ...AZURE } as never);
    expect(page.data.map((x) => x.id)).toEqual([b.id, a.id]);
    expect(page.data.every((x) => (x as unknown as { provider?: string }).provider === 'azure')).toBe(true);
  });

  test('refused at batches.create, before anything runs: a window Azure fails', async () => {
    const file = await upload(client, jsonl([chatLine('w', 'gpt-4o-mini', 'hi')]), AZURE);
    await expect(create(file.id, { completion_window: '48h' })).rejects.toMatchObject({
      status: 400,
      error: expect.objectContaining({ param: 'completion_window' }),
    });
  });

  // Azure runs one Global-Batch deployment per batch; a file naming two runs as one Azure batch per
  // deployment under the one OpenAI batch (issue 15, mixed-model files), every line answered once.
  test('a file naming two deployments runs as one Azure batch per deployment, every line once', async () => {
    const mixed = await upload(client, jsonl([chatLine('m1', 'gpt-4o-mini', 'hi'), chatLine('m2', 'gpt-4o', 'hi')]), AZURE);
    const batch = await create(mixed.id);
    const { batch: done } = await pollUntilDone(client, batch.id, AZURE, 60_000);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toMatchObject({ total: 2, completed: 2, failed: 0 });
    const output = await readJsonl(client, done.output_file_id, AZURE);
    expect(output.map((l) => [l.custom_id, (l.response?.body as { model?: string } | undefined)?.model]).sort()).toEqual([
      ['m1', expect.stringContaining('gpt-4o-mini')],
      ['m2', expect.stringContaining('gpt-4o')],
    ]);
  });

  test("a deployment the Azure resource does not have: the batch fails with Azure's model_not_found", async () => {
    const file = await upload(client, jsonl([chatLine('n', 'my-missing-deployment', 'hi')]), AZURE);
    const batch = await create(file.id);
    const { batch: done } = await pollUntilDone(client, batch.id, AZURE, 60_000);
    expect(done.status).toBe('failed');
    expect(done.errors?.data?.[0]).toMatchObject({ code: 'model_not_found' });
  }, 90_000);
});
