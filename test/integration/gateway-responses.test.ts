// Responses, completions and moderations batches through the official OpenAI SDK: Responses on all four
// providers (native on OpenAI, translated elsewhere), completions and moderations on OpenAI, and the
// 400s at upload and create for what a provider cannot run.
import OpenAI from 'openai';
import { jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';
import { schemaErrors } from '#test/support/openai-schema';

let t: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  t = await startTestGateway();
  client = t.client();
});
afterAll(async () => t?.close());

const line = (customId: string, url: string, body: Record<string, unknown>) =>
  JSON.stringify({ custom_id: customId, method: 'POST', url, body });
const responsesLine = (customId: string, model: string, extra: Record<string, unknown> = {}) =>
  line(customId, '/v1/responses', {
    model,
    instructions: 'Answer briefly.',
    input: [{ role: 'user', content: [{ type: 'input_text', text: `Question ${customId}?` }] }],
    max_output_tokens: 200,
    ...extra,
  });

async function runBatch(provider: string, endpoint: string, lines: string[], extra: Record<string, unknown> = {}) {
  const file = await upload(client, jsonl(lines), { provider, ...extra });
  const batch = await client.batches.create({ input_file_id: file.id, endpoint, completion_window: '24h', provider } as never);
  expect(batch.endpoint).toBe(endpoint);
  const { batch: done } = await pollUntilDone(client, batch.id, { provider }, 60_000);
  return { done, output: await readJsonl(client, done.output_file_id), errors: await readJsonl(client, done.error_file_id) };
}

describe('Responses batches on every provider', () => {
  test.each([
    ['openai', 'gpt-4o-mini'],
    ['anthropic', 'claude-sonnet-4-5'],
    ['bedrock', 'anthropic.claude-3-5-haiku-20241022-v1:0'],
    ['bedrock', 'us.amazon.nova-lite-v1:0'],
    ['gemini', 'gemini-2.5-flash'],
  ])(
    '%s %s: output lines carry OpenAI Response objects, usage counts for cost',
    async (provider, model) => {
      const { done, output, errors } = await runBatch(provider, '/v1/responses', [
        responsesLine('r1', model),
        responsesLine('r2', model, { temperature: 0.3 }),
      ]);
      expect(done.status).toBe('completed');
      expect(errors).toEqual([]);
      expect(output.map((l) => l.custom_id).sort()).toEqual(['r1', 'r2']);
      for (const l of output) {
        const body = l.response!.body as OpenAI.Responses.Response;
        expect(schemaErrors('Response', body)).toEqual([]);
        expect(body).toMatchObject({ object: 'response', status: 'completed' });
        expect(body.id).toMatch(/^resp_/);
        const message = body.output.find((item) => item.type === 'message') as OpenAI.Responses.ResponseOutputMessage;
        expect(message.content[0]).toMatchObject({ type: 'output_text', text: expect.any(String) });
        expect(body.usage!.input_tokens).toBeGreaterThan(0);
        expect(body.usage!.output_tokens).toBeGreaterThan(0);
        expect(body.usage!.total_tokens).toBe(body.usage!.input_tokens + body.usage!.output_tokens);
      }
      const sum = output.reduce((n, l) => n + (l.response!.body as OpenAI.Responses.Response).usage!.input_tokens, 0);
      expect(done.usage?.input_tokens).toBe(sum);
    },
    90_000,
  );

  test('a function tool the model calls comes back as a function_call output item (Anthropic)', async () => {
    const tool = {
      type: 'function',
      name: 'weather',
      description: 'Weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    };
    const { output } = await runBatch('anthropic', '/v1/responses', [
      responsesLine('t1', 'claude-sonnet-4-5', { tools: [tool], tool_choice: 'required' }),
    ]);
    const body = output[0].response!.body as OpenAI.Responses.Response;
    expect(schemaErrors('Response', body)).toEqual([]);
    const call = body.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ type: 'function_call', name: 'weather', status: 'completed' });
    expect(call.call_id).toEqual(expect.any(String));
    expect(() => JSON.parse(call.arguments)).not.toThrow();
  }, 60_000);

  test('max_output_tokens below 16: OpenAI (the simulator, as the real API) refuses the line; the gateway refuses it at upload for openai only', async () => {
    const sim = t.gateway.providers.find((p) => p.provider === 'openai')!;
    const direct = new OpenAI({ baseURL: sim.url, apiKey: sim.simulator!.apiKey, maxRetries: 0 });
    const file = await upload(direct, jsonl([responsesLine('small', 'gpt-4o-mini', { max_output_tokens: 8 })]));
    let batch = await direct.batches.create({ input_file_id: file.id, endpoint: '/v1/responses', completion_window: '24h' });
    for (const deadline = Date.now() + 30_000; !['completed', 'failed'].includes(batch.status) && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 50));
      batch = await direct.batches.retrieve(batch.id);
    }
    const errorLine = JSON.parse((await (await direct.files.content(batch.error_file_id!)).text()).trim());
    expect(errorLine.response).toMatchObject({
      status_code: 400,
      body: { error: { param: 'max_output_tokens', code: 'integer_below_min_value' } },
    });

    const refused = await upload(
      client,
      jsonl([responsesLine('ok', 'gpt-4o-mini'), responsesLine('small', 'gpt-4o-mini', { max_output_tokens: 8 })]),
      { provider: 'openai' },
    ).catch((e) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused.message).toMatch(/^400 Line 2: body\.max_output_tokens must be at least 16/);
    const translated = await runBatch('gemini', '/v1/responses', [responsesLine('small', 'gemini-2.5-flash', { max_output_tokens: 8 })]);
    expect(translated.done.request_counts).toEqual({ total: 1, completed: 1, failed: 0 });
  }, 60_000);
});

