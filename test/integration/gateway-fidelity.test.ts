// Real-provider rules through the gateway and the official OpenAI SDK: each test sends what a user
// writes, against simulators that refuse what the real APIs refuse (test/integration/simulator-rules),
// and expects every line to run, or a 400 naming the line before anything is sent.
import OpenAI from 'openai';
import { BedrockClient, ListModelInvocationJobsCommand } from '@aws-sdk/client-bedrock';
import { jobNameFor } from '#lambda/providers/bedrock/adapter';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';

let t: TestGateway;
const SEED_BUCKET = 'your-s3-bucket';
let client: OpenAI;

beforeAll(async () => {
  // The seed names its own bucket; an operator allows it (stack prop allowedBuckets / FINOPS_ALLOWED_BUCKETS).
  t = await startTestGateway({ env: { FINOPS_ALLOWED_BUCKETS: SEED_BUCKET } });
  client = t.client();
});
afterAll(async () => t?.close());

const create = (provider: string, fileId: string, extra: Record<string, unknown> = {}) =>
  client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h', provider, ...extra } as never);

/**
 * Issue 12: batches.create records the batch `validating` and the tracker converts it, so a line that
 * breaks a rule fails the batch with OpenAI's errors list naming the line, and nothing is run.
 */
async function expectLineRefused(provider: string, fileId: string, message: RegExp, extra: Record<string, unknown> = {}) {
  const batch = await create(provider, fileId, extra);
  expect(batch.status).toBe('validating');
  const { batch: done } = await pollUntilDone(client, batch.id, {}, 60_000);
  expect(done.status).toBe('failed');
  expect(done.errors?.data).toEqual([expect.objectContaining({ message: expect.stringMatching(message), line: 2 })]);
  expect(done.output_file_id).toBeNull();
  expect((await readJsonl(client, done.error_file_id)).map((l) => l.custom_id).sort()).toEqual(['a', 'b']);
}

async function runToCompletion(provider: string, lines: string[], extra: Record<string, unknown> = {}) {
  const file = await upload(client, jsonl(lines), { provider });
  const batch = await create(provider, file.id, extra);
  const { batch: done } = await pollUntilDone(client, batch.id, {}, 60_000);
  return { done, output: await readJsonl(client, done.output_file_id), errors: await readJsonl(client, done.error_file_id) };
}

