// The Bedrock simulator against the official AWS SDK, then bedrockAdapter end to end against it and a
// local S3 (s3rver): file placement, a job-sized batch, an on-demand batch, cancel, faults.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BedrockClient,
  CreateModelInvocationJobCommand,
  GetModelInvocationJobCommand,
  ListModelInvocationJobsCommand,
  StopModelInvocationJobCommand,
  type GetModelInvocationJobResponse,
} from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { S3Client } from '@aws-sdk/client-s3';
import { startS3, LOCAL_CREDENTIALS, type RunningStandIn } from '#local/stand-ins';
import { startBedrockSimulator } from '#local/simulators/bedrock/index';
import type { RunningSimulator } from '#local/simulators/simulator';
import { S3BlobStore, s3ClientConfig } from '#lambda/store/blobs';
import { loadConfig, type RuntimeConfig } from '#lambda/config';
import { validateBatchFile } from '#lambda/batch-files/validate';
import { bedrockAdapter, jobNameFor, type BedrockBatchData } from '#lambda/providers/bedrock/adapter';
import type { CreatedBatch, ProviderContext } from '#lambda/providers/provider';
import type { BatchRecord, FileRecord } from '#contracts/records';
import type { BatchRequestOutput, ChatCompletion } from '#contracts/openai-types';
import { GatewayError } from '#lambda/http/errors';
import { ProviderLostBatchError, ProviderUnavailableError } from '#lambda/providers/errors';
import { newBatchRecord } from '#lambda/batches/record';
import { simulatorContext } from '#test/support/provider-context';
import { bedrockRuntimeClient } from '#lambda/providers/bedrock/clients';
import { batchInput, batchInputFile } from '#test/support/records';
import { collectThroughSink } from '#test/support/collect';

const REGION = 'us-east-1';
const BUCKETS = {
  files: 'finops-files',
  input: 'finops-bedrock-input',
  output: 'finops-bedrock-output',
  allowed: 'customer-allowed',
  forbidden: 'customer-forbidden',
};
const CLAUDE = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';
const LLAMA = 'meta.llama3-1-8b-instruct-v1:0';
const TENANT = 'tenant-a';

let dataDir: string;
let s3Server: RunningStandIn;
let sim: RunningSimulator;
let bedrock: BedrockClient;
let blobs: S3BlobStore;
let config: RuntimeConfig;
let ctx: ProviderContext;
let sequence = 0;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    FINOPS_S3_FORCE_PATH_STYLE: 'true',
  });
  delete process.env.FINOPS_BEDROCK_MIN_RECORDS;
  dataDir = mkdtempSync(join(tmpdir(), 'bedrock-sim-test-'));
  s3Server = await startS3(dataDir, Object.values(BUCKETS));
  sim = await startBedrockSimulator({ stepMs: 40, s3: { endpoint: s3Server.endpoint, region: REGION } });
  process.env.AWS_ENDPOINT_URL_BEDROCK = sim.url;
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = sim.url;
  bedrock = new BedrockClient({ region: REGION });
  blobs = new S3BlobStore(
    new S3Client({ ...s3ClientConfig(REGION), endpoint: s3Server.endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS }),
  );
  config = loadConfig({
    AWS_REGION: REGION,
    FINOPS_FILES_BUCKET: BUCKETS.files,
    FINOPS_BEDROCK_INPUT_BUCKET: BUCKETS.input,
    FINOPS_BEDROCK_OUTPUT_BUCKET: BUCKETS.output,
    FINOPS_ALLOWED_BUCKETS: BUCKETS.allowed,
    FINOPS_BEDROCK_ROLE_ARN: 'arn:aws:iam::000000000000:role/finops-bedrock-batch',
  });
  // No endpoint: Bedrock signs with AWS credentials, so asking for an API key fails the test.
  ctx = simulatorContext({ blobs, config, registersFiles: false });
});

afterAll(async () => {
  bedrock?.destroy();
  await sim?.close();
  await s3Server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

afterEach(() => sim.faults.clear());

// ---- helpers ---------------------------------------------------------------------------------------------

function line(customId: string, model: string, content: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content }], max_tokens: 50, ...extra },
  });
}

/** What files.create does for a Bedrock upload: place, store, validate. */
async function uploadFile(lines: string[], extras: Record<string, unknown> = {}, filename = 'batch_input.jsonl'): Promise<FileRecord> {
  const fileId = `file-test${++sequence}`;
  const blob = await bedrockAdapter.placeFile!(ctx, { tenantId: TENANT, fileId, filename, extras });
  const { bytes } = await blobs.put(blob, lines.join('\n') + '\n', 'application/jsonl');
  const summary = await validateBatchFile(blobs.readLines(blob));
  return batchInputFile({
    id: fileId,
    tenantId: TENANT,
    provider: 'bedrock',
    filename,
    bytes,
    blob,
    lineCount: summary.lineCount,
    model: summary.model,
  });
}