describe('completions and moderations on OpenAI', () => {
  test('completions: text_completion bodies; a chat model is refused per line as OpenAI does', async () => {
    const lines = [
      line('c1', '/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi', max_tokens: 30 }),
      line('c2', '/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: ['a', 'b'] }),
    ];
    const { done, output } = await runBatch('openai', '/v1/completions', lines);
    expect(done.status).toBe('completed');
    expect(output).toHaveLength(2);
    for (const l of output) {
      expect(schemaErrors('CreateCompletionResponse', l.response!.body)).toEqual([]);
      expect(l.response!.body).toMatchObject({ object: 'text_completion', model: 'gpt-3.5-turbo-instruct' });
    }
    expect((output.find((l) => l.custom_id === 'c2')!.response!.body as OpenAI.Completion).choices).toHaveLength(2);
    expect(done.usage?.input_tokens).toBeGreaterThan(0);

    const chatModel = await runBatch('openai', '/v1/completions', [line('x', '/v1/completions', { model: 'gpt-4o-mini', prompt: 'hi' })]);
    expect(chatModel.errors[0].response).toMatchObject({
      status_code: 404,
      body: { error: { message: expect.stringMatching(/chat model and not supported in the v1\/completions endpoint/) } },
    });
  }, 90_000);

  test('moderations: moderation bodies, flagged and not', async () => {
    const lines = [
      line('m1', '/v1/moderations', { model: 'omni-moderation-latest', input: 'a kind sentence' }),
      line('m2', '/v1/moderations', { model: 'omni-moderation-latest', input: ['fine', 'bad [simulate-flagged]'] }),
    ];
    const { done, output } = await runBatch('openai', '/v1/moderations', lines);
    expect(done.status).toBe('completed');
    const byId = Object.fromEntries(output.map((l) => [l.custom_id, l.response!.body as OpenAI.ModerationCreateResponse]));
    for (const body of Object.values(byId)) expect(schemaErrors('CreateModerationResponse', body)).toEqual([]);
    expect(byId.m1.results.map((r) => r.flagged)).toEqual([false]);
    expect(byId.m2.results.map((r) => r.flagged)).toEqual([false, true]);
  }, 60_000);
});

