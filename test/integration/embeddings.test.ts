// /v1/embeddings batches through the official OpenAI SDK, on OpenAI (native), Bedrock (Titan V2 as a
// batch job, Cohere Embed v3 on demand) and Gemini (asyncBatchEmbedContent), against the simulators:
// string and array input, dimensions, base64, per-line errors, every line exactly once, request_counts
// in lines, the refusals, and the usage report per endpoint.
import OpenAI from 'openai';
import { jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';
import { schemaErrors } from '#test/support/openai-schema';
import { base64Float32 } from '#lambda/batch-files/embeddings';
import type { BatchRequestOutput } from '#contracts/openai-types';

let t: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  // Bedrock's job minimum at 6 records, so a small Titan batch runs as a job and a smaller one on demand.
  t = await startTestGateway({ simulatorStepMs: 150, env: { FINOPS_BEDROCK_MIN_RECORDS: '6' } });
  client = t.client();
});
afterAll(async () => t?.close());

const embLine = (customId: string, model: string, input: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/embeddings', body: { model, input, ...extra } });

interface EmbeddingBody {
  object: string;
  model: string;
  data: Array<{ object: string; index: number; embedding: number[] | string }>;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** The answer of one line: OpenAI's embedding list, checked against OpenAI's schema (base64 vectors decoded first). */
function bodyOf(lines: BatchRequestOutput[], customId: string): EmbeddingBody & { vectors: number[][] } {
  const line = lines.find((l) => l.custom_id === customId);
  if (!line?.response) throw new Error(`no answer for ${customId}`);
  expect(line.response.status_code).toBe(200);
  const body = line.response.body as EmbeddingBody;
  const vectors = body.data.map((d) => (typeof d.embedding === 'string' ? base64Float32(d.embedding) : d.embedding));
  expect(schemaErrors('CreateEmbeddingResponse', { ...body, data: body.data.map((d, i) => ({ ...d, embedding: vectors[i] })) })).toEqual(
    [],
  );
  expect(body.data.map((d) => d.index)).toEqual(vectors.map((_, i) => i));
  expect(Number.isInteger(body.usage.prompt_tokens) && body.usage.prompt_tokens > 0).toBe(true);
  expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens);
  return { ...body, vectors };
}

const expectSameVector = (a: number[], b: number[]) => {
  expect(a).toHaveLength(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
};

async function run(content: string, provider: string, model?: string) {
  const file = await upload(client, content, { provider });
  const batch = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/embeddings',
    completion_window: '24h',
    provider,
    ...(model ? { model } : {}),
  } as never);
  expect(batch.endpoint).toBe('/v1/embeddings');
  const { batch: done } = await pollUntilDone(client, batch.id, {}, 60_000);
  const lines = [...(await readJsonl(client, done.output_file_id)), ...(await readJsonl(client, done.error_file_id))];
  return { done, lines };
}

