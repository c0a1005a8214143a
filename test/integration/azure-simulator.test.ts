// The Azure OpenAI simulator driven by the official `openai` package's AzureOpenAI client: Azure's
// wire rules (auth header, api-version, pending uploads, /chat/completions, 24h, deployments, limits)
// and the batch lifecycle with output, error and content-filter lines. The simulator's clock is moved
// by hand, so nothing here sleeps.
import { AzureOpenAI, AuthenticationError, BadRequestError, NotFoundError, toFile } from 'openai';
import { startAzureSimulator, type RunningAzureSimulator } from '#local/simulators/azure/index';
import { AZURE_MAX_REQUESTS } from '#local/simulators/azure/rules';
import { parseInputLines, validateBatchInput } from '#local/simulators/openai/jsonl';

const STEP_MS = 10_000;
let clock = Date.now();
let sim: RunningAzureSimulator;
let client: AzureOpenAI;

const line = (customId: string, content: string, model = 'gpt-4o-mini', url = '/chat/completions') =>
  JSON.stringify({ custom_id: customId, method: 'POST', url, body: { model, messages: [{ role: 'user', content }], max_tokens: 50 } });
const jsonl = (...lines: string[]) => lines.join('\n') + '\n';

beforeAll(async () => {
  sim = await startAzureSimulator({ stepMs: STEP_MS, now: () => clock });
  client = new AzureOpenAI({ endpoint: sim.url, apiKey: sim.apiKey, apiVersion: sim.apiVersion, maxRetries: 0 });
});
afterAll(() => sim.close());

async function upload(text: string | Buffer): Promise<string> {
  const file = await client.files.create({ file: await toFile(Buffer.from(text), 'in.jsonl'), purpose: 'batch' });
  return file.id;
}

/** Uploads, lets the file be processed, creates the batch. */
async function batchOf(text: string | Buffer, window = '24h') {
  const fileId = await upload(text);
  clock += STEP_MS;
  return client.batches.create({ input_file_id: fileId, endpoint: '/chat/completions' as never, completion_window: window as '24h' });
}

async function lines(fileId: string | null | undefined): Promise<Array<Record<string, any>>> {
  if (!fileId) return [];
  const text = await (await client.files.content(fileId)).text();
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

describe('Azure OpenAI simulator: the wire', () => {
  it("takes the api-key header or an Entra ID bearer token, and answers Azure's 401 otherwise", async () => {
    const entra = new AzureOpenAI({
      endpoint: sim.url,
      azureADTokenProvider: async () => sim.entraToken,
      apiVersion: sim.apiVersion,
      maxRetries: 0,
    });
    await expect(entra.batches.list()).resolves.toBeDefined();
    const wrong = new AzureOpenAI({ endpoint: sim.url, apiKey: 'not-the-key', apiVersion: sim.apiVersion, maxRetries: 0 });
    const err = await wrong.batches.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).error).toEqual({
      code: '401',
      message: expect.stringContaining('Access denied due to invalid subscription key'),
      param: null,
      type: 'invalid_request_error',
    });
  });

  it('answers 404 "Resource not found" without api-version and 400 for a version without the Batch API', async () => {
    const bare = await fetch(`${sim.url}/openai/batches`, { headers: { 'api-key': sim.apiKey } });
    expect(bare.status).toBe(404);
    expect(await bare.json()).toEqual({ error: expect.objectContaining({ code: '404', message: 'Resource not found' }) });
    expect(bare.headers.get('apim-request-id')).toMatch(/^[a-z0-9]{32}$/);
    const old = new AzureOpenAI({ endpoint: sim.url, apiKey: sim.apiKey, apiVersion: '2023-05-15', maxRetries: 0 });
    const err = await old.batches.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).error).toMatchObject({ code: 'BadRequest', message: 'API version not supported' });
  });

  it('keeps an upload pending for a step and refuses a batch from it until it is processed', async () => {
    const fileId = await upload(jsonl(line('a', 'hi')));
    expect((await client.files.retrieve(fileId)).status).toBe('pending');
    await expect(
      client.batches.create({ input_file_id: fileId, endpoint: '/chat/completions' as never, completion_window: '24h' }),
    ).rejects.toBeInstanceOf(BadRequestError);
    clock += STEP_MS;
    expect((await client.files.retrieve(fileId)).status).toBe('processed');
  });

  it('refuses the OpenAI endpoint form and an upload that is not batch JSONL', async () => {
    const fileId = await upload(jsonl(line('a', 'hi')));
    clock += STEP_MS;
    await expect(
      client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' }),
    ).rejects.toBeInstanceOf(BadRequestError);
    await expect(upload('{"not":"a request"}\n')).rejects.toBeInstanceOf(BadRequestError);
  });
});

