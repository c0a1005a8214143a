// The seed's Anthropic workflows (inline requests, as a user writes them) and file-based batches,
// through the local gateway and the Anthropic Message Batches simulator.
import OpenAI from 'openai';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';

let t: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  // Lowered so that a 7-line file is split over three Message Batches.
  // Steps long enough that a cancel sent right after create reaches a batch still running, even on a busy CI machine.
  t = await startTestGateway({ simulatorStepMs: 400, env: { FINOPS_ANTHROPIC_MAX_REQUESTS_PER_BATCH: '3' } });
  client = t.client();
});
afterAll(async () => t?.close());

const inline = (customId: string, content: string) => ({
  custom_id: customId,
  params: { model: 'claude-3-sonnet-20240229', max_tokens: 100, messages: [{ role: 'user', content }] },
});

describe('Anthropic provider through the gateway', () => {
  test('the seed inline workflow: requests in extra_body, input_file_id ""', async () => {
    const requests = [inline('math-question', 'What is 15 * 7?'), inline('geography-question', 'What is the largest ocean?')];
    const batch = await client.batches.create({
      input_file_id: '',
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'anthropic',
      requests,
    } as never);
    expect(batch.id).toMatch(/^batch_/);
    expect(['validating', 'in_progress']).toContain(batch.status);
    expect(batch.input_file_id).toMatch(/^file-/); // the inline requests are kept as the batch's input file
    expect(batch.request_counts!.total).toBe(2);

    const { batch: done } = await pollUntilDone(client, batch.id, { provider: 'anthropic' });
    expect(done.status).toBe('completed'); // never Anthropic's own 'ended'
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    const output = await readJsonl(client, done.output_file_id, { provider: 'anthropic' });
    expect(output.map((l) => l.custom_id).sort()).toEqual(['geography-question', 'math-question']);
    const body = output[0].response!.body as OpenAI.ChatCompletion;
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(done.error_file_id).toBeNull();
  });

  test('bad inline requests get a 400 naming the request, and no batch is made', async () => {
    const before = (await client.batches.list({ provider: 'anthropic' } as never)).data.length;
    const requests = [
      inline('a', 'hi'),
      { custom_id: 'b', params: { model: 'claude-3-sonnet-20240229', messages: [{ role: 'user', content: 'x' }] } },
    ];
    const err = await client.batches
      .create({ input_file_id: '', endpoint: '/v1/chat/completions', completion_window: '24h', provider: 'anthropic', requests } as never)
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/requests\[1\].*"b".*max_tokens/);
    const dup = await client.batches
      .create({
        input_file_id: '',
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        provider: 'anthropic',
        requests: [inline('a', 'x'), inline('a', 'y')],
      } as never)
      .catch((e) => e);
    expect(dup.status).toBe(400);
    expect(dup.message).toMatch(/duplicate|unique/i);
    expect((await client.batches.list({ provider: 'anthropic' } as never)).data.length).toBe(before);
  });

  test('a file-based batch split over several Message Batches is one OpenAI batch, with output and error files', async () => {
    const lines = [
      ...Array.from({ length: 6 }, (_, i) => chatLine(`req.${i}:odd id`, 'claude-3-5-haiku-20241022', `question ${i}`)),
      chatLine('will-fail', 'claude-3-5-haiku-20241022', 'please [simulate-error]'),
    ];
    const file = await upload(client, jsonl(lines), { provider: 'anthropic' });
    expect(file.bytes).toBeGreaterThan(0);
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'anthropic',
    } as never);
    const { batch: done } = await pollUntilDone(client, batch.id, { provider: 'anthropic' });
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 7, completed: 6, failed: 1 });
    const output = await readJsonl(client, done.output_file_id);
    const errors = await readJsonl(client, done.error_file_id);
    expect([...output, ...errors].map((l) => l.custom_id).sort()).toEqual(lines.map((l) => JSON.parse(l).custom_id).sort());
    expect(errors[0].custom_id).toBe('will-fail');
    expect(errors[0].response?.status_code).toBeGreaterThanOrEqual(500);
    expect(JSON.stringify(done)).not.toContain('msgbatch_'); // provider ids stay internal

    // The simulator saw three Message Batches for this one OpenAI batch.
    const sim = t.gateway.providers.find((p) => p.provider === 'anthropic')!;
    const res = await fetch(`${sim.url}/v1/messages/batches?limit=100`, {
      headers: { 'x-api-key': sim.simulator!.apiKey, 'anthropic-version': '2023-06-01' },
    });
    const page = (await res.json()) as { data: Array<{ request_counts: Record<string, number> }> };
    const sevenLine = page.data.filter((b) => Object.values(b.request_counts).reduce((a, c) => a + c, 0) <= 3);
    expect(sevenLine.length).toBeGreaterThanOrEqual(3);
  });

  // Contract changed by issue 12: the batch is recorded `validating` and converted by the tracker, so a
  // line that cannot be converted fails the batch with OpenAI's errors list (as OpenAI reports
  // validation failures), and nothing reaches Anthropic.
  test('a line that cannot be converted fails the batch with the line named, before anything is sent', async () => {
    const sim = t.gateway.providers.find((p) => p.provider === 'anthropic')!;
    const listed = async () =>
      (
        (await (
          await fetch(`${sim.url}/v1/messages/batches?limit=100`, {
            headers: { 'x-api-key': sim.simulator!.apiKey, 'anthropic-version': '2023-06-01' },
          })
        ).json()) as { data: unknown[] }
      ).data.length;
    const before = await listed();
    const file = await upload(
      client,
      jsonl([chatLine('ok', 'claude-3-5-haiku-20241022', 'hi'), chatLine('bad', 'claude-3-5-haiku-20241022', 'hi', { n: 3 })]),
      { provider: 'anthropic' },
    );
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'anthropic',
    } as never);
    expect(batch.status).toBe('validating');
    const { batch: done } = await pollUntilDone(client, batch.id, { provider: 'anthropic' });
    expect(done.status).toBe('failed');
    expect(done.errors?.data).toEqual([
      { code: 'unsupported_for_provider', message: expect.stringMatching(/Line 2.*\bn\b/), param: 'input_file_id', line: 2 },
    ]);
    const errors = await readJsonl(client, done.error_file_id);
    expect(errors.map((l) => l.custom_id).sort()).toEqual(['bad', 'ok']);
    expect(done.output_file_id).toBeNull();
    expect(await listed()).toBe(before);
  });

  test('cancel → cancelling → cancelled, every request accounted for', async () => {
    const requests = Array.from({ length: 4 }, (_, i) => inline(`c${i}`, `q${i}`));
    const batch = await client.batches.create({
      input_file_id: '',
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'anthropic',
      requests,
    } as never);
    const cancelling = await client.batches.cancel(batch.id, { provider: 'anthropic' } as never);
    expect(cancelling.status).toBe('cancelling');
    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('cancelled');
    const all = [...(await readJsonl(client, done.output_file_id)), ...(await readJsonl(client, done.error_file_id))];
    expect(all.map((l) => l.custom_id).sort()).toEqual(['c0', 'c1', 'c2', 'c3']);
    for (const line of all.filter((l) => l.error)) expect(line.error!.code).toBe('batch_cancelled');
  });

  test('list with provider anthropic pages with after/limit/has_more', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (
          await client.batches.create({
            input_file_id: '',
            endpoint: '/v1/chat/completions',
            completion_window: '24h',
            provider: 'anthropic',
            requests: [inline(`l${i}`, 'x')],
          } as never)
        ).id,
      );
    }
    const seen: string[] = [];
    for await (const b of client.batches.list({ limit: 2, provider: 'anthropic' } as never)) {
      expect(b.object).toBe('batch');
      seen.push(b.id);
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
  });
});
