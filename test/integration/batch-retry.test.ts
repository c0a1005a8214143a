// POST /batches/{id}/retry end to end with the official OpenAI SDK: on every provider, a batch whose
// lines failed with rate-limit errors ("[simulate-rate-limit-once]": 429 the first time, fine after)
// is retried; the new batch runs exactly the failed lines, never one that succeeded, and the two are
// linked in metadata.
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import type { ProviderName } from '#contracts/records';
import { rejectionOf } from '#test/support/errors';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';
import { TEST_MODEL } from '#test/support/provider-models';

const MODEL = TEST_MODEL;
const PROVIDERS = Object.keys(MODEL) as ProviderName[];

let t: TestGateway;
let client: OpenAI;
const retry = (batchId: string, body: Record<string, unknown> = {}) => client.post<OpenAI.Batch>(`/batches/${batchId}/retry`, { body });

beforeAll(async () => {
  // Bedrock batches of a few records run as jobs (their error records carry the 429).
  t = await startTestGateway({ env: { FINOPS_BEDROCK_MIN_RECORDS: '1' } });
  client = t.client();
});
afterAll(() => t?.close());

/** A batch of two fine lines and two that hit a rate limit once; resolves when it has ended. */
async function batchWithRateLimits(provider: ProviderName, extra: string[] = []) {
  const tag = randomBytes(6).toString('hex');
  const lines = [
    chatLine('ok-1', MODEL[provider], `fine ${tag}`),
    chatLine('limited-1', MODEL[provider], `[simulate-rate-limit-once] first ${tag}`),
    chatLine('ok-2', MODEL[provider], `also fine ${tag}`),
    chatLine('limited-2', MODEL[provider], `[simulate-rate-limit-once] second ${tag}`),
    ...extra,
  ];
  const file = await upload(client, jsonl(lines), { provider });
  const created = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    provider,
    metadata: { team: 'a' },
  } as never);
  return (await pollUntilDone(client, created.id)).batch;
}

const customIds = async (fileId: string | null | undefined) => (await readJsonl(client, fileId)).map((l) => l.custom_id).sort();

describe.each(PROVIDERS)('%s', (provider) => {
  test('a retry of the rate-limited lines runs exactly those, linked both ways', async () => {
    const original = await batchWithRateLimits(provider);
    expect(original.status).toBe('completed');
    expect(await customIds(original.output_file_id)).toEqual(['ok-1', 'ok-2']);
    const errors = await readJsonl(client, original.error_file_id);
    expect(errors.map((l) => l.response?.status_code)).toEqual([429, 429]);

    const retried = await retry(original.id, { error_codes: ['429'] });
    expect(retried).toMatchObject({ object: 'batch', metadata: { team: 'a', retry_of: original.id } });
    expect(retried.id).not.toBe(original.id);
    expect(retried.input_file_id).not.toBe(original.input_file_id);
    // The new input holds the failed lines only, byte for byte as they were.
    const input = await (await client.files.content(retried.input_file_id)).text();
    const originalInput = await (await client.files.content(original.input_file_id)).text();
    const inputIds = input
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).custom_id)
      .sort();
    expect(inputIds).toEqual(['limited-1', 'limited-2']);
    for (const line of input.trim().split('\n')) expect(originalInput).toContain(line);

    const { batch: done } = await pollUntilDone(client, retried.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    expect(await customIds(done.output_file_id)).toEqual(['limited-1', 'limited-2']);
    expect((await client.batches.retrieve(original.id)).metadata).toMatchObject({ team: 'a', retried_by: retried.id });
    // Asking again answers the same retry instead of a second one.
    expect((await retry(original.id, { error_codes: ['429'] })).id).toBe(retried.id);
  });
});