function newBatchId(): string {
  return `batch_test${++sequence}${Date.now().toString(36)}`;
}

async function create(
  file: FileRecord,
  extras: Record<string, unknown> = {},
  model: string | null = null,
  batchId = newBatchId(),
): Promise<{ batch: BatchRecord; created: CreatedBatch }> {
  const input = batchInput({ batchId, tenantId: TENANT, inputFile: file, model, extras });
  const created = await bedrockAdapter.createBatch(ctx, input);
  return { batch: newBatchRecord(input, created, { tenantId: TENANT, provider: 'bedrock' }), created };
}

/** What the tracker does: check until the provider is done, keeping what checkBatch reports. */
async function track(batch: BatchRecord, timeoutMs = 15_000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await bedrockAdapter.checkBatch(ctx, batch);
    batch.status = state.status;
    if (state.requestCounts) batch.requestCounts = state.requestCounts;
    if (state.providerData) batch.providerData = state.providerData;
    if (state.errors) batch.errors = state.errors;
    if (seen[seen.length - 1] !== state.status) seen.push(state.status);
    if (['completed', 'failed', 'expired', 'cancelled'].includes(state.status)) return seen;
    if (Date.now() > deadline) throw new Error(`batch still ${state.status} (seen ${seen.join(' → ')})`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

async function collect(batch: BatchRecord): Promise<Array<Omit<BatchRequestOutput, 'id'>>> {
  return collectThroughSink(bedrockAdapter, ctx, batch);
}

function expectEachOnce(lines: Array<{ custom_id: string }>, customIds: string[]): void {
  expect(lines.map((l) => l.custom_id).sort()).toEqual([...customIds].sort());
}

/** Runs fn with the adapter pointed at a simulator of its own (other step time or options). */
async function withSimulator<T>(
  options: { stepMs: number; reportRecordCounts?: boolean },
  fn: (other: RunningSimulator, client: BedrockClient) => Promise<T>,
): Promise<T> {
  const other = await startBedrockSimulator({ ...options, s3: { endpoint: s3Server.endpoint, region: REGION } });
  const client = new BedrockClient({ region: REGION, endpoint: other.url });
  process.env.AWS_ENDPOINT_URL_BEDROCK = other.url;
  try {
    return await fn(other, client);
  } finally {
    process.env.AWS_ENDPOINT_URL_BEDROCK = sim.url;
    client.destroy();
    await other.close();
  }
}

async function jobsNamed(name: string) {
  const page = await bedrock.send(new ListModelInvocationJobsCommand({ nameContains: name }));
  return (page.invocationJobSummaries ?? []).filter((j) => j.jobName === name);
}

async function waitForJob(
  client: BedrockClient,
  jobArn: string,
  until: (job: GetModelInvocationJobResponse) => boolean,
  timeoutMs = 10_000,
): Promise<GetModelInvocationJobResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.send(new GetModelInvocationJobCommand({ jobIdentifier: jobArn }));
    if (until(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobArn} still ${job.status}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

const gatewayError = async (promise: Promise<unknown>): Promise<GatewayError> => {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
};

// ---- the simulator speaks the AWS SDK's protocol ------------------------------------------------------------

describe('Bedrock simulator with the official @aws-sdk/client-bedrock', () => {
  // Slower steps than the adapter tests use, so each status is observable between two SDK calls.
  let slow: RunningSimulator;
  let sdk: BedrockClient;
  beforeAll(async () => {
    slow = await startBedrockSimulator({ stepMs: 250, s3: { endpoint: s3Server.endpoint, region: REGION } });
    sdk = new BedrockClient({ region: REGION, endpoint: slow.url });
  });
  afterAll(async () => {
    sdk.destroy();
    await slow.close();
  });
  afterEach(() => slow.faults.clear());

  const jobInput = (name: string, extra: Record<string, unknown> = {}) => ({
    jobName: name,
    roleArn: 'arn:aws:iam::000000000000:role/finops-bedrock-batch',
    modelId: CLAUDE,
    inputDataConfig: { s3InputDataConfig: { s3Uri: `s3://${BUCKETS.input}/sdk/${name}/missing.jsonl`, s3InputFormat: 'JSONL' as const } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${BUCKETS.output}/sdk/` } },
    ...extra,
  });

  it('creates idempotently, gets by ARN and by id, and fails a job whose input is missing with a message', async () => {
    const first = await sdk.send(new CreateModelInvocationJobCommand(jobInput('sdk-create-1', { clientRequestToken: 'token-sdk-1' })));
    expect(first.jobArn).toMatch(/^arn:aws:bedrock:us-east-1:000000000000:model-invocation-job\/[a-z0-9]{12}$/);
    const again = await sdk.send(new CreateModelInvocationJobCommand(jobInput('sdk-create-1', { clientRequestToken: 'token-sdk-1' })));
    expect(again.jobArn).toBe(first.jobArn);

    const byArn = await sdk.send(new GetModelInvocationJobCommand({ jobIdentifier: first.jobArn }));
    expect(byArn.status).toBe('Submitted');
    expect(byArn.submitTime).toBeInstanceOf(Date);
    expect(byArn.jobName).toBe('sdk-create-1');
    expect(byArn.timeoutDurationInHours).toBe(24);
    const byId = await sdk.send(new GetModelInvocationJobCommand({ jobIdentifier: first.jobArn!.split('/').pop() }));
    expect(byId.jobArn).toBe(first.jobArn);

    const failed = await waitForJob(sdk, first.jobArn!, (j) => j.status === 'Failed');
    expect(failed.message).toContain('missing.jsonl');
    expect(failed.endTime).toBeInstanceOf(Date);
  });

  it('answers errors in the AWS shape the SDK turns into typed exceptions', async () => {
    const badName = await sdk.send(new CreateModelInvocationJobCommand(jobInput('bad_name'))).catch((e) => e);
    expect(badName.name).toBe('ValidationException');
    expect(badName.$metadata.httpStatusCode).toBe(400);
    expect(badName.message).toContain('jobName');

    const badModel = await sdk
      .send(new CreateModelInvocationJobCommand(jobInput('sdk-bad-model', { modelId: 'cohere.command-r-v1:0' })))
      .catch((e) => e);
    expect(badModel.name).toBe('ValidationException');

    const missing = await sdk
      .send(new GetModelInvocationJobCommand({ jobIdentifier: 'arn:aws:bedrock:us-east-1:000000000000:model-invocation-job/zzzzzzzzzzzz' }))
      .catch((e) => e);
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it('lists with filters and nextToken, and stops a job (Stopping → Stopped)', async () => {
    const a = await sdk.send(new CreateModelInvocationJobCommand(jobInput('sdk-list-a')));
    const b = await sdk.send(new CreateModelInvocationJobCommand(jobInput('sdk-list-b')));
    const page1 = await sdk.send(new ListModelInvocationJobsCommand({ nameContains: 'sdk-list-', maxResults: 1, sortOrder: 'Ascending' }));
    expect(page1.invocationJobSummaries?.map((j) => j.jobArn)).toEqual([a.jobArn]);
    expect(page1.nextToken).toBeTruthy();
    const page2 = await sdk.send(
      new ListModelInvocationJobsCommand({ nameContains: 'sdk-list-', maxResults: 1, sortOrder: 'Ascending', nextToken: page1.nextToken }),
    );
    expect(page2.invocationJobSummaries?.map((j) => j.jobArn)).toEqual([b.jobArn]);
    expect(page2.nextToken).toBeUndefined();
    const future = await sdk.send(
      new ListModelInvocationJobsCommand({ nameContains: 'sdk-list-', submitTimeAfter: new Date(Date.now() + 60_000) }),
    );
    expect(future.invocationJobSummaries).toEqual([]);

    await sdk.send(new StopModelInvocationJobCommand({ jobIdentifier: b.jobArn }));
    const stopping = await sdk.send(new GetModelInvocationJobCommand({ jobIdentifier: b.jobArn }));
    expect(stopping.status).toBe('Stopping');
    const stopped = await waitForJob(sdk, b.jobArn!, (j) => j.status === 'Stopped');
    expect(stopped.endTime).toBeInstanceOf(Date);
    const onlyStopped = await sdk.send(new ListModelInvocationJobsCommand({ nameContains: 'sdk-list-', statusEquals: 'Stopped' }));
    expect(onlyStopped.invocationJobSummaries?.map((j) => j.jobArn)).toEqual([b.jobArn]);
    const stopAgain = await sdk.send(new StopModelInvocationJobCommand({ jobIdentifier: b.jobArn })).catch((e) => e);
    expect(stopAgain.name).toBe('ValidationException');
  });

  it('fails a job below the minimum record count, as the real service does', async () => {
    const key = 'sdk/small/input.jsonl';
    await blobs.put(
      { bucket: BUCKETS.input, key },
      JSON.stringify({
        recordId: 'R00000001',
        modelInput: { anthropic_version: 'bedrock-2023-05-31', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] },
      }) + '\n',
    );
    const job = await sdk.send(
      new CreateModelInvocationJobCommand({
        ...jobInput('sdk-small'),
        inputDataConfig: { s3InputDataConfig: { s3Uri: `s3://${BUCKETS.input}/${key}` } },
      }),
    );
    const failed = await waitForJob(sdk, job.jobArn!, (j) => j.status === 'Failed');
    expect(failed.message).toMatch(/minimum number of records.*100/);
  });

  it('refuses an InvokeModel body over 25,000,000 bytes with the ValidationException Bedrock answers', async () => {
    const runtime = new BedrockRuntimeClient({ region: REGION, endpoint: slow.url, maxAttempts: 1 });
    const invoke = (body: Uint8Array) =>
      runtime.send(new InvokeModelCommand({ modelId: CLAUDE, contentType: 'application/json', body })).catch((e) => e);
    const message = { role: 'user', content: 'Hello' };
    const small = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 5, messages: [message] };
    const fine = await invoke(new TextEncoder().encode(JSON.stringify(small)));
    // Just over the limit: a valid request padded with spaces, so only its size is wrong.
    const text = JSON.stringify(small);
    const tooLarge = await invoke(new TextEncoder().encode(text + ' '.repeat(25_000_001 - text.length)));
    runtime.destroy();
    expect(fine.$metadata.httpStatusCode).toBe(200);
    expect(tooLarge.name).toBe('ValidationException');
    expect(tooLarge.$metadata.httpStatusCode).toBe(400);
    expect(tooLarge.message).toBe(
      "1 validation error detected: Value at 'body' failed to satisfy constraint: Member must have length less than or equal to 25000000",
    );
  });

  it('turns FaultInjector rate limits into ThrottlingException', async () => {
    slow.faults.add({ kind: 'rate_limit', match: 'GET /model-invocation-jobs', times: 5 });
    const client = new BedrockClient({ region: REGION, endpoint: slow.url, maxAttempts: 1 });
    const err = await client.send(new ListModelInvocationJobsCommand({})).catch((e) => e);
    client.destroy();
    expect(err.name).toBe('ThrottlingException');
    expect(err.$metadata.httpStatusCode).toBe(429);
  });
});

