// The simulators refuse what the real APIs refuse: each row feeds one simulator a request the real
// provider rejects (docs/providers.md names the source) and expects the provider's own error. If a
// gateway converter sent such a request, its tests would fail on this answer.
import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { answerConverse } from '#local/simulators/bedrock/converse';
import { answer, ModelError } from '#local/simulators/bedrock/model-behaviour';
import { startAnthropicSimulator } from '#local/simulators/anthropic/index';
import { startBedrockSimulator } from '#local/simulators/bedrock/index';
import { simulateOutcome } from '#local/simulators/gemini/outcomes';
import { checkBatchUpload } from '#local/simulators/openai/jsonl';
import type { RunningSimulator } from '#local/simulators/simulator';
import { LOCAL_CREDENTIALS } from '#local/stand-ins';

let anthropicSim: RunningSimulator;
let bedrockSim: RunningSimulator;
let anthropic: Anthropic;
let runtime: BedrockRuntimeClient;

beforeAll(async () => {
  anthropicSim = await startAnthropicSimulator({ stepMs: 20 });
  anthropic = new Anthropic({ baseURL: anthropicSim.url, apiKey: anthropicSim.apiKey, maxRetries: 0 });
  // InvokeModel needs no S3; the endpoint is never called.
  bedrockSim = await startBedrockSimulator({ stepMs: 20, s3: { endpoint: 'http://127.0.0.1:9', region: 'us-west-2' } });
  runtime = new BedrockRuntimeClient({ region: 'us-west-2', endpoint: bedrockSim.url, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
});
afterAll(async () => {
  runtime?.destroy();
  await anthropicSim?.close();
  await bedrockSim?.close();
});

const messages = [{ role: 'user' as const, content: 'Hello' }];

/** [rule, model, extra body fields, expected error, or null when the body must pass]. */
const CLAUDE_ROWS: Array<[string, string, Record<string, unknown>, RegExp | null]> = [
  [
    'Sonnet 4.5 refuses temperature with top_p',
    'claude-sonnet-4-5-20250929',
    { temperature: 0.5, top_p: 0.9 },
    /`temperature` and `top_p` cannot both be specified for this model\. Please use only one\./,
  ],
  ['Haiku 4.5 refuses temperature with top_p', 'claude-haiku-4-5-20251001', { temperature: 0.5, top_p: 0.9 }, /cannot both be specified/],
  ['Opus 4.1 refuses temperature with top_p', 'claude-opus-4-1-20250805', { temperature: 0.5, top_p: 0.9 }, /cannot both be specified/],
  ['Sonnet 4.5 takes temperature alone', 'claude-sonnet-4-5-20250929', { temperature: 0.5 }, null],
  ['Claude 3.5 Haiku takes both', 'claude-3-5-haiku-20241022', { temperature: 0.5, top_p: 0.9 }, null],
  ['Opus 4.7 refuses temperature', 'claude-opus-4-7', { temperature: 0.5 }, /`temperature` is deprecated for this model\./],
  ['Sonnet 5 refuses top_p', 'claude-sonnet-5', { top_p: 0.9 }, /`top_p` is deprecated for this model\./],
  ['Opus 4.7 answers without sampling parameters', 'claude-opus-4-7', {}, null],
];

describe('Anthropic simulator: Claude request rules (per request, in the batch results)', () => {
  it('answers each row as the real API does', async () => {
    const batch = await anthropic.messages.batches.create({
      requests: CLAUDE_ROWS.map(([, model, extra], i) => ({
        custom_id: `row-${i}`,
        params: { model, max_tokens: 20, messages, ...extra } as never,
      })),
    });
    for (let i = 0; i < 200 && (await anthropic.messages.batches.retrieve(batch.id)).processing_status !== 'ended'; i++)
      await new Promise((r) => setTimeout(r, 20));
    const results = new Map<string, Record<string, any>>();
    for await (const r of await anthropic.messages.batches.results(batch.id)) results.set(r.custom_id, r.result as never);
    CLAUDE_ROWS.forEach(([rule, , , expected], i) => {
      const result = results.get(`row-${i}`)!;
      if (expected === null) expect({ rule, type: result.type }).toEqual({ rule, type: 'succeeded' });
      else {
        expect({ rule, type: result.type, error: result.error.error.type }).toEqual({
          rule,
          type: 'errored',
          error: 'invalid_request_error',
        });
        expect(result.error.error.message).toMatch(expected);
      }
    });
  });
});

describe('Bedrock simulator: Claude request rules (InvokeModel)', () => {
  const bedrockId = (model: string) => `us.anthropic.${model}-v1:0`;
  it.each(CLAUDE_ROWS)('%s', async (_rule, model, extra, expected) => {
    const body = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 20, messages, ...extra };
    const call = runtime.send(
      new InvokeModelCommand({
        modelId: bedrockId(model),
        contentType: 'application/json',
        body: new TextEncoder().encode(JSON.stringify(body)),
      }),
    );
    if (expected === null) {
      expect((await call).$metadata.httpStatusCode).toBe(200);
      return;
    }
    const err = await call.catch((e) => e);
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/^The model returned the following errors: /);
    expect(err.message).toMatch(expected);
  });
});

