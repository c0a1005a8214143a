// The seed's workflow on each OpenAI-shaped batch provider of the catalog (Groq, Together AI) through
// the local gateway, the official OpenAI SDK and the provider's simulator (the OpenAI simulator
// playing it with its quirks): upload, create, poll, output and error files, cancel, list. Then the
// quirks each one enforces: completion windows, purposes, paths and object shapes on the wire.
import OpenAI from 'openai';
import { openaiCompatibleQuirks, type ProviderName } from '#contracts/providers';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';

let t: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  // Steps long enough that a cancel sent right after create reaches a batch still running, even on a busy machine.
  t = await startTestGateway({ simulatorStepMs: 400 });
  client = t.client();
});
afterAll(async () => t?.close());

const MODELS: Array<[ProviderName, string]> = [
  ['groq', 'llama-3.1-8b-instant'],
  ['together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo'],
];

function simulator(provider: ProviderName) {
  const info = t.gateway.providers.find((p) => p.provider === provider)!;
  expect(info.mode).toBe('simulated');
  return { url: info.url, headers: { authorization: `Bearer ${info.simulator!.apiKey}` } };
}

const create = (provider: ProviderName, fileId: string, window = '24h') =>
  client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: window, provider } as never);

describe.each(MODELS)('%s through the gateway', (provider, model) => {
  test('the seed workflow: upload, create, poll, output and error files, cost', async () => {
    const content = jsonl([
      chatLine('req-1', model, 'What is 2+2?'),
      chatLine('req-2', model, 'Capital of France?'),
      chatLine('req-3', model, 'fail please [simulate-error]'),
    ]);
    const file = await upload(client, content, { provider }, 'batch_e2e.jsonl');
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', bytes: Buffer.byteLength(content) });
    expect(await (await client.files.content(file.id, { query: { provider } })).text()).toBe(content);

    const batch = await create(provider, file.id);
    expect(batch.id).toMatch(/^batch_[A-Za-z0-9]+$/); // the gateway's id, never the provider's
    const { batch: done } = await pollUntilDone(client, batch.id, { provider });
    expect(done.status).toBe('completed');
    expect(done.model).toBe(model);

    const output = await readJsonl(client, done.output_file_id, { provider });
    const errors = await readJsonl(client, done.error_file_id, { provider });
    expect(output.map((l) => l.custom_id).sort()).toEqual(['req-1', 'req-2']);
    expect(errors.map((l) => l.custom_id)).toEqual(['req-3']);
    expect((output[0].response!.body as OpenAI.ChatCompletion).choices[0].message.content).toEqual(expect.any(String));
    expect(errors[0].response?.status_code).toBe(400);
    // Priced from pricing/prices.json (the provider's price block) with its batch discount.
    const finops = (done as unknown as { finops?: { cost_usd?: number; savings_usd?: number } }).finops;
    expect(finops?.cost_usd).toBeGreaterThan(0);
    expect(finops?.savings_usd).toBeGreaterThan(0);
  });

  test('cancel → cancelled, every request accounted for; list shows the batches', async () => {
    const lines = Array.from({ length: 4 }, (_, i) => chatLine(`c${i}`, model, `q${i}`));
    const file = await upload(client, jsonl(lines), { provider });
    const batch = await create(provider, file.id);
    const cancelled = await client.batches.cancel(batch.id, { query: { provider } } as never);
    expect(['cancelling', 'cancelled']).toContain(cancelled.status);
    const { batch: done } = await pollUntilDone(client, batch.id, { provider });
    expect(done.status).toBe('cancelled');
    const all = [
      ...(await readJsonl(client, done.output_file_id, { provider })),
      ...(await readJsonl(client, done.error_file_id, { provider })),
    ];
    expect(all.map((l) => l.custom_id).sort()).toEqual(['c0', 'c1', 'c2', 'c3']);

    const listed = await client.batches.list({ limit: 100, provider } as never);
    expect(listed.data.map((b) => b.id)).toContain(batch.id);
  });

  test("the provider's completion windows: inside its range accepted (expiry follows), outside refused with a clear 400", async () => {
    const { min, max } = openaiCompatibleQuirks(provider)!.completionWindowHours;
    const file = await upload(client, jsonl([chatLine('w1', model, 'hi')]), { provider });
    const tooLong = await create(provider, file.id, `${max + 24}h`).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(OpenAI.BadRequestError);
    expect((tooLong as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('completion_window');
    if (max > min) {
      const long = await create(provider, file.id, '7d');
      expect(long.completion_window).toBe('7d');
      expect(long.expires_at! - long.created_at).toBe(7 * 24 * 3600);
      expect((await pollUntilDone(client, long.id, { provider })).batch.status).toBe('completed');
    }
  });
});

describe('the simulators speak each provider’s own wire', () => {
  test('Groq: paths under /openai/v1, purpose batch only, completion windows 24h to 7d', async () => {
    const sim = simulator('groq');
    expect(new URL(sim.url).pathname).toBe('/openai/v1');
    const form = new FormData();
    form.append('purpose', 'fine-tune');
    form.append('file', new Blob([jsonl([chatLine('x', 'llama-3.1-8b-instant', 'hi')])]), 'x.jsonl');
    const refused = await fetch(`${sim.url}/files`, { method: 'POST', headers: sim.headers, body: form });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { param: string } }).error.param).toBe('purpose');
    const noV1 = await fetch(`${new URL(sim.url).origin}/v1/batches`, { headers: sim.headers });
    expect(noV1.status).toBe(404);
  });

  test('Together: upload at /files/upload (purpose batch-api, file_name), create answers {job}, UPPERCASE statuses, list is an array', async () => {
    const sim = simulator('together');
    const form = (purpose: string, withName = true) => {
      const f = new FormData();
      f.append('purpose', purpose);
      if (withName) f.append('file_name', 'in.jsonl');
      f.append('file', new Blob([jsonl([chatLine('x', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', 'hi')])]), 'in.jsonl');
      return f;
    };
    expect((await fetch(`${sim.url}/files`, { method: 'POST', headers: sim.headers, body: form('batch-api') })).status).toBe(404);
    expect((await fetch(`${sim.url}/files/upload`, { method: 'POST', headers: sim.headers, body: form('batch') })).status).toBe(400);
    expect((await fetch(`${sim.url}/files/upload`, { method: 'POST', headers: sim.headers, body: form('batch-api', false) })).status).toBe(
      400,
    );
    const uploaded = (await (
      await fetch(`${sim.url}/files/upload`, { method: 'POST', headers: sim.headers, body: form('batch-api') })
    ).json()) as { id: string; purpose: string };
    expect(uploaded.purpose).toBe('batch-api');

    const created = await fetch(`${sim.url}/batches`, {
      method: 'POST',
      headers: { ...sim.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ input_file_id: uploaded.id, endpoint: '/v1/chat/completions' }),
    });
    const { job } = (await created.json()) as { job: { id: string; status: string; created_at: string } };
    expect(job.status).toBe('VALIDATING');
    expect(job.id).toMatch(/^batch-/);
    expect(Number.isFinite(Date.parse(job.created_at))).toBe(true); // ISO-8601, not unix seconds
    const listed = (await (await fetch(`${sim.url}/batches`, { headers: sim.headers })).json()) as unknown;
    expect(Array.isArray(listed)).toBe(true);
    expect((listed as Array<{ id: string }>).map((b) => b.id)).toContain(job.id);
  });
});