describe('what a provider cannot run is a 400 naming the line (upload) or the endpoint (create)', () => {
  const fileIds = async () => (await client.files.list()).data.map((f) => f.id).sort();
  /** The upload is refused and leaves no file behind. */
  const refusedUpload = async (provider: string, lines: string[]) => {
    const before = await fileIds();
    const error = await upload(client, jsonl(lines), { provider }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(await fileIds()).toEqual(before);
    return error as InstanceType<typeof OpenAI.BadRequestError>;
  };

  test.each([
    [
      'anthropic',
      line('a', '/v1/completions', { model: 'claude-sonnet-4-5', prompt: 'x' }),
      /^400 Line 1: url \/v1\/completions: provider 'anthropic' does not run \/v1\/completions batches/,
      'unsupported_endpoint',
    ],
    [
      'bedrock',
      line('a', '/v1/moderations', { input: 'x' }),
      /provider 'bedrock' does not run \/v1\/moderations batches/,
      'unsupported_endpoint',
    ],
    [
      'gemini',
      responsesLine('a', 'gemini-2.5-flash', { tools: [{ type: 'web_search' }] }),
      /^400 Line 1: body\.tools\[0\] of type "web_search" is a built-in OpenAI tool/,
      'unsupported_parameter',
    ],
    [
      'bedrock',
      responsesLine('a', 'us.amazon.nova-lite-v1:0', { previous_response_id: 'resp_1' }),
      /^400 Line 1: body\.previous_response_id is not supported here/,
      'unsupported_parameter',
    ],
    [
      'openai',
      responsesLine('a', 'gpt-4o-mini', { background: true }),
      /^400 Line 1: body\.background is not supported in batches/,
      'unsupported_parameter',
    ],
    [
      'anthropic',
      responsesLine('a', 'claude-sonnet-4-5', { stream: true }),
      /^400 Line 1: body\.stream is not supported in batches/,
      'unsupported_parameter',
    ],
  ])('upload for %s: %s', async (provider, text, message, code) => {
    const error = await refusedUpload(provider, [text]);
    expect(error.message).toMatch(message);
    expect(error.code).toBe(code);
  });

  test('a line number past the first, in a file of one url', async () => {
    const error = await refusedUpload('gemini', [
      responsesLine('a', 'gemini-2.5-flash'),
      responsesLine('b', 'gemini-2.5-flash', { tools: [{ type: 'file_search' }] }),
    ]);
    expect(error.message).toMatch(/^400 Line 2: body\.tools\[0\]/);
  });

  test('batches.create: an endpoint the provider does not run names provider and endpoint; a file of another url is a mismatch', async () => {
    const file = await upload(client, jsonl([responsesLine('a', 'claude-sonnet-4-5')]), { provider: 'anthropic' });
    const refused = await client.batches
      .create({ input_file_id: file.id, endpoint: '/v1/completions', completion_window: '24h', provider: 'anthropic' } as never)
      .catch((e) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused.message).toMatch(/provider 'anthropic' does not run \/v1\/completions batches/);
    expect(refused.param).toBe('endpoint');
    const mismatch = await client.batches
      .create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', provider: 'anthropic' } as never)
      .catch((e) => e);
    expect(mismatch.code).toBe('url_mismatch');
  });

  test('inline Anthropic requests run on chat completions only', async () => {
    const requests = [
      { custom_id: 'i1', params: { model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] } },
    ];
    const error = await client.batches
      .create({ input_file_id: '', endpoint: '/v1/responses', completion_window: '24h', provider: 'anthropic', requests } as never)
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toMatch(/Inline Anthropic requests run on \/v1\/chat\/completions only/);
    expect(error.code).toBe('unsupported_endpoint');
  });

  test('a Responses feature the converter refuses fails the batch naming the line and the Responses field', async () => {
    const lines = [
      responsesLine('a', 'claude-sonnet-4-5'),
      responsesLine('b', 'claude-sonnet-4-5', { text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object' } } } }),
    ];
    const { done } = await runBatch('anthropic', '/v1/responses', lines);
    expect(done.status).toBe('failed');
    expect(done.errors?.data?.[0]).toMatchObject({ line: 2 });
    expect(done.errors?.data?.[0].message).toMatch(/Line 2: .*text\.format/);
  }, 60_000);
});