describe('embeddings batches', () => {
  test('openai (native): string and array input, dimensions, base64, a failing line', async () => {
    const M = 'text-embedding-3-small';
    const { done, lines } = await run(
      jsonl([
        embLine('e1', M, 'alpha'),
        embLine('e2', M, ['alpha', 'beta'], { dimensions: 256 }),
        embLine('e3', M, 'beta', { dimensions: 256, encoding_format: 'base64' }),
        embLine('e4', M, 'alpha', { dimensions: 256 }),
        embLine('e5', M, 'x [simulate-error]'),
        embLine('e6', M, 'word '.repeat(1000)),
      ]),
      'openai',
    );
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 6, completed: 5, failed: 1 });
    expect(lines.map((l) => l.custom_id).sort()).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
    expect(bodyOf(lines, 'e1').vectors[0]).toHaveLength(1536);
    const e2 = bodyOf(lines, 'e2');
    expect(e2.vectors.map((v) => v.length)).toEqual([256, 256]);
    expectSameVector(e2.vectors[0], bodyOf(lines, 'e4').vectors[0]);
    expectSameVector(e2.vectors[1], bodyOf(lines, 'e3').vectors[0]);
    expect(typeof bodyOf(lines, 'e3').data[0].embedding).toBe('string');
    expect(lines.find((l) => l.custom_id === 'e5')!.response!.status_code).toBe(400);
    const tokens = ['e1', 'e2', 'e3', 'e4', 'e6'].reduce((s, id) => s + bodyOf(lines, id).usage.prompt_tokens, 0);
    expect(tokens).toBeGreaterThan(1000);
    expect(done.usage).toMatchObject({ input_tokens: tokens, output_tokens: 0 });
    // Batch price: half of $0.02 per 1M tokens, rounded to the micro-dollar.
    const finops = (done as unknown as { finops: { cost_usd: number; on_demand_cost_usd: number; savings_usd: number } }).finops;
    expect(finops.cost_usd).toBeCloseTo(Math.round(tokens * 0.01) / 1e6, 9);
    expect(finops.on_demand_cost_usd).toBeCloseTo(Math.round(tokens * 0.02) / 1e6, 9);
    expect(finops.savings_usd).toBeGreaterThan(0);
  });

  test('bedrock Titan V2 as a batch job: arrays split one text per record and joined back in order, base64, counts in lines', async () => {
    const M = 'amazon.titan-embed-text-v2:0';
    const { done, lines } = await run(
      jsonl([
        embLine('t1', M, ['one', 'two', 'three'], { dimensions: 256 }),
        embLine('t2', M, 'two', { dimensions: 256 }),
        embLine('t3', M, ['three', 'four'], { dimensions: 256, encoding_format: 'base64' }),
        embLine('t4', M, 'x [simulate-error]', { dimensions: 256 }),
      ]),
      'bedrock',
    );
    expect(done.status).toBe('completed');
    expect(done.metadata).toMatchObject({ run_mode: 'batch_job' }); // 7 records ≥ the minimum of 6
    expect(done.request_counts).toEqual({ total: 4, completed: 3, failed: 1 });
    expect(lines.map((l) => l.custom_id).sort()).toEqual(['t1', 't2', 't3', 't4']);
    const t1 = bodyOf(lines, 't1');
    expect(t1.model).toBe(M);
    expect(t1.vectors.map((v) => v.length)).toEqual([256, 256, 256]);
    expectSameVector(t1.vectors[1], bodyOf(lines, 't2').vectors[0]);
    expectSameVector(t1.vectors[2], bodyOf(lines, 't3').vectors[0]);
    // Titan counts its tokens (the simulator: 4 characters a token): one 1 + two 1 + three 2.
    expect(t1.usage.prompt_tokens).toBe(4);
    const failed = lines.find((l) => l.custom_id === 't4')!;
    expect(failed.response!.status_code).toBe(400);
    expect(JSON.stringify(failed.response!.body)).toContain('Simulated model error');
  });

  test('bedrock Cohere Embed v3 on demand: 100 texts take two records of at most 96, joined back; tokens estimated', async () => {
    const M = 'cohere.embed-english-v3';
    const texts = Array.from({ length: 100 }, (_, i) => `t${i}`);
    const { done, lines } = await run(
      jsonl([embLine('c1', M, texts, { input_type: 'search_query' }), embLine('c2', M, 't97', { input_type: 'search_query' })]),
      'bedrock',
      M,
    );
    expect(done.status).toBe('completed');
    expect(done.metadata).toMatchObject({ run_mode: 'on_demand' }); // 3 records < 6
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    const c1 = bodyOf(lines, 'c1');
    expect(c1.vectors).toHaveLength(100);
    expect(c1.vectors.every((v) => v.length === 1024)).toBe(true);
    expectSameVector(c1.vectors[97], bodyOf(lines, 'c2').vectors[0]);
    // Cohere reports no tokens: UTF-8 bytes / 4, at least 1 a text = 1 each.
    expect(c1.usage.prompt_tokens).toBe(100);
  });

  test('gemini: asyncBatchEmbedContent, dimensions → outputDimensionality, task_type, base64, a failing line', async () => {
    const M = 'gemini-embedding-001';
    const { done, lines } = await run(
      jsonl([
        embLine('g1', M, ['red', 'green'], { dimensions: 768, task_type: 'RETRIEVAL_DOCUMENT' }),
        embLine('g2', M, 'green', { dimensions: 768, task_type: 'RETRIEVAL_DOCUMENT', encoding_format: 'base64' }),
        embLine('g3', M, 'boom [simulate-error]'),
      ]),
      'gemini',
    );
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    const g1 = bodyOf(lines, 'g1');
    expect(g1.vectors.map((v) => v.length)).toEqual([768, 768]);
    expectSameVector(g1.vectors[1], bodyOf(lines, 'g2').vectors[0]);
    expect(g1.usage.prompt_tokens).toBe(3); // Gemini's tokenCount: red 1 + green 2
    expect(lines.find((l) => l.custom_id === 'g3')!.response!.status_code).toBe(500);
  });

  test('the usage report groups by endpoint', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const report = await client.get<{ data: Array<{ endpoint?: string; batches: number; input_tokens: number; cost_micro_usd: number }> }>(
      '/finops/usage',
      { query: { start: today, end: today, group_by: 'endpoint' } },
    );
    const embeddings = report.data.find((l) => l.endpoint === '/v1/embeddings');
    expect(embeddings?.batches).toBeGreaterThanOrEqual(4);
    expect(embeddings?.input_tokens).toBeGreaterThan(100);
    expect(embeddings?.cost_micro_usd).toBeGreaterThanOrEqual(0);
  });
});