describe('choosing what to retry', () => {
  test('error_codes picks failures by code, type or status; the default takes every failed line', async () => {
    const original = await batchWithRateLimits('openai', [chatLine('broken', MODEL.openai, '[simulate-error] never works')]);
    expect(await customIds(original.error_file_id)).toEqual(['broken', 'limited-1', 'limited-2']);
    const byCode = await retry(original.id, { error_codes: ['rate_limit_exceeded'] });
    expect((await (await client.files.content(byCode.input_file_id)).text()).trim().split('\n')).toHaveLength(2);
    const everything = await retry(original.id);
    const ids = (await (await client.files.content(everything.input_file_id)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).custom_id)
      .sort();
    expect(ids).toEqual(['broken', 'limited-1', 'limited-2']);
    const err = await rejectionOf(retry(original.id, { error_codes: ['batch_expired'] }), OpenAI.BadRequestError);
    expect(err.code).toBe('nothing_to_retry');
    expect(err.message).toContain('rate_limit_exceeded');
  });

  test('inline Anthropic requests are retried inline', async () => {
    const tag = randomBytes(6).toString('hex');
    const params = (text: string) => ({ model: 'claude-haiku-4-5-20251001', max_tokens: 64, messages: [{ role: 'user', content: text }] });
    const requests = [
      { custom_id: 'fine', params: params(`hello ${tag}`) },
      { custom_id: 'limited', params: params(`[simulate-rate-limit-once] ${tag}`) },
    ];
    const created = await client.batches.create({
      input_file_id: '',
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'anthropic',
      requests,
    } as never);
    const { batch: original } = await pollUntilDone(client, created.id);
    expect(original.request_counts).toMatchObject({ completed: 1, failed: 1 });
    const retried = await retry(original.id, { error_codes: ['rate_limit_error'] });
    const { batch: done } = await pollUntilDone(client, retried.id);
    expect(done.request_counts).toEqual({ total: 1, completed: 1, failed: 0 });
    expect(await customIds(done.output_file_id)).toEqual(['limited']);
    expect(
      (await rejectionOf(retry(original.id, { error_codes: ['rate_limit_error'], provider: 'openai' }), OpenAI.BadRequestError)).code,
    ).toBe('provider_mismatch');
  });

  test('on another provider and model', async () => {
    const original = await batchWithRateLimits('openai');
    const retried = await retry(original.id, { provider: 'gemini', model: MODEL.gemini });
    expect(retried.metadata).toMatchObject({ retry_of: original.id });
    const { batch: done } = await pollUntilDone(client, retried.id, { provider: 'gemini' });
    expect(done.status).toBe('completed');
    expect(await customIds(done.output_file_id)).toEqual(['limited-1', 'limited-2']);
    // The lines name the model asked for.
    const lines = (await (await client.files.content(retried.input_file_id, { query: { provider: 'gemini' } } as never)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.body.model)).toEqual([MODEL.gemini, MODEL.gemini]);
    expect(done.metadata).toMatchObject({ retry_of: original.id });
  });

  test("a batch with no failures, a running batch, bad options and another tenant's batch", async () => {
    const file = await upload(client, jsonl([chatLine('x', MODEL.openai, 'fine')]), { provider: 'openai' });
    const running = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const notYet = await rejectionOf(retry(running.id), OpenAI.ConflictError);
    expect(notYet.code).toBe('batch_not_finished');
    const { batch: clean } = await pollUntilDone(client, running.id);
    expect((await rejectionOf(retry(clean.id), OpenAI.BadRequestError)).code).toBe('nothing_to_retry');
    expect((await rejectionOf(retry(clean.id, { error_codes: 'all' }), OpenAI.BadRequestError)).code).toBe('invalid_error_codes');
    expect((await rejectionOf(retry(clean.id, { colour: 'red' }), OpenAI.BadRequestError)).code).toBe('unknown_parameter');
    expect((await rejectionOf(retry(clean.id, { provider: 'watsonx' }), OpenAI.BadRequestError)).code).toBe('invalid_provider');
    await rejectionOf(t.client(1).post(`/batches/${clean.id}/retry`, { body: {} }), OpenAI.NotFoundError);
  });
});