describe('Azure OpenAI simulator: batches', () => {
  it('runs validating → in_progress → finalizing → completed, with Azure-shaped objects and files', async () => {
    const created = await batchOf(
      jsonl(line('ok-1', 'What is 2+2?'), line('ok-2', 'Capital of France?'), line('bad', 'please [simulate-content-filter]')),
    );
    // The create answer as the docs' sample: "Validating", ISO times, null counts, no model/usage.
    expect(created.status).toBe('Validating');
    expect(String(created.created_at)).toMatch(/^\d{4}-\d\d-\d\dT.*\+00:00$/);
    expect(created.request_counts).toEqual({ total: null, completed: null, failed: null });
    expect(created).not.toHaveProperty('usage');
    const seen = [];
    for (let i = 0; i < 4; i++) {
      seen.push((await client.batches.retrieve(created.id)).status);
      clock += STEP_MS;
    }
    expect(seen).toEqual(['validating', 'in_progress', 'finalizing', 'completed']);
    const done = await client.batches.retrieve(created.id);
    expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    const out = await lines(done.output_file_id);
    expect(out.map((l) => l.custom_id).sort()).toEqual(['ok-1', 'ok-2']);
    expect(out[0].response.body).toMatchObject({
      model: 'gpt-4o-mini-2024-07-18',
      prompt_filter_results: [expect.objectContaining({ prompt_index: 0 })],
    });
    expect(out[0].response.body.choices[0].content_filter_results.hate).toEqual({ filtered: false, severity: 'safe' });
    const errors = await lines(done.error_file_id);
    expect(errors).toEqual([expect.objectContaining({ custom_id: 'bad', response: expect.objectContaining({ status_code: 400 }) })]);
    expect(errors[0].response.body.error).toMatchObject({ code: 'content_filter', inner_error: { code: 'ResponsibleAIPolicyViolation' } });
  });

  it('names an empty error file on a completed batch with no failures', async () => {
    const created = await batchOf(jsonl(line('only', 'hello')));
    clock += 3 * STEP_MS;
    const done = await client.batches.retrieve(created.id);
    expect(done.status).toBe('completed');
    expect(done.error_file_id).toEqual(expect.any(String));
    expect((await client.files.retrieve(done.error_file_id!)).bytes).toBe(0);
  });

  it.each([
    ['an unknown deployment', 'model_not_found', jsonl(line('a', 'hi', 'no-such-deployment'))],
    ['two deployments in one file', 'model_mismatch', jsonl(line('a', 'hi'), line('b', 'hi', 'gpt-4o'))],
    ['a line whose url is not the endpoint', 'url_mismatch', jsonl(line('a', 'hi', 'gpt-4o-mini', '/v1/chat/completions'))],
    ['a duplicate custom_id', 'duplicate_custom_id', jsonl(line('a', 'hi'), line('a', 'again'))],
    ['a UTF-8 byte order mark', 'invalid_request', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(jsonl(line('a', 'hi')))])],
  ])('fails a batch with %s (%s)', async (_what, code, input) => {
    const created = await batchOf(input);
    clock += STEP_MS;
    const batch = await client.batches.retrieve(created.id);
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data?.[0]?.code).toBe(code);
  });

  it('fails a batch whose completion window is not 24h', async () => {
    const created = await batchOf(jsonl(line('a', 'hi')), '48h');
    clock += STEP_MS;
    const batch = await client.batches.retrieve(created.id);
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data?.[0]).toMatchObject({ param: 'completion_window' });
  });

  it('cancels: cancelling, then cancelled with the requests not run as batch_cancelled lines', async () => {
    const created = await batchOf(jsonl(...Array.from({ length: 10 }, (_, i) => line(`r${i}`, `question ${i}`))));
    clock += STEP_MS + STEP_MS / 2; // half-way through in_progress
    expect((await client.batches.cancel(created.id)).status).toBe('cancelling');
    clock += STEP_MS;
    const batch = await client.batches.retrieve(created.id);
    expect(batch.status).toBe('cancelled');
    const out = await lines(batch.output_file_id);
    const errs = await lines(batch.error_file_id);
    expect(out.length).toBeGreaterThan(0);
    expect(out.length + errs.length).toBe(10);
    expect(errs.every((l) => l.error?.code === 'batch_cancelled')).toBe(true);
  });

  it('lists batches newest first and 404s an unknown one', async () => {
    const a = await batchOf(jsonl(line('a', 'hi')));
    const b = await batchOf(jsonl(line('b', 'hi')));
    const page = await client.batches.list({ limit: 2 });
    expect(page.data.map((x) => x.id)).toEqual([b.id, a.id]);
    await expect(client.batches.retrieve('batch_nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it("allows 100,000 requests a file, not OpenAI's 50,000", () => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] };
    const input = (n: number) =>
      parseInputLines(
        Buffer.from(
          Array.from({ length: n }, (_, i) => JSON.stringify({ custom_id: `c${i}`, method: 'POST', url: '/chat/completions', body })).join(
            '\n',
          ),
        ),
      );
    expect(validateBatchInput(input(60_000), '/chat/completions', AZURE_MAX_REQUESTS)).toEqual([]);
    expect(validateBatchInput(input(AZURE_MAX_REQUESTS + 1), '/chat/completions', AZURE_MAX_REQUESTS)).toEqual([
      expect.objectContaining({ code: 'too_many_tasks' }),
    ]);
  });
});