describe('Claude sampling parameters (capability table)', () => {
  const sampled = { temperature: 0.4, top_p: 0.9 };
  test.each([
    ['anthropic', 'claude-sonnet-4-5-20250929'],
    ['anthropic', 'claude-haiku-4-5'],
    ['bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
    ['bedrock', 'anthropic.claude-opus-4-1-20250805-v1:0'],
  ])('%s %s: lines with temperature and top_p all run (top_p dropped)', async (provider, model) => {
    const { done, output, errors } = await runToCompletion(provider, [
      chatLine('a', model, 'one', sampled),
      chatLine('b', model, 'two', sampled),
    ]);
    expect(errors).toEqual([]);
    expect(done.status).toBe('completed');
    expect(output.map((l) => l.response?.status_code)).toEqual([200, 200]);
  });

  test.each([
    ['anthropic', 'claude-opus-4-7'],
    ['bedrock', 'global.anthropic.claude-sonnet-5-v1:0'],
  ])('%s %s: a non-default temperature fails the batch naming the line', async (provider, model) => {
    const file = await upload(client, jsonl([chatLine('a', model, 'one'), chatLine('b', model, 'two', { temperature: 0.2 })]), {
      provider,
    });
    await expectLineRefused(provider, file.id, /Line 2.*temperature/);
  });
});

describe('Gemini thinking and thought signatures (capability table)', () => {
  const toolHistory = (customId: string, model: string) =>
    JSON.stringify({
      custom_id: customId,
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model,
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
        ],
        tools: [
          { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
        ],
      },
    });

  test('Gemini 3: an OpenAI tool-call history (no thought signatures) runs', async () => {
    const model = 'gemini-3-flash-preview';
    const { done, output, errors } = await runToCompletion('gemini', [toolHistory('t1', model), toolHistory('t2', model)], { model });
    expect(errors).toEqual([]);
    expect(done.status).toBe('completed');
    expect(output.map((l) => l.response?.status_code)).toEqual([200, 200]);
  });

  test.each([
    ['gemini-3-pro-preview', 'medium'],
    ['gemini-3-flash-preview', 'none'],
    ['gemini-2.5-pro', 'low'],
  ])('%s with reasoning_effort %s runs', async (model, effort) => {
    const { done, errors } = await runToCompletion('gemini', [chatLine('r1', model, 'think', { reasoning_effort: effort })], { model });
    expect(errors).toEqual([]);
    expect(done.request_counts).toEqual({ total: 1, completed: 1, failed: 0 });
  });

  test('gemini-2.5-pro cannot turn thinking off: reasoning_effort "none" is a 400 naming the line', async () => {
    const err = await upload(
      client,
      jsonl([chatLine('a', 'gemini-2.5-pro', 'x'), chatLine('b', 'gemini-2.5-pro', 'x', { reasoning_effort: 'none' })]),
      { provider: 'gemini' },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toMatch(/Line 2.*reasoning_effort.*cannot turn thinking off/);
  });
});

describe('edge cases a user hit', () => {
  test.each(['openai', 'gemini', 'bedrock'])(
    '%s: a file that starts with a UTF-8 BOM is stored without it and its batch runs',
    async (provider) => {
      const model = { openai: 'gpt-4o-mini', gemini: 'gemini-2.5-flash', bedrock: 'anthropic.claude-3-haiku-20240307-v1:0' }[provider]!;
      const content = jsonl([chatLine('bom-1', model, 'hi'), chatLine('bom-2', model, 'there')]);
      const file = await upload(client, '\uFEFF' + content, { provider });
      expect(file.bytes).toBe(Buffer.byteLength(content));
      expect(await (await client.files.content(file.id)).text()).toBe(content);
      const batch = await create(provider, file.id, { model });
      const { batch: done } = await pollUntilDone(client, batch.id, {}, 60_000);
      expect(done.status).toBe('completed');
      expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    },
  );

  test('a UTF-8 filename sent by the SDK is kept as it was written', async () => {
    const name = 'données-日本.jsonl';
    const file = await upload(client, jsonl([chatLine('n', 'gpt-4o-mini', 'hi')]), { provider: 'openai' }, name);
    expect(file.filename).toBe(name);
    expect((await client.files.retrieve(file.id)).filename).toBe(name);
  });

  test('every response carries x-request-id: successes, handler errors and the gateway’s own answers', async () => {
    const { response, data } = await client.files.list().withResponse();
    expect(Array.isArray(data.data)).toBe(true);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const file = await upload(client, jsonl([chatLine('r', 'gpt-4o-mini', 'hi')]), { provider: 'openai' });
    expect((file as unknown as { _request_id?: string })._request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.files.retrieve(file.id))._request_id).toMatch(/^[0-9a-f-]{36}$/);

    const notFound = await client.files.retrieve('file-doesnotexist').catch((e) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect(notFound.requestID).toMatch(/^[0-9a-f-]{36}$/);

    const wrongKey = await new OpenAI({ baseURL: t.gateway.baseURL, apiKey: 'sk-wrong', maxRetries: 0 }).files.list().catch((e) => e);
    expect(wrongKey).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(wrongKey.requestID).toMatch(/^[0-9a-f-]{36}$/);

    const unknownRoute = await fetch(`${t.gateway.baseURL}/no-such-route`, {
      headers: { authorization: `Bearer ${t.gateway.apiKeys[0]}` },
    });
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('uploads.complete on an unknown upload id is a 404, whatever part_ids says', async () => {
    for (const part_ids of [[], ['part_abc']]) {
      const err = await client.uploads.complete('upload_doesnotexist', { part_ids }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    }
    // The body is still checked for an upload that exists.
    const upload = await client.uploads.create({ filename: 'x.jsonl', purpose: 'batch', bytes: 10, mime_type: 'application/jsonl' });
    const bad = await client.uploads.complete(upload.id, { part_ids: [] }).catch((e) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
  });

  test('cancelling a small Bedrock batch that runs on demand ends cancelled, every line accounted for', async () => {
    const model = 'anthropic.claude-3-haiku-20240307-v1:0';
    const ids = Array.from({ length: 60 }, (_, i) => `od-${i}`);
    const file = await upload(client, jsonl(ids.map((id) => chatLine(id, model, id))), { provider: 'bedrock' });
    const batch = await create('bedrock', file.id, { model });
    expect(batch.metadata).toMatchObject({ run_mode: 'on_demand' });
    expect((await client.batches.cancel(batch.id)).status).toBe('cancelling');
    const { batch: done } = await pollUntilDone(client, batch.id, {}, 60_000);
    expect(done.status).toBe('cancelled');
    const output = await readJsonl(client, done.output_file_id);
    const errors = await readJsonl(client, done.error_file_id);
    expect([...output, ...errors].map((l) => l.custom_id).sort()).toEqual([...ids].sort());
    for (const line of errors) expect(line.error?.code).toBe('batch_cancelled');
  });
});

describe('Bedrock regions: the seed’s example stores its input in us-west-2', () => {
  const model = 'anthropic.claude-3-sonnet-20240229-v1:0';
  const storage_config = { s3: { bucket: SEED_BUCKET, region: 'us-west-2', prefix: 'batch-input' } };

  test.each([
    ['2 requests (on demand)', 2, 'on_demand'],
    ['120 requests (a Bedrock job in us-west-2)', 120, 'batch_job'],
  ])(
    '%s: upload, create with output_s3_uri, results',
    async (_name, count, runMode) => {
      const ids = Array.from({ length: count }, (_, i) => `req-${i + 1}`);
      const file = await upload(
        client,
        jsonl(ids.map((id) => chatLine(id, model, `What is ${id}?`))),
        { provider: 'bedrock', storage_config },
        'batch_e2e.jsonl',
      );
      const batch = await create('bedrock', file.id, { model, output_s3_uri: `s3://${SEED_BUCKET}/batch-output` });
      expect(batch.metadata).toMatchObject({ run_mode: runMode });
      const { batch: done } = await pollUntilDone(client, batch.id, { provider: 'bedrock' }, 60_000);
      expect(done.status).toBe('completed');
      expect(done.request_counts).toEqual({ total: count, completed: count, failed: 0 });
      expect((await readJsonl(client, done.output_file_id)).map((l) => l.custom_id).sort()).toEqual([...ids].sort());
      if (runMode === 'batch_job') expect(await jobArnOf(batch.id)).toMatch(/^arn:aws:bedrock:us-west-2:/);
    },
    90_000,
  );

  test('a file in another region needs an output_s3_uri there: a 400 that says so', async () => {
    const file = await upload(client, jsonl([chatLine('a', model, 'x')]), { provider: 'bedrock', storage_config });
    const err = await create('bedrock', file.id, { model }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toMatch(/us-west-2.*output_s3_uri/);
  });
});

/** The ARN of the gateway batch's Bedrock job, as the simulator lists it. */
async function jobArnOf(batchId: string): Promise<string | undefined> {
  const sim = t.gateway.providers.find((p) => p.provider === 'bedrock')!;
  const bedrock = new BedrockClient({ region: 'us-east-1', endpoint: sim.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const page = await bedrock.send(new ListModelInvocationJobsCommand({ maxResults: 1000 }));
  bedrock.destroy();
  return page.invocationJobSummaries?.find((j) => j.jobName === jobNameFor(batchId))?.jobArn;
}

describe('Bedrock model ids: inference profiles on demand, Nova models that are no chat models', () => {
  test.each(['anthropic.claude-sonnet-4-5-20250929-v1:0', 'amazon.nova-premier-v1:0', 'meta.llama3-3-70b-instruct-v1:0'])(
    '%s below the job minimum runs on demand through its inference profile, priced at on-demand rates',
    async (model) => {
      const { done, output, errors } = await runToCompletion('bedrock', [chatLine('p1', model, 'one'), chatLine('p2', model, 'two')], {
        model,
      });
      expect(errors).toEqual([]);
      expect(done.status).toBe('completed');
      expect(done.model).toBe(model); // the client's id, not the profile's
      expect(output.map((l) => l.response?.status_code)).toEqual([200, 200]);
      const finops = (done as unknown as { finops: { cost_usd: number; on_demand_cost_usd: number; savings_usd: number } | null }).finops;
      expect(finops).not.toBeNull(); // every one of these models is in the price table
      expect(finops!.cost_usd).toBeGreaterThan(0);
      expect({ savings: finops!.savings_usd, same: finops!.cost_usd === finops!.on_demand_cost_usd }).toEqual({ savings: 0, same: true });
    },
  );

  test('amazon.nova-canvas is refused with a 400 naming the model', async () => {
    const model = 'amazon.nova-canvas-v1:0';
    const file = await upload(client, jsonl([chatLine('c', model, 'a cat')]), { provider: 'bedrock' });
    const err = await create('bedrock', file.id, { model }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain(model);
    expect(err.message).toMatch(/not a chat model/);
  });
});

describe('Bedrock Converse invocation type: families without a native translator', () => {
  test('120 Mistral lines run as one Converse-type Bedrock job', async () => {
    const model = 'mistral.mistral-large-2407-v1:0';
    const ids = Array.from({ length: 120 }, (_, i) => `m-${i}`);
    const { done, output, errors } = await runToCompletion(
      'bedrock',
      ids.map((id) => chatLine(id, model, `question ${id}`, { temperature: 0.3 })),
      { model },
    );
    expect(errors).toEqual([]);
    expect(done.status).toBe('completed');
    expect(done.metadata).toMatchObject({ run_mode: 'batch_job' });
    expect(output).toHaveLength(120);
    expect((output[0].response!.body as OpenAI.ChatCompletion).choices[0].message.content).toMatch(
      /^Simulated Converse reply to: question m-/,
    );
  }, 90_000);

  test.each(['us.deepseek.r1-v1:0', 'openai.gpt-oss-120b-1:0', 'qwen.qwen3-32b-v1:0', 'us.writer.palmyra-x5-v1:0'])(
    '%s below the job minimum runs on demand with Converse',
    async (model) => {
      const { done, output, errors } = await runToCompletion('bedrock', [chatLine('c1', model, 'one'), chatLine('c2', model, 'two')], {
        model,
      });
      expect(errors).toEqual([]);
      expect(done.status).toBe('completed');
      expect(output.map((l) => (l.response!.body as OpenAI.ChatCompletion).choices[0].message.content)).toEqual([
        'Simulated Converse reply to: one',
        'Simulated Converse reply to: two',
      ]);
    },
  );

  test('a line with tools fails the batch for a Converse family, naming the line and field', async () => {
    const model = 'mistral.mistral-large-2407-v1:0';
    const file = await upload(
      client,
      jsonl([chatLine('a', model, 'x'), chatLine('b', model, 'x', { tools: [{ type: 'function', function: { name: 'f' } }] })]),
      { provider: 'bedrock' },
    );
    await expectLineRefused('bedrock', file.id, /Line 2.*body\.tools.*Converse/, { model });
  });
});