describe('Gemini simulator: request rules (per request, as the batch result line carries them)', () => {
  const user = (text: string) => ({ role: 'user', parts: [{ text }] });
  const call = (signature?: string) => ({
    role: 'model',
    parts: [{ functionCall: { name: 'get_weather', args: {} }, ...(signature ? { thoughtSignature: signature } : {}) }],
  });
  const result = { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { content: 21 } } }] };
  const thinking = (thinkingConfig: Record<string, unknown>) => ({ contents: [user('hi')], generationConfig: { thinkingConfig } });

  const ROWS: Array<[string, string, Record<string, unknown>, RegExp | null]> = [
    [
      'Gemini 3 refuses an unsigned function call in the current turn',
      'gemini-3-flash-preview',
      { contents: [user('weather?'), call(), result] },
      /Function call is missing a thought_signature in functionCall parts.*position 1/,
    ],
    [
      'Gemini 3 takes the documented placeholder signature',
      'gemini-3-pro-preview',
      { contents: [user('weather?'), call('skip_thought_signature_validator'), result] },
      null,
    ],
    [
      'Gemini 3 does not check turns before the last user message',
      'gemini-3-pro-preview',
      { contents: [user('weather?'), call(), result, user('thanks')] },
      null,
    ],
    ['Gemini 2.5 takes an unsigned function call', 'gemini-2.5-flash', { contents: [user('weather?'), call(), result] }, null],
    [
      'thinkingLevel and thinkingBudget together',
      'gemini-3-flash-preview',
      thinking({ thinkingLevel: 'LOW', thinkingBudget: 1024 }),
      /only one of thinking budget and thinking level/,
    ],
    [
      'thinkingLevel on Gemini 2.5',
      'gemini-2.5-flash',
      thinking({ thinkingLevel: 'LOW' }),
      /Thinking level is not supported for this model/,
    ],
    [
      'MEDIUM on Gemini 3 Pro',
      'gemini-3-pro-preview',
      thinking({ thinkingLevel: 'MEDIUM' }),
      /Thinking level MEDIUM is not supported for this model/,
    ],
    ['MEDIUM on Gemini 3 Flash', 'gemini-3-flash-preview', thinking({ thinkingLevel: 'MEDIUM' }), null],
    [
      'thinking off on Gemini 2.5 Pro',
      'gemini-2.5-pro',
      thinking({ thinkingBudget: 0 }),
      /Budget 0 is invalid. This model only works in thinking mode/,
    ],
    ['thinking off on Gemini 2.5 Flash', 'gemini-2.5-flash', thinking({ thinkingBudget: 0 }), null],
  ];

  it.each(ROWS)('%s', (_rule, model, request, expected) => {
    const outcome = simulateOutcome('batch', 'key', request, model) as { error?: { code: number; status: string; message: string } };
    if (expected === null) {
      expect(outcome.error).toBeUndefined();
      return;
    }
    expect(outcome.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(outcome.error!.message).toMatch(expected);
  });
});