// ---- bedrockAdapter end to end ----------------------------------------------------------------------------

describe('bedrockAdapter.placeFile', () => {
  it('defaults to the stack input bucket under files/<tenant>/<fileId>/', async () => {
    const file = await uploadFile([line('a', CLAUDE, 'hello')]);
    expect(file.blob).toEqual({ bucket: BUCKETS.input, key: `files/${TENANT}/${file.id}/batch_input.jsonl` });
    expect((await blobs.getBuffer(file.blob)).toString()).toContain('"custom_id":"a"');
  });

  it('uses storage_config.s3 (nested string fields, as multipart delivers them) for an allowed bucket', async () => {
    const file = await uploadFile([line('a', CLAUDE, 'hello')], {
      storage_config: { s3: { bucket: BUCKETS.allowed, region: REGION, prefix: 'finops-batch-input' } },
    });
    expect(file.blob).toEqual({ bucket: BUCKETS.allowed, key: `finops-batch-input/${TENANT}/${file.id}/batch_input.jsonl` });
    expect(await blobs.size(file.blob)).toBe(file.bytes);
  });

  it('refuses a bucket the gateway may not use with a 400 that says how to allow it', async () => {
    const err = await gatewayError(
      bedrockAdapter.placeFile!(ctx, {
        tenantId: TENANT,
        fileId: 'file-x',
        filename: 'a.jsonl',
        extras: { storage_config: { s3: { bucket: BUCKETS.forbidden, region: REGION } } },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toContain(BUCKETS.forbidden);
    expect(err.message).toContain('FINOPS_ALLOWED_BUCKETS');
    expect(err.message).toContain('allowedBuckets');
  });
});

describe('bedrockAdapter batch job path', () => {
  it('runs a 150-request Claude batch as one Bedrock job and returns every custom_id exactly once', async () => {
    const customIds = Array.from({ length: 150 }, (_, i) => `request-${i + 1}`);
    const lines = customIds.map((id, i) => {
      if (i === 9) return line(id, CLAUDE, 'Please [simulate-error] this one');
      if (i === 19)
        return line(id, CLAUDE, 'What is the weather? [simulate-tool-call]', {
          tools: [
            {
              type: 'function',
              function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
            },
          ],
        });
      if (i === 29) return line(id, CLAUDE, 'one two three four five six', { max_tokens: 3 });
      return JSON.stringify({
        custom_id: id,
        method: 'POST',
        url: '/v1/chat/completions',
        body: {
          model: CLAUDE,
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: `Question number ${i + 1}` },
          ],
          max_completion_tokens: 64,
          temperature: 0.2,
          stop: ['\n\nHuman:'],
        },
      });
    });
    const file = await uploadFile(lines, { storage_config: { s3: { bucket: BUCKETS.allowed, region: REGION, prefix: 'in' } } });
    const { batch, created } = await create(file, { model: CLAUDE, output_s3_uri: `s3://${BUCKETS.allowed}/batch-output` }, CLAUDE);

    expect(created.status).toBe('validating');
    expect(created.metadata).toEqual({ run_mode: 'batch_job' });
    expect(created.requestCounts).toEqual({ total: 150, completed: 0, failed: 0 });
    const data = created.providerData as unknown as BedrockBatchData;
    expect(data.outputUri).toBe(`s3://${BUCKETS.allowed}/batch-output/${TENANT}/${batch.id}/`);

    // What Bedrock was given: one job, the staged records (alphanumeric ids, no `model`), the role and token.
    const job = await bedrock.send(new GetModelInvocationJobCommand({ jobIdentifier: created.providerBatchId! }));
    expect(job.jobName).toBe(jobNameFor(batch.id));
    expect(job.modelId).toBe(CLAUDE);
    expect(job.roleArn).toBe(config.bedrockRoleArn);
    expect(job.clientRequestToken).toBe(batch.id.replace('_', '-'));
    expect(job.inputDataConfig?.s3InputDataConfig?.s3Uri).toBe(`s3://${BUCKETS.input}/batches/${batch.id}/input.jsonl`);
    const staged: Array<{ recordId: string; modelInput: Record<string, unknown> }> = [];
    for await (const l of blobs.readLines({ bucket: BUCKETS.input, key: `batches/${batch.id}/input.jsonl` }))
      staged.push(JSON.parse(l.text));
    expect(staged).toHaveLength(150);
    expect(staged[0].recordId).toBe('R00000001');
    expect(staged[149].recordId).toBe('R00000150');
    expect(staged[0].modelInput).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 64,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Question number 1' }],
      temperature: 0.2,
      stop_sequences: ['\n\nHuman:'],
    });

    const seen = await track(batch);
    expect(seen[0]).toBe('validating');
    expect(seen).toContain('in_progress');
    expect(seen[seen.length - 1]).toBe('completed');
    expect(batch.requestCounts).toEqual({ total: 150, completed: 149, failed: 1 });
    expect((batch.providerData as unknown as BedrockBatchData).jobStatus).toBe('Completed');

    const results = await collect(batch);
    expect(results).toHaveLength(150);
    expectEachOnce(results, customIds);
    const byId = new Map(results.map((r) => [r.custom_id, r]));

    const errorLine = byId.get('request-10')!;
    expect(errorLine.response?.status_code).toBe(400);
    expect((errorLine.response?.body as { error: { message: string } }).error.message).toContain('[simulate-error]');

    const ok = byId.get('request-1')!.response!;
    expect(ok.status_code).toBe(200);
    const completion = ok.body as ChatCompletion;
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe(CLAUDE);
    expect(completion.choices[0].message.content).toBe('Simulated Claude reply to: Question number 1');
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.usage.completion_tokens).toBe(7);
    expect(completion.usage.total_tokens).toBe(completion.usage.prompt_tokens + 7);

    const tool = (byId.get('request-20')!.response!.body as ChatCompletion).choices[0];
    expect(tool.finish_reason).toBe('tool_calls');
    expect(tool.message.tool_calls?.[0].function.name).toBe('get_weather');
    expect(JSON.parse(tool.message.tool_calls![0].function.arguments)).toHaveProperty('query');

    expect((byId.get('request-30')!.response!.body as ChatCompletion).choices[0].finish_reason).toBe('length');

    // Collecting twice gives the same lines (the tracker may retry).
    expect(await collect(batch)).toEqual(results);
  });

  it('reads counts from manifest.json.out when the job has no counters, and reports unprocessed records as batch_expired', async () => {
    await withSimulator({ stepMs: 30, reportRecordCounts: false }, async () => {
      const customIds = Array.from({ length: 120 }, (_, i) => `nova-${i}`);
      const file = await uploadFile(
        customIds.map((id, i) => line(id, NOVA, i < 2 ? `skip me [simulate-unprocessed] ${i}` : `Nova question ${i}`)),
      );
      const { batch } = await create(file);
      expect(batch.model).toBe(NOVA);
      await track(batch);
      expect(batch.status).toBe('completed');
      expect((batch.providerData as unknown as BedrockBatchData).jobStatus).toBe('PartiallyCompleted');
      expect(batch.requestCounts).toEqual({ total: 120, completed: 118, failed: 2 });
      expect((batch.providerData as unknown as BedrockBatchData).outputTokenCount).toBeGreaterThan(0);

      const results = await collect(batch);
      expectEachOnce(results, customIds);
      const expired = results.filter((r) => r.error);
      expect(expired.map((r) => r.custom_id).sort()).toEqual(['nova-0', 'nova-1']);
      expect(expired.every((r) => r.error?.code === 'batch_expired' && r.response === null)).toBe(true);
      const ok = results.find((r) => r.custom_id === 'nova-5')!.response!.body as ChatCompletion;
      expect(ok.choices[0].message.content).toBe('Simulated Nova reply to: Nova question 5');
      expect(ok.id).toMatch(/^chatcmpl-/);
    });
  });

  it('cancels a running job: Stopping → Stopped, processed records kept, the rest batch_cancelled', async () => {
    // Slower steps: the cancel must land after Bedrock processed part of the job and before it finished.
    await withSimulator({ stepMs: 200 }, async (_other, client) => {
      const customIds = Array.from({ length: 150 }, (_, i) => `c-${i}`);
      const file = await uploadFile(customIds.map((id) => line(id, CLAUDE, `cancel test ${id}`)));
      const { batch } = await create(file);
      await waitForJob(client, batch.providerBatchId!, (j) => (j.processedRecordCount ?? 0) > 0, 10_000);
      await bedrockAdapter.cancelBatch(ctx, batch);
      batch.cancelRequested = true;
      const seen = await track(batch);
      expect(seen).toContain('cancelling');
      expect(seen[seen.length - 1]).toBe('cancelled');
      const results = await collect(batch);
      expectEachOnce(results, customIds);
      const done = results.filter((r) => r.response?.status_code === 200).length;
      const cancelled = results.filter((r) => r.error?.code === 'batch_cancelled').length;
      expect(done).toBeGreaterThan(0);
      expect(cancelled).toBeGreaterThan(0);
      expect(done + cancelled).toBe(150);
      expect(batch.requestCounts).toEqual({ total: 150, completed: done, failed: cancelled });
      // Cancelling a finished job is not an error.
      await expect(bedrockAdapter.cancelBatch(ctx, batch)).resolves.toBeUndefined();
    });
  });

  it('rejects a line that does not translate with a 400 naming the line, before any job exists', async () => {
    const lines = Array.from({ length: 120 }, (_, i) => line(`bad-${i}`, CLAUDE, 'hi', i === 6 ? { n: 3 } : {}));
    const file = await uploadFile(lines);
    const batchId = newBatchId();
    const err = await gatewayError(create(file, {}, null, batchId));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^Line 7: body\.n\b/);
    expect(await jobsNamed(jobNameFor(batchId))).toEqual([]);
    // The half-written records were abandoned, not stored.
    expect(await blobs.size({ bucket: BUCKETS.input, key: `batches/${batchId}/input.jsonl` })).toBeNull();
  });

  it('rejects a model that differs from the lines, and lines that mix models', async () => {
    const file = await uploadFile([line('a', CLAUDE, 'hi')]);
    expect((await gatewayError(create(file, {}, NOVA))).message).toContain('must match');
    const mixed = await uploadFile([line('a', CLAUDE, 'hi'), line('b', NOVA, 'hi')]);
    expect((await gatewayError(create(mixed))).message).toContain('mixes several models');
  });

  it('refuses an output_s3_uri in a bucket that is not allowed', async () => {
    const file = await uploadFile([line('a', CLAUDE, 'hi')]);
    const err = await gatewayError(create(file, { output_s3_uri: `s3://${BUCKETS.forbidden}/out/` }));
    expect(err.message).toContain(BUCKETS.forbidden);
  });

  it('survives a lost CreateModelInvocationJob answer: the retry gets the same job', async () => {
    const file = await uploadFile(Array.from({ length: 100 }, (_, i) => line(`r-${i}`, CLAUDE, 'hi')));
    sim.faults.add({ kind: 'reset', match: 'POST /model-invocation-job', times: 1 });
    const { batch } = await create(file);
    const jobs = await jobsNamed(jobNameFor(batch.id));
    expect(jobs.map((j) => j.jobArn)).toEqual([batch.providerBatchId]);
  });

  // Issue 12 changed the contract: the create runs in the tracker's submit step, which is retried, so
  // a job whose answers were all lost is not stopped but found again by the next attempt's token.
  it('when every create attempt lost its answer: ProviderUnavailable, and the retried submit gets that same job (no second, none orphaned)', async () => {
    const file = await uploadFile(Array.from({ length: 100 }, (_, i) => line(`o-${i}`, CLAUDE, 'hi')));
    // Every attempt the adapter's client makes loses its answer (after the simulator made the job).
    sim.faults.add({ kind: 'reset', match: 'POST /model-invocation-job', times: 2 });
    const batchId = newBatchId();
    const err = await create(file, {}, null, batchId).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    sim.faults.clear();
    const { batch } = await create(file, {}, null, batchId);
    const jobs = await jobsNamed(jobNameFor(batchId));
    expect(jobs.map((j) => j.jobArn)).toEqual([batch.providerBatchId]);
    expect(['Stopping', 'Stopped']).not.toContain(jobs[0].status);
  });

  it('maps a job Bedrock no longer knows to ProviderLostBatch and throttling to ProviderUnavailable', async () => {
    const file = await uploadFile(Array.from({ length: 100 }, (_, i) => line(`l-${i}`, CLAUDE, 'hi')));
    const { batch } = await create(file);
    sim.faults.add({ kind: 'lose_batch', match: 'GET /model-invocation-job/', times: 1 });
    await expect(bedrockAdapter.checkBatch(ctx, batch)).rejects.toBeInstanceOf(ProviderLostBatchError);
    sim.faults.add({ kind: 'server_error', match: 'GET /model-invocation-job/', times: 3 });
    await expect(bedrockAdapter.checkBatch(ctx, batch)).rejects.toBeInstanceOf(ProviderUnavailableError);
    await bedrockAdapter.cancelBatch(ctx, batch);
  });
});