describe('embeddings refusals', () => {
  const status400 = async (promise: Promise<unknown>, ...texts: string[]) => {
    let err: unknown;
    try {
      await promise;
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    for (const text of texts) expect((err as Error).message).toContain(text);
  };

  test('anthropic has no embeddings: a 400 at upload naming the provider and the endpoint', async () => {
    await status400(
      upload(client, jsonl([embLine('a1', 'claude-sonnet-4-5', 'hi')]), { provider: 'anthropic' }),
      'anthropic',
      '/v1/embeddings',
    );
  });

  test('the batch endpoint must match the lines', async () => {
    const file = await upload(client, jsonl([embLine('m1', 'text-embedding-3-small', 'hi')]), { provider: 'openai' });
    await status400(
      client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
      '/v1/embeddings',
    );
  });

  test('a chat model on /v1/embeddings: 400 at batches.create on Bedrock and Gemini', async () => {
    const bedrock = await upload(client, jsonl([embLine('b1', 'amazon.nova-micro-v1:0', 'hi')]), { provider: 'bedrock' });
    await status400(
      client.batches.create({ input_file_id: bedrock.id, endpoint: '/v1/embeddings', completion_window: '24h' }),
      'amazon.nova-micro-v1:0',
      'amazon.titan-embed-text-v2:0',
    );
    const gemini = await upload(client, jsonl([embLine('g1', 'gemini-2.5-flash', 'hi')]), { provider: 'gemini' });
    await status400(
      client.batches.create({ input_file_id: gemini.id, endpoint: '/v1/embeddings', completion_window: '24h' }),
      'not a Gemini embedding model',
    );
  });

  test('what a provider cannot run is a 400 at upload naming the line', async () => {
    await status400(
      upload(
        client,
        jsonl([embLine('ok', 'gemini-embedding-001', 'x'), embLine('big', 'gemini-embedding-001', 'x', { dimensions: 4096 })]),
        { provider: 'gemini' },
      ),
      'Line 2',
      'body.dimensions',
    );
    await status400(
      upload(client, jsonl([embLine('tok', 'amazon.titan-embed-text-v2:0', [1, 2, 3])]), { provider: 'bedrock' }),
      'Line 1',
      'token ids',
    );
    await status400(upload(client, jsonl([embLine('e', 'text-embedding-3-small', '')]), { provider: 'openai' }), 'Line 1', 'empty string');
  });

  test('a Bedrock embeddings line its model cannot run is a 400 at upload naming the line', async () => {
    await status400(
      upload(
        client,
        jsonl([
          embLine('d1', 'amazon.titan-embed-text-v2:0', 'x'),
          embLine('d2', 'amazon.titan-embed-text-v2:0', 'y', { dimensions: 768 }),
        ]),
        { provider: 'bedrock' },
      ),
      'Line 2',
      '256, 512, 1024',
    );
    await status400(
      upload(client, jsonl([embLine('c1', 'cohere.embed-english-v3', ['ok', 'z'.repeat(2049)])]), { provider: 'bedrock' }),
      'Line 1',
      'body.input[1] has 2049 characters',
    );
    await status400(
      upload(client, jsonl([embLine('c2', 'cohere.embed-english-v3', 'x', { task_type: 'CLUSTERING' })]), { provider: 'bedrock' }),
      'Line 1',
      'body.task_type',
      'Gemini',
    );
  });
});