describe('OpenAI simulator: a batch file that starts with a byte order mark', () => {
  const line = JSON.stringify({
    custom_id: 'a',
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages: [] },
  });
  it('is refused at upload (line 1 is not JSON), where before it passed the upload and crashed the batch', () => {
    expect(checkBatchUpload(Buffer.from('\uFEFF' + line + '\n'))).toEqual({
      ok: false,
      message: 'Invalid file format for Batch API. Must be .jsonl (line 1 is not valid JSON).',
    });
    expect(checkBatchUpload(Buffer.from(line + '\n'))).toEqual({ ok: true });
  });
});

describe('Bedrock simulator: model ids', () => {
  const claude = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 20, messages };
  const nova = { messages: [{ role: 'user', content: [{ text: 'Hello' }] }] };
  const invoke = (modelId: string, body: unknown) =>
    runtime.send(
      new InvokeModelCommand({ modelId, contentType: 'application/json', body: new TextEncoder().encode(JSON.stringify(body)) }),
    );

  it.each([
    ['anthropic.claude-sonnet-4-5-20250929-v1:0', claude],
    ['anthropic.claude-3-7-sonnet-20250219-v1:0', claude],
    ['amazon.nova-premier-v1:0', nova],
  ])('InvokeModel on the bare id of %s needs an inference profile', async (modelId, body) => {
    const err = await invoke(modelId, body).catch((e) => e);
    expect(err.name).toBe('ValidationException');
    expect(err.message).toBe(
      `Invocation of model ID ${modelId} with on-demand throughput isn\u2019t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`,
    );
    expect((await invoke(`us.${modelId}`, body)).$metadata.httpStatusCode).toBe(200);
  });

  it('a non-chat Nova model takes no chat body', async () => {
    const err = await invoke('amazon.nova-canvas-v1:0', nova).catch((e) => e);
    expect(err.name).toBe('ValidationException');
  });
});

describe('Bedrock simulator: the Converse API and Converse-type jobs', () => {
  const request = { messages: [{ role: 'user', content: [{ text: 'Hello' }] }], inferenceConfig: { maxTokens: 20 } };

  it('answers the runtime Converse operation in the Converse response shape', async () => {
    const out = await runtime.send(new ConverseCommand({ modelId: 'mistral.mistral-large-2407-v1:0', ...(request as object) }));
    expect(out.output?.message?.content?.[0]?.text).toMatch(/^Simulated Converse reply to: Hello/);
    expect(out.stopReason).toBe('end_turn');
    expect(out.usage?.totalTokens).toBeGreaterThan(0);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'toolConfig in a Converse-type job record',
      { ...request, toolConfig: { tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object' } } } }] } },
      /toolConfig is not supported in batch inference jobs/,
    ],
    [
      'toolUse blocks without toolConfig',
      {
        messages: [
          { role: 'user', content: [{ text: 'x' }] },
          { role: 'assistant', content: [{ toolUse: { toolUseId: 't', name: 'f', input: {} } }] },
          { role: 'user', content: [{ text: 'y' }] },
        ],
      },
      /toolConfig field must be defined/,
    ],
    ['an empty text block', { messages: [{ role: 'user', content: [{ text: '' }] }] }, /non-empty string/],
    [
      'Claude via Converse with temperature and topP',
      { ...request, inferenceConfig: { temperature: 0.5, topP: 0.9 } },
      /cannot both be specified/,
    ],
  ])('refuses %s with a 400', (_rule, body, message) => {
    const model = /Claude/.test(_rule) ? 'anthropic.claude-sonnet-4-5-20250929-v1:0' : 'mistral.mistral-large-2407-v1:0';
    let error: unknown;
    try {
      answerConverse(model, body, true);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).status).toBe(400);
    expect((error as Error).message).toMatch(message);
  });

  it('a Converse-shaped record of a Converse-only family in an InvokeModel-type job is malformed', () => {
    expect(() => answer('converse', 'mistral.mistral-large-2407-v1:0', request, true)).toThrow(/Malformed input request/);
  });
});