describe('bedrockAdapter on-demand path (fewer records than the job minimum)', () => {
  it('runs a 2-request Llama batch with InvokeModel inside the tracker, without a Bedrock job', async () => {
    const file = await uploadFile([line('req-1', LLAMA, 'What is 2+2?'), line('req-2', LLAMA, 'Capital of France? [simulate-error]')]);
    const { batch, created } = await create(file, { model: LLAMA }, LLAMA);
    expect(created.providerBatchId).toBeNull();
    expect(created.metadata).toEqual({ run_mode: 'on_demand' });
    expect(created.status).toBe('in_progress');
    expect(await jobsNamed(jobNameFor(batch.id))).toEqual([]);

    // A dropped (HTTP/2) connection on the first call is retried by the SDK; nothing is lost.
    sim.faults.add({ kind: 'reset', match: '/invoke', times: 1 });
    await track(batch);
    expect(batch.status).toBe('completed');
    expect(batch.requestCounts).toEqual({ total: 2, completed: 1, failed: 1 });
    const results = await collect(batch);
    expectEachOnce(results, ['req-1', 'req-2']);
    const ok = results.find((r) => r.custom_id === 'req-1')!.response!;
    expect(ok.status_code).toBe(200);
    expect((ok.body as ChatCompletion).choices[0].message.content).toBe('Simulated Llama reply to: What is 2+2?');
    expect((ok.body as ChatCompletion).usage.completion_tokens).toBe(7);
    const failed = results.find((r) => r.custom_id === 'req-2')!.response!;
    expect(failed.status_code).toBe(400);
    expect((failed.body as { error: { message: string } }).error.message).toContain('ValidationException');
  });

  it('resumes from stored answers instead of calling the model again', async () => {
    const file = await uploadFile([line('x-1', NOVA, 'first'), line('x-2', NOVA, 'second'), line('x-3', NOVA, 'third')]);
    const { batch } = await create(file);
    // As if an earlier check had answered record 1 and then crashed.
    const earlier = {
      recordId: 'R00000001',
      modelOutput: {
        output: { message: { role: 'assistant', content: [{ text: 'answered by an earlier check' }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 1, outputTokens: 5 },
      },
    };
    await blobs.put({ bucket: BUCKETS.input, key: `batches/${batch.id}/on-demand/ok/R00000001.json` }, JSON.stringify(earlier));
    await track(batch);
    const results = await collect(batch);
    expectEachOnce(results, ['x-1', 'x-2', 'x-3']);
    expect((results.find((r) => r.custom_id === 'x-1')!.response!.body as ChatCompletion).choices[0].message.content).toBe(
      'answered by an earlier check',
    );
    expect((results.find((r) => r.custom_id === 'x-3')!.response!.body as ChatCompletion).choices[0].message.content).toBe(
      'Simulated Nova reply to: third',
    );
  });

  it('postpones calls that keep failing with 5xx to the next check instead of failing them', async () => {
    const file = await uploadFile([line('t-1', CLAUDE, 'throttled')]);
    const { batch } = await create(file);
    // Every attempt of the SDK's retries fails (server_error backs off faster than rate_limit).
    sim.faults.add({ kind: 'server_error', match: '/invoke', times: 4 });
    const first = await bedrockAdapter.checkBatch(ctx, batch);
    expect(first.status).toBe('in_progress');
    expect(first.requestCounts).toEqual({ total: 1, completed: 0, failed: 0 });
    expect(first.retryAfterSeconds).toBeGreaterThan(0);
    const second = await bedrockAdapter.checkBatch(ctx, batch);
    expect(second.status).toBe('completed');
    expect(second.requestCounts).toEqual({ total: 1, completed: 1, failed: 0 });
  });

  it('stops at a cancel: what ran is kept, the rest is batch_cancelled', async () => {
    const file = await uploadFile([line('k-1', CLAUDE, 'one'), line('k-2', CLAUDE, 'two')]);
    const { batch } = await create(file);
    await blobs.put(
      { bucket: BUCKETS.input, key: `batches/${batch.id}/on-demand/ok/R00000002.json` },
      JSON.stringify({
        recordId: 'R00000002',
        modelOutput: { content: [{ type: 'text', text: 'done' }], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } },
      }),
    );
    batch.cancelRequested = true;
    const state = await bedrockAdapter.checkBatch(ctx, batch);
    expect(state.status).toBe('cancelled');
    expect(state.requestCounts).toEqual({ total: 2, completed: 1, failed: 1 });
    batch.status = 'cancelled';
    const results = await collect(batch);
    expect(results.find((r) => r.custom_id === 'k-1')!.error?.code).toBe('batch_cancelled');
    expect(results.find((r) => r.custom_id === 'k-2')!.response?.status_code).toBe(200);
  });

  it('a cancel that lands while a check is running stops it: cancelled, the lines not yet run are batch_cancelled', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `m-${i}`);
    const file = await uploadFile(ids.map((id) => line(id, CLAUDE, id)));
    const { batch } = await create(file);
    // Each model call takes 60 ms, so the check is still running when the cancel comes.
    const runtime = bedrockRuntimeClient(REGION);
    const slow = 'slow-invoke-for-cancel-test';
    runtime.middlewareStack.add((next) => async (args) => (await new Promise((r) => setTimeout(r, 60)), next(args)), {
      step: 'initialize',
      name: slow,
    });
    try {
      const check = bedrockAdapter.checkBatch(ctx, batch);
      await new Promise((r) => setTimeout(r, 100));
      await bedrockAdapter.cancelBatch(ctx, batch); // what batches.cancel does; the record's flag is not seen by the running check
      const state = await check;
      expect(state.status).toBe('cancelled');
      expect(state.requestCounts!.total).toBe(12);
      expect(state.requestCounts!.completed).toBeLessThan(12);
    } finally {
      runtime.middlewareStack.remove(slow);
    }
    batch.status = 'cancelled';
    batch.cancelRequested = true;
    const results = await collect(batch);
    expectEachOnce(results, ids);
    const cancelled = results.filter((r) => r.error?.code === 'batch_cancelled');
    expect(cancelled.length).toBeGreaterThan(0);
    expect(cancelled.length + results.filter((r) => r.response?.status_code === 200).length).toBe(12);
  });

  it('answers small_batch:"reject" with a 400 naming the minimum', async () => {
    const file = await uploadFile([line('s-1', CLAUDE, 'hi'), line('s-2', CLAUDE, 'hi')]);
    const batchId = newBatchId();
    const err = await gatewayError(create(file, { small_batch: 'reject' }, null, batchId));
    expect(err.status).toBe(400);
    expect(err.message).toContain('at least 100');
    expect(err.message).toContain('2 requests');
    expect(await blobs.size({ bucket: BUCKETS.input, key: `batches/${batchId}/input.jsonl` })).toBeNull();
  });
});
