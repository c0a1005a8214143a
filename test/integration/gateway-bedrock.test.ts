// The seed's Bedrock workflow through the local gateway, the S3 stand-in and the Bedrock simulator.
import OpenAI from 'openai';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';

let t: TestGateway;
let client: OpenAI;

const MODEL = 'anthropic.claude-3-sonnet-20240229-v1:0';
const SEED_BUCKET = 'your-s3-bucket';

beforeAll(async () => {
  // The seed names its own bucket; an operator allows it (stack prop allowedBuckets / FINOPS_ALLOWED_BUCKETS).
  // Steps long enough that a cancel sent right after create reaches a job still running, even on a busy CI machine.
  t = await startTestGateway({ simulatorStepMs: 300, env: { FINOPS_ALLOWED_BUCKETS: SEED_BUCKET } });
  client = t.client();
});
afterAll(async () => t?.close());

const storageConfig = { s3: { bucket: SEED_BUCKET, region: 'us-east-1', prefix: 'batch-input' } };

describe('Bedrock provider through the gateway', () => {
  test('the seed workflow: upload with storage_config, create with model and output_s3_uri (2 requests → on demand)', async () => {
    const content = jsonl([chatLine('req-1', MODEL, 'What is 2+2?'), chatLine('req-2', MODEL, 'What is the capital of France?')]);
    const file = await upload(client, content, { provider: 'bedrock', storage_config: storageConfig }, 'batch_e2e.jsonl');
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', bytes: Buffer.byteLength(content) });
    // retrieve and content work with or without storage_config on the query
    expect((await client.files.retrieve(file.id, { query: { provider: 'bedrock', storage_config: storageConfig } })).id).toBe(file.id);
    expect(await (await client.files.content(file.id, { query: { provider: 'bedrock' } })).text()).toBe(content);

    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'bedrock',
      model: MODEL,
      output_s3_uri: `s3://${SEED_BUCKET}/batch-output`,
    } as never);
    expect(batch.metadata).toMatchObject({ run_mode: 'on_demand' });
    const { batch: done } = await pollUntilDone(client, batch.id, { provider: 'bedrock' });
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    const output = await readJsonl(client, done.output_file_id, { provider: 'bedrock' });
    expect(output.map((l) => l.custom_id).sort()).toEqual(['req-1', 'req-2']);
    const body = output[0].response!.body as OpenAI.ChatCompletion;
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.usage!.prompt_tokens).toBeGreaterThan(0);
  });

  test('a 150-request batch runs as a Bedrock job: output and error files, every line exactly once', async () => {
    const lines = Array.from({ length: 150 }, (_, i) =>
      chatLine(`job-${i}`, MODEL, i % 50 === 7 ? `fail [simulate-error] ${i}` : `question ${i}`),
    );
    const file = await upload(client, jsonl(lines), { provider: 'bedrock' }); // no storage_config: the stack's input bucket
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'bedrock',
      model: MODEL,
    } as never);
    expect(batch.metadata).toMatchObject({ run_mode: 'batch_job' });
    const { batch: done, seen } = await pollUntilDone(client, batch.id, { provider: 'bedrock' }, 60_000);
    expect(done.status).toBe('completed');
    for (const status of seen) expect(['validating', 'in_progress', 'finalizing', 'completed']).toContain(status);
    expect(done.request_counts).toEqual({ total: 150, completed: 147, failed: 3 });
    const output = await readJsonl(client, done.output_file_id);
    const errors = await readJsonl(client, done.error_file_id);
    const ids = [...output, ...errors].map((l) => l.custom_id);
    expect(new Set(ids).size).toBe(150);
    expect(ids.sort()).toEqual(lines.map((l) => JSON.parse(l).custom_id).sort());
    expect(errors.map((l) => l.custom_id).sort()).toEqual(['job-107', 'job-57', 'job-7']);
    expect(errors[0].response?.status_code).toBe(400);
  }, 90_000);

  // Contract changed by issue 12: conversion happens in the tracker's "Submit to provider", so a line
  // that does not translate fails the batch with OpenAI's errors list naming it; no job is made.
  test('a line that does not translate for its model family fails the batch before any job exists', async () => {
    const lines = Array.from({ length: 120 }, (_, i) => chatLine(`t-${i}`, MODEL, 'x', i === 60 ? { n: 2 } : {}));
    const file = await upload(client, jsonl(lines), { provider: 'bedrock' });
    const sim = t.gateway.providers.find((p) => p.provider === 'bedrock')!;
    const jobsBefore = await listJobs(sim.url);
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'bedrock',
      model: MODEL,
    } as never);
    expect(batch.status).toBe('validating');
    const { batch: done } = await pollUntilDone(client, batch.id, { provider: 'bedrock' });
    expect(done.status).toBe('failed');
    expect(done.errors?.data).toEqual([expect.objectContaining({ message: expect.stringMatching(/Line 61/), line: 61 })]);
    const errors = await readJsonl(client, done.error_file_id);
    expect(new Set(errors.map((l) => l.custom_id)).size).toBe(120);
    expect(await listJobs(sim.url)).toBe(jobsBefore);
  });

  test('small_batch: "reject" refuses a batch below the minimum with a clear 400', async () => {
    const file = await upload(client, jsonl([chatLine('s1', MODEL, 'x')]), { provider: 'bedrock' });
    const err = await client.batches
      .create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        provider: 'bedrock',
        model: MODEL,
        small_batch: 'reject',
      } as never)
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/100/);
  });

  test('a bucket the gateway may not use is a clear 400, not AccessDenied', async () => {
    const err = await upload(client, jsonl([chatLine('b', MODEL, 'x')]), {
      provider: 'bedrock',
      storage_config: { s3: { bucket: 'someone-elses-bucket', region: 'us-east-1' } },
    }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/someone-elses-bucket/);
  });

  test('cancel a job: cancelling → cancelled, every line accounted for', async () => {
    const lines = Array.from({ length: 120 }, (_, i) => chatLine(`c-${i}`, MODEL, `q${i}`));
    const file = await upload(client, jsonl(lines), { provider: 'bedrock' });
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'bedrock',
      model: MODEL,
    } as never);
    expect((await client.batches.cancel(batch.id, { provider: 'bedrock' } as never)).status).toBe('cancelling');
    const { batch: done } = await pollUntilDone(client, batch.id, {}, 60_000);
    expect(done.status).toBe('cancelled');
    const all = [...(await readJsonl(client, done.output_file_id)), ...(await readJsonl(client, done.error_file_id))];
    expect(all.map((l) => l.custom_id).sort()).toEqual(lines.map((l) => JSON.parse(l).custom_id).sort());
  }, 90_000);

  test('list with model, as in the seed', async () => {
    const file = await upload(client, jsonl([chatLine('l', 'amazon.nova-lite-v1:0', 'x')]), { provider: 'bedrock' });
    const nova = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'bedrock',
      model: 'amazon.nova-lite-v1:0',
    } as never);
    const page = await client.batches.list({ limit: 10, provider: 'bedrock', model: 'amazon.nova-lite-v1:0' } as never);
    expect(page.data.map((b) => b.id)).toEqual([nova.id]);
    const claude = await client.batches.list({ limit: 100, provider: 'bedrock', model: MODEL } as never);
    expect(claude.data.length).toBeGreaterThanOrEqual(2);
    for (const b of claude.data) expect(b.model).toBe(MODEL);
  });
});

async function listJobs(simUrl: string): Promise<number> {
  const { BedrockClient, ListModelInvocationJobsCommand } = await import('@aws-sdk/client-bedrock');
  const bedrock = new BedrockClient({ region: 'us-east-1', endpoint: simUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const res = await bedrock.send(new ListModelInvocationJobsCommand({ maxResults: 1000 }));
  return res.invocationJobSummaries?.length ?? 0;
}
