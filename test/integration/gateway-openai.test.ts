// The seed's OpenAI workflow, ported to the Node SDK, against the local gateway (handlers, stand-ins,
// synthesized state machine, OpenAI simulator).
import OpenAI from 'openai';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, TEST_KEYS, upload, type TestGateway } from './helpers';

let t: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  // Steps long enough that a cancel sent right after create reaches a batch still running, even on a busy CI machine.
  // A third key: a tenant of its own whose file list a test can empty.
  t = await startTestGateway({ simulatorStepMs: 300, apiKeys: [...TEST_KEYS, 'sk-finops-test-carol'] });
  client = t.client();
});
afterAll(async () => t?.close());

describe('OpenAI provider through the gateway', () => {
  test('the seed workflow: upload, create, poll to completed, download output and error files', async () => {
    const content = jsonl([
      chatLine('req-1', 'gpt-4o-mini', 'What is 2+2?'),
      chatLine('req-2', 'gpt-4o-mini', 'What is the capital of France?'),
      chatLine('req-3', 'gpt-4o-mini', 'please fail [simulate-error]'),
    ]);
    const file = await upload(client, content, { provider: 'openai' }, 'batch_e2e.jsonl');
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'batch',
      filename: 'batch_e2e.jsonl',
      bytes: Buffer.byteLength(content),
      status: 'processed',
    });
    expect(file.id).toMatch(/^file-[A-Za-z0-9]+$/);
    expect(file.created_at).toBeLessThan(10_000_000_000); // seconds, not milliseconds

    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'openai',
    } as never);
    expect(batch).toMatchObject({
      object: 'batch',
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      output_file_id: null,
    });
    expect(batch.id).toMatch(/^batch_[A-Za-z0-9]+$/);
    expect(['validating', 'in_progress']).toContain(batch.status);

    const { batch: done, seen } = await pollUntilDone(client, batch.id, { provider: 'openai' });
    expect(done.status).toBe('completed');
    expect(seen[seen.length - 1]).toBe('completed');
    expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);
    expect(done.in_progress_at).not.toBeNull();
    expect(done.finalizing_at).not.toBeNull();

    const output = await readJsonl(client, done.output_file_id, { provider: 'openai' });
    const errors = await readJsonl(client, done.error_file_id);
    expect(output.map((l) => l.custom_id).sort()).toEqual(['req-1', 'req-2']);
    expect(errors.map((l) => l.custom_id)).toEqual(['req-3']);
    for (const line of output) {
      expect(line.id).toMatch(/^batch_req_/);
      expect(line.response?.status_code).toBe(200);
      const body = line.response?.body as OpenAI.ChatCompletion;
      expect(body.object).toBe('chat.completion');
      expect(body.choices[0].message.content).toEqual(expect.any(String));
      expect(body.usage?.total_tokens).toBeGreaterThan(0);
    }
    expect(errors[0].response?.status_code).toBe(400);

    const outputFile = await client.files.retrieve(done.output_file_id!);
    expect(outputFile.purpose).toBe('batch_output');
  });

  test('provider may be omitted: the default (openai) applies, and later calls find it from the metadata', async () => {
    const file = await upload(client, jsonl([chatLine('a', 'gpt-4o-mini', 'hi')]));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('completed');
    expect((await client.files.retrieve(file.id)).id).toBe(file.id);
  });

  test('files: list newest first with cursor pagination, retrieve, content, delete', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await upload(t.client(1), jsonl([chatLine(`p${i}`, 'gpt-4o-mini', `n${i}`)]), { provider: 'openai' })).id);
    const bob = t.client(1);
    const page1 = await bob.files.list({ limit: 2, provider: 'openai' } as never);
    expect(page1.data).toHaveLength(2);
    expect(page1.has_more).toBe(true);
    const all: string[] = [];
    for await (const f of bob.files.list({ limit: 2 })) all.push(f.id);
    expect(all.sort()).toEqual([...ids].sort());

    const content = await (await bob.files.content(ids[0])).text();
    expect(JSON.parse(content.trim()).custom_id).toBe('p0');

    const deleted = await bob.files.delete(ids[0], { query: { provider: 'openai' } });
    expect(deleted).toEqual({ id: ids[0], object: 'file', deleted: true });
    await expect(bob.files.retrieve(ids[0])).rejects.toMatchObject({ status: 404 });
  });

  test('deleting every file while auto-paginating over them deletes them all (the cursor may be a deleted file)', async () => {
    const carol = t.client(2);
    for (let i = 0; i < 7; i++) await upload(carol, jsonl([chatLine(`d${i}`, 'gpt-4o-mini', `n${i}`)]));
    const deleted: string[] = [];
    for await (const f of carol.files.list({ limit: 2 })) {
      await carol.files.delete(f.id);
      deleted.push(f.id);
    }
    expect(new Set(deleted).size).toBe(7);
    expect((await carol.files.list()).data).toHaveLength(0);
  });

  test('batches: 99 batches listed in pages of 10 give each exactly once, has_more false at the end', async () => {
    const carol = t.client(1);
    const file = await upload(carol, jsonl([chatLine('x', 'gpt-4o-mini', 'hi')]));
    // Batches of bob's tenant created so far + 99 more.
    const before: string[] = [];
    for await (const b of carol.batches.list({ limit: 100 })) before.push(b.id);
    const created: string[] = [];
    for (let i = 0; i < 99; i++)
      created.push((await carol.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).id);

    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    let last;
    do {
      last = await carol.batches.list({ limit: 10, ...(after ? { after } : {}) });
      pages += 1;
      seen.push(...last.data.map((b) => b.id));
      after = last.data[last.data.length - 1]?.id;
    } while (last.has_more);
    expect(last.has_more).toBe(false);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(99 + before.length);
    expect(seen.slice(0, 99).sort()).toEqual([...created].sort()); // newest first
    expect(pages).toBe(Math.ceil((99 + before.length) / 10));

    const auto: string[] = [];
    for await (const b of carol.batches.list({ limit: 10 })) auto.push(b.id);
    expect(auto).toEqual(seen);
  }, 120_000);

  test('cancel: cancelling then cancelled, with partial results kept', async () => {
    const lines = Array.from({ length: 6 }, (_, i) => chatLine(`c${i}`, 'gpt-4o-mini', `q${i}`));
    const file = await upload(client, jsonl(lines));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const cancelling = await client.batches.cancel(batch.id, { provider: 'openai' } as never);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).not.toBeNull();
    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('cancelled');
    expect(done.cancelled_at).not.toBeNull();
    const all = [...(await readJsonl(client, done.output_file_id)), ...(await readJsonl(client, done.error_file_id))];
    expect(all.map((l) => l.custom_id).sort()).toEqual(lines.map((l) => JSON.parse(l).custom_id).sort());
    // Cancelling it again (a client's retry) answers the cancelled batch unchanged, not an error.
    const again = await client.batches.cancel(batch.id);
    expect(again).toMatchObject({
      id: batch.id,
      status: 'cancelled',
      cancelled_at: done.cancelled_at,
      output_file_id: done.output_file_id,
    });
  });

  test('authentication: missing or unknown key → 401 in OpenAI error shape', async () => {
    const res = await fetch(`${t.gateway.baseURL}/files`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { message: expect.stringMatching(/API key/), type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
    });
    const stranger = new OpenAI({ baseURL: t.gateway.baseURL, apiKey: 'sk-unknown', maxRetries: 0 });
    await expect(stranger.files.list()).rejects.toMatchObject({ status: 401 });
  });

  test('tenancy: another key sees none of my files or batches', async () => {
    const mine = await upload(client, jsonl([chatLine('t1', 'gpt-4o-mini', 'hi')]));
    const theirs = t.client(1);
    await expect(theirs.files.retrieve(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(theirs.files.content(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(theirs.files.delete(mine.id)).rejects.toMatchObject({ status: 404 });
    const listed: string[] = [];
    for await (const f of theirs.files.list()) listed.push(f.id);
    expect(listed).not.toContain(mine.id);
    await expect(
      theirs.batches.create({ input_file_id: mine.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
    ).rejects.toMatchObject({ status: 404 });
    expect(TEST_KEYS).toHaveLength(2);
  });

  test('a malformed JSONL upload is rejected with the line number, and nothing is stored', async () => {
    const before = (await client.files.list()).data.length;
    const bad = jsonl([chatLine('ok', 'gpt-4o-mini', 'hi'), '{"custom_id": "broken", "method": "POST"']);
    const err = await upload(client, bad).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json_line' });
    expect(err.message).toMatch(/Line 2/);
    expect((await client.files.list()).data.length).toBe(before);
  });

  test('the /openai/v1 prefix serves the same API', async () => {
    const v1 = new OpenAI({ baseURL: `${t.gateway.baseURL}/v1`, apiKey: t.gateway.apiKeys[0], maxRetries: 0 });
    const file = await upload(v1, jsonl([chatLine('v', 'gpt-4o-mini', 'hi')]));
    expect((await client.files.retrieve(file.id)).id).toBe(file.id);
    expect(Array.isArray((await v1.batches.list()).data)).toBe(true);
  });
});
