// Faults (issue 8): the provider simulators misbehave on demand (429 with Retry-After, 500s, timeouts,
// a connection reset mid-download, a batch the provider loses) and DynamoDB conditional writes lose
// races. For each: the batch ends in the right terminal state, every request comes out exactly once
// across the output and error files, and whatever the client sees says what happened.
//
// To see which path a fault took, the real adapters are wrapped in a spy that records each call's
// outcome (test-side only, through the public adapter registry; the adapters still talk to the
// simulators). DynamoDB races go through a small proxy in front of the local DynamoDB, which can hold
// one write while a concurrent one lands first.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS } from '#local/stand-ins';
import type { FaultRule } from '#local/simulators/simulator';
import { adapterFor, registerAdapter } from '#lambda/providers/registry';
import type { ProviderAdapter } from '#lambda/providers/provider';
import type { ProviderName } from '#contracts/records';
import { resetServices } from '#lambda/runtime';
import { collectResults } from '#lambda/handlers/tracker-collect-results';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';

const ANTHROPIC_TIMEOUT_MS = 300;
const GPT = 'gpt-4o-mini';
const CLAUDE = 'claude-3-5-haiku-20241022';
const TABLE = 'finops-gateway';

let t: TestGateway;
let client: OpenAI;
let s3: S3Client;
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  t = await startTestGateway({ env: { FINOPS_ANTHROPIC_TIMEOUT_MS: String(ANTHROPIC_TIMEOUT_MS) } });
  client = t.client();
  s3 = new S3Client({ endpoint: t.gateway.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
  // Straight to the local DynamoDB (never through the proxy below), for the test's own reads.
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: t.gateway.dynamodbEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS }),
  );
});
afterAll(async () => {
  s3?.destroy();
  db?.destroy();
  await t?.close();
});
afterEach(() => {
  for (const p of t.gateway.providers) p.simulator?.faults.clear();
  for (const restore of restores.splice(0)) restore();
});

function simulator(provider: ProviderName) {
  const info = t.gateway.providers.find((p) => p.provider === provider);
  if (!info?.simulator) throw new Error(`no ${provider} simulator`);
  return info.simulator;
}

const fault = (provider: ProviderName, rule: FaultRule) => simulator(provider).faults.add(rule);

// ---- spying on the real adapters -----------------------------------------------------------------

interface AdapterCall {
  op: 'create' | 'check' | 'cancel' | 'collect';
  batchId: string;
  /** 'ok' or the thrown error's name (ProviderUnavailable, ProviderLostBatch, …). */
  outcome: string;
  message?: string;
  retryAfterSeconds?: number;
}

const restores: Array<() => void> = [];

/** Records every adapter call of `provider`, in order, until the test ends. */
function spy(provider: ProviderName): AdapterCall[] {
  const real = adapterFor(provider);
  const calls: AdapterCall[] = [];
  const wrap =
    <A extends unknown[], R>(op: AdapterCall['op'], batchIdOf: (...args: A) => string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        const result = await fn(...args);
        const hint = (result as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
        calls.push({ op, batchId: batchIdOf(...args), outcome: 'ok', ...(hint !== undefined ? { retryAfterSeconds: hint } : {}) });
        return result;
      } catch (err) {
        calls.push({ op, batchId: batchIdOf(...args), outcome: (err as Error).name, message: (err as Error).message });
        throw err;
      }
    };
  const wrapped: ProviderAdapter = {
    ...real,
    createBatch: wrap('create', (_ctx, input) => input.batchId, real.createBatch.bind(real)),
    checkBatch: wrap('check', (_ctx, batch) => batch.id, real.checkBatch.bind(real)),
    cancelBatch: wrap('cancel', (_ctx, batch) => batch.id, real.cancelBatch.bind(real)),
    collectResults: wrap('collect', (_ctx, batch, _sink) => batch.id, real.collectResults.bind(real)),
  };
  registerAdapter(wrapped);
  restores.push(() => registerAdapter(real));
  return calls;
}

const outcomesOf = (calls: AdapterCall[], op: AdapterCall['op'], batchId: string) =>
  calls.filter((c) => c.op === op && c.batchId === batchId).map((c) => c.outcome);

// ---- what the client ends up with ----------------------------------------------------------------

const customIdsOf = (lines: string[]) => lines.map((l) => JSON.parse(l).custom_id as string);

/** Every request exactly once across the output and error files, and counts that add up. */
async function expectEveryRequestOnce(batch: OpenAI.Batch, expected: string[]) {
  const output = await readJsonl(client, batch.output_file_id);
  const errors = await readJsonl(client, batch.error_file_id);
  const all = [...output, ...errors].map((l) => l.custom_id);
  expect(all.length).toBe(expected.length); // nothing duplicated…
  expect([...all].sort()).toEqual([...expected].sort()); // …and nothing lost
  expect(new Set([...output, ...errors].map((l) => l.id)).size).toBe(all.length);
  expect(batch.request_counts).toEqual({ total: expected.length, completed: output.length, failed: errors.length });
  return { output, errors };
}

async function createBatch(provider: ProviderName, lines: string[]) {
  const file = await upload(client, jsonl(lines), { provider });
  return client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', provider } as never);
}

async function filesBucketKeys(): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: 'finops-files', MaxKeys: 1000 }));
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

async function gatewayFileIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const f of client.files.list({ limit: 10_000 })) ids.push(f.id);
  return ids.sort();
}

async function simulatorList(provider: 'openai' | 'anthropic', what: 'files' | 'batches'): Promise<string[]> {
  const sim = simulator(provider);
  const res =
    provider === 'openai'
      ? await fetch(`${sim.url}/${what}?limit=${what === 'files' ? 10_000 : 100}`, { headers: { authorization: `Bearer ${sim.apiKey}` } })
      : await fetch(`${sim.url}/v1/messages/batches?limit=100`, {
          headers: { 'x-api-key': sim.apiKey, 'anthropic-version': '2023-06-01' },
        });
  return ((await res.json()) as { data: Array<{ id: string }> }).data.map((o) => o.id).sort();
}

/** The SDK error of a call that must fail. */
async function failure(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

const lines = (prefix: string, model: string, n: number, extra: string[] = []) => [
  ...Array.from({ length: n }, (_, i) => chatLine(`${prefix}-${i}`, model, `question ${i}`)),
  ...extra,
];

// ---- provider faults ------------------------------------------------------------------------------

describe('provider faults while a batch runs', () => {
  test('429 with Retry-After on the status checks (openai): the tracker retries, the batch completes, every request once', async () => {
    const calls = spy('openai');
    const input = lines('rl', GPT, 5, [chatLine('rl-bad', GPT, 'fail [simulate-error]')]);
    // Three in a row outlast the SDK's own two retries, so the tracker's Retry has to take over.
    fault('openai', { kind: 'rate_limit', match: 'GET /v1/batches/', times: 3, retryAfterSeconds: 1 });
    const batch = await createBatch('openai', input);
    const { batch: done } = await pollUntilDone(client, batch.id);

    expect(done.status).toBe('completed');
    const checks = calls.filter((c) => c.op === 'check' && c.batchId === batch.id);
    expect(checks[0]).toMatchObject({ outcome: 'ProviderUnavailable', message: expect.stringMatching(/HTTP 429.*Rate limit/) });
    expect(checks.at(-1)?.outcome).toBe('ok');
    const { errors } = await expectEveryRequestOnce(done, customIdsOf(input));
    expect(errors.map((l) => l.custom_id)).toEqual(['rl-bad']);
  });

  test('429 with Retry-After on the status checks (anthropic): the check reports the hint instead of failing, and the batch completes', async () => {
    const calls = spy('anthropic');
    const input = lines('arl', CLAUDE, 4);
    fault('anthropic', { kind: 'rate_limit', match: 'GET /v1/messages/batches/msgbatch_', times: 2, retryAfterSeconds: 30 });
    const batch = await createBatch('anthropic', input);
    const { batch: done } = await pollUntilDone(client, batch.id);

    expect(done.status).toBe('completed');
    const checks = calls.filter((c) => c.op === 'check' && c.batchId === batch.id);
    expect(checks.slice(0, 2)).toEqual([
      expect.objectContaining({ outcome: 'ok', retryAfterSeconds: 30 }),
      expect.objectContaining({ outcome: 'ok', retryAfterSeconds: 30 }),
    ]);
    expect(outcomesOf(calls, 'check', batch.id)).not.toContain('ProviderUnavailable');
    await expectEveryRequestOnce(done, customIdsOf(input));
  });

  test('the tracker retries a status check that throws twice (500s, ProviderUnavailable) and then succeeds', async () => {
    const calls = spy('anthropic');
    const input = lines('a500', CLAUDE, 4, [chatLine('a500-bad', CLAUDE, 'overload me [simulate-error]')]);
    fault('anthropic', { kind: 'server_error', match: 'GET /v1/messages/batches/msgbatch_', times: 2 });
    const batch = await createBatch('anthropic', input);
    const { batch: done } = await pollUntilDone(client, batch.id);

    expect(done.status).toBe('completed');
    expect(done.errors).toBeNull();
    const outcomes = outcomesOf(calls, 'check', batch.id);
    expect(outcomes.slice(0, 3)).toEqual(['ProviderUnavailable', 'ProviderUnavailable', 'ok']);
    expect(calls.find((c) => c.batchId === batch.id && c.outcome === 'ProviderUnavailable')?.message).toMatch(/Anthropic is unavailable/);
    const { errors } = await expectEveryRequestOnce(done, customIdsOf(input));
    expect(errors.map((l) => l.custom_id)).toEqual(['a500-bad']);
    expect((await t.gateway.stepFunctions.waitFor(batch.id))?.status).toBe('SUCCEEDED');
  });

  test(`status checks that time out (anthropic, ${ANTHROPIC_TIMEOUT_MS} ms): retried, the batch completes, every request once`, async () => {
    const calls = spy('anthropic');
    const input = lines('ato', CLAUDE, 3);
    fault('anthropic', { kind: 'timeout', match: 'GET /v1/messages/batches/msgbatch_', times: 2 });
    const batch = await createBatch('anthropic', input);
    const { batch: done } = await pollUntilDone(client, batch.id);

    expect(done.status).toBe('completed');
    const timedOut = calls.filter((c) => c.batchId === batch.id && c.op === 'check' && c.outcome === 'ProviderUnavailable');
    expect(timedOut).toHaveLength(2);
    expect(timedOut[0].message).toMatch(/timed out/i);
    await expectEveryRequestOnce(done, customIdsOf(input));
  });

  test('a connection reset mid-download of the results (openai): Collect is retried, no line lost or written twice', async () => {
    const calls = spy('openai');
    const input = lines('rst', GPT, 30, [chatLine('rst-bad', GPT, 'fail [simulate-error]')]);
    // The simulator sends half the bytes of the file, then drops the connection.
    fault('openai', { kind: 'reset', match: '/content', times: 1 });
    const batch = await createBatch('openai', input);
    const { batch: done } = await pollUntilDone(client, batch.id);

    expect(done.status).toBe('completed');
    const collects = calls.filter((c) => c.op === 'collect' && c.batchId === batch.id);
    expect(collects.map((c) => c.outcome)).toEqual(['ProviderUnavailable', 'ok']);
    expect(collects[0].message).toMatch(/connection to OpenAI broke during the result download/);
    const { output } = await expectEveryRequestOnce(done, customIdsOf(input));
    expect(output).toHaveLength(30);
    // The first attempt's half-written files were discarded: the batch has just its two result objects.
    const resultKeys = (await filesBucketKeys()).filter((k) => k.startsWith('results/') && k.includes(`/${batch.id}/`));
    expect(resultKeys.map((k) => k.split('/').pop())).toEqual(['error.jsonl', 'output.jsonl']);
  });

  test('a connection reset mid-download of the responses file (gemini): retried, every request once', async () => {
    const calls = spy('gemini');
    const input = lines('grst', 'gemini-2.0-flash', 12);
    fault('gemini', { kind: 'reset', match: ':download', times: 1 });
    const batch = await createBatch('gemini', input);
    const { batch: done } = await pollUntilDone(client, batch.id);

    expect(done.status).toBe('completed');
    expect(outcomesOf(calls, 'collect', batch.id)).toEqual(['ProviderUnavailable', 'ok']);
    expect(calls.find((c) => c.op === 'collect' && c.batchId === batch.id)?.message).toMatch(/download of Gemini file .* was interrupted/);
    await expectEveryRequestOnce(done, customIdsOf(input));
  });

  test('500s on GetModelInvocationJob outlasting the AWS SDK retries (bedrock job): the tracker retries, every record once', async () => {
    const calls = spy('bedrock');
    // 100 records: Bedrock's minimum for a batch job (fewer would run on demand, without a job).
    const input = lines('br', 'anthropic.claude-3-haiku-20240307-v1:0', 100);
    const batch = await createBatch('bedrock', input);
    expect(batch.metadata).toMatchObject({ run_mode: 'batch_job' });
    fault('bedrock', { kind: 'server_error', match: 'GET /model-invocation-job/', times: 3 });
    const { batch: done } = await pollUntilDone(client, batch.id);

    expect(done.status).toBe('completed');
    expect(outcomesOf(calls, 'check', batch.id)).toContain('ProviderUnavailable');
    await expectEveryRequestOnce(done, customIdsOf(input));
  });

  test('a provider that loses the batch (openai, 404 on a known id): failed, with an error saying so, and every request answered once', async () => {
    const calls = spy('openai');
    const input = lines('lost', GPT, 6);
    const batch = await createBatch('openai', input);
    // The OpenAI batch id exists only once the tracker submitted it: lose the first batch looked up.
    fault('openai', { kind: 'lose_batch', match: 'GET /v1/batches/', times: 1 });
    const { batch: done } = await pollUntilDone(client, batch.id);

    expect(done.status).toBe('failed');
    expect(done.failed_at).not.toBeNull();
    expect(outcomesOf(calls, 'check', batch.id)).toContain('ProviderLostBatch');
    expect(done.errors?.data).toEqual([
      {
        code: 'provider_lost_batch',
        message: expect.stringMatching(/OpenAI no longer knows batch .* \(HTTP 404 during the batch status check\)/),
        param: null,
        line: null,
      },
    ]);
    expect(JSON.stringify(done.errors)).not.toMatch(/stack|at .*\.ts/);
    expect(done.output_file_id).toBeNull();
    const { errors } = await expectEveryRequestOnce(done, customIdsOf(input));
    for (const line of errors) {
      expect(line.response).toBeNull();
      expect(line.error).toEqual({ code: 'batch_failed', message: expect.stringMatching(/no longer knows batch/) });
    }
    expect((await t.gateway.stepFunctions.waitFor(batch.id))?.status).toBe('FAILED');
  });
});

// ---- provider faults the client sees -------------------------------------------------------------

describe('provider faults during a request: the client is told what happened, nothing is left behind', () => {
  // Contract changed by issue 12: batches.create no longer calls the provider; the tracker's submit does,
  // and waits out a 429 (honouring Retry-After) instead of failing anything.
  test('the provider answers 429 to the batch create (openai): create answers validating at once; the submit waits and the batch completes, with one provider batch', async () => {
    const calls = spy('openai');
    const file = await upload(client, jsonl(lines('c429', GPT, 2)), { provider: 'openai' });
    const providerBefore = await simulatorList('openai', 'batches');
    fault('openai', { kind: 'rate_limit', match: 'POST /v1/batches', times: 2, retryAfterSeconds: 7 });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect(batch.status).toBe('validating');

    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('completed');
    const creates = calls.filter((c) => c.op === 'create' && c.batchId === batch.id);
    expect(creates.map((c) => c.outcome)).toEqual(['ProviderUnavailable', 'ProviderUnavailable', 'ok']);
    expect(creates[0].message).toMatch(/HTTP 429/);
    expect((await simulatorList('openai', 'batches')).length).toBe(providerBefore.length + 1);
    await expectEveryRequestOnce(done, customIdsOf(lines('c429', GPT, 2)));
  });

  test('a 500 from the provider on the file upload (openai): 503 naming the provider and the upload; nothing stored', async () => {
    const before = { files: await gatewayFileIds(), keys: await filesBucketKeys(), provider: await simulatorList('openai', 'files') };
    fault('openai', { kind: 'server_error', match: 'POST /v1/files', times: 3 });
    const err = await failure(upload(client, jsonl(lines('u500', GPT, 2)), { provider: 'openai' }));

    expect(err.status).toBe(503);
    expect(err.error).toEqual({
      message: expect.stringMatching(/temporarily unavailable \(OpenAI is unavailable for the file upload \(HTTP 500\)/),
      type: 'server_error',
      param: null,
      code: 'provider_unavailable',
    });
    expect({ files: await gatewayFileIds(), keys: await filesBucketKeys(), provider: await simulatorList('openai', 'files') }).toEqual(
      before,
    );
  });

  // Contract changed by issue 12: the create that times out is the tracker's submit, which tries again.
  test(`the batch create times out at the provider (anthropic, ${ANTHROPIC_TIMEOUT_MS} ms): the submit tries again and the batch completes, one Message Batch`, async () => {
    const calls = spy('anthropic');
    const input = lines('cto', CLAUDE, 2);
    const file = await upload(client, jsonl(input), { provider: 'anthropic' });
    const before = await simulatorList('anthropic', 'batches');
    fault('anthropic', { kind: 'timeout', match: 'POST /v1/messages/batches', times: 1 });
    const started = Date.now();
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'anthropic',
    } as never);
    expect(Date.now() - started).toBeLessThan(ANTHROPIC_TIMEOUT_MS * 20); // the create itself never waits for Anthropic
    expect(batch.status).toBe('validating');

    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('completed');
    const creates = calls.filter((c) => c.op === 'create' && c.batchId === batch.id);
    expect(creates.map((c) => c.outcome)).toEqual(['ProviderUnavailable', 'ok']);
    expect(creates[0].message).toMatch(/timed out/i);
    expect((await simulatorList('anthropic', 'batches')).length).toBe(before.length + 1);
    await expectEveryRequestOnce(done, customIdsOf(input));
  });
});

// ---- DynamoDB conditional-write conflicts -------------------------------------------------------

interface DynamoRequest {
  target: string;
  body: {
    Key?: Record<string, { S?: string }>;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, { S?: string }>;
  };
}

/**
 * A DynamoDB endpoint that forwards everything to the local DynamoDB, but lets a test run something
 * (a concurrent write) before one chosen request is forwarded. Test-only; production code is unchanged,
 * it just talks to this endpoint.
 */
async function startDynamoProxy(upstream: string, beforeForward: (request: DynamoRequest) => Promise<void>) {
  const target = new URL(upstream);
  const conflicts: DynamoRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const request: DynamoRequest = {
      target: String(req.headers['x-amz-target'] ?? ''),
      body: raw.length ? JSON.parse(raw.toString('utf8')) : {},
    };
    await beforeForward(request);
    const upstreamReq = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (upstreamRes) => {
        const answer: Buffer[] = [];
        upstreamRes.on('data', (c: Buffer) => answer.push(c));
        upstreamRes.on('end', () => {
          const body = Buffer.concat(answer);
          if (upstreamRes.statusCode === 400 && body.includes('ConditionalCheckFailedException')) conflicts.push(request);
          res.writeHead(upstreamRes.statusCode ?? 500, upstreamRes.headers).end(body);
        });
      },
    );
    upstreamReq.on('error', () => res.destroy());
    upstreamReq.end(raw);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    conflicts,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** The value a conditional UpdateItem on a batch sets `status` to, or undefined for other requests. */
function conditionalStatusWrite(request: DynamoRequest): { batchId: string; status: string } | undefined {
  const { Key, ConditionExpression, ExpressionAttributeNames = {}, ExpressionAttributeValues = {} } = request.body;
  if (!request.target.endsWith('.UpdateItem') || !ConditionExpression?.includes('#status IN')) return undefined;
  const pk = Key?.pk?.S ?? '';
  if (!pk.startsWith('BATCH#')) return undefined;
  const name = Object.entries(ExpressionAttributeNames).find(
    ([placeholder, field]) => field === 'status' && placeholder.startsWith('#f'),
  )?.[0];
  const status = name ? ExpressionAttributeValues[`:v${name.slice(2)}`]?.S : undefined;
  return status ? { batchId: pk.slice('BATCH#'.length), status } : undefined;
}

/** Points the gateway's handlers at `endpoint` for DynamoDB until the returned function is called. */
function routeDynamoThrough(endpoint: string): () => void {
  const original = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  resetServices();
  return () => {
    process.env.AWS_ENDPOINT_URL_DYNAMODB = original;
    resetServices();
  };
}

async function storedStatus(batchId: string): Promise<string | undefined> {
  const res = await db.send(new GetCommand({ TableName: TABLE, Key: { pk: `BATCH#${batchId}`, sk: 'BATCH' }, ConsistentRead: true }));
  return res.Item?.status as string | undefined;
}

/** The provider's id for a gateway batch, read from the metadata table. */
async function until(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('DynamoDB conditional-write conflicts', () => {
  test("the tracker's conditional status write loses to a concurrent finish: it stops, and the finished batch is not overwritten", async () => {
    let raced: string | undefined;
    const proxy = await startDynamoProxy(t.gateway.dynamodbEndpoint, async (request) => {
      const write = conditionalStatusWrite(request);
      if (raced || write?.status !== 'finalizing') return;
      raced = write.batchId;
      // Before the tracker's "finalizing" lands, a second execution of "Collect results" (e.g. a
      // redrive, or a retry whose first attempt was still running) finishes the batch.
      await collectResults({ batchId: write.batchId, provider: 'openai', outcome: 'completed' });
    });
    restores.push(routeDynamoThrough(proxy.url), () => void proxy.close());

    const input = lines('ddb', GPT, 8, [chatLine('ddb-bad', GPT, 'fail [simulate-error]')]);
    const batch = await createBatch('openai', input);
    expect((await t.gateway.stepFunctions.waitFor(batch.id))?.status).toBe('SUCCEEDED');

    expect(raced).toBe(batch.id);
    expect(proxy.conflicts.map(conditionalStatusWrite)).toEqual([{ batchId: batch.id, status: 'finalizing' }]);
    const done = await client.batches.retrieve(batch.id);
    expect(done.status).toBe('completed'); // not put back to "finalizing" by the losing write
    expect(done.completed_at).not.toBeNull();
    await expectEveryRequestOnce(done, customIdsOf(input));
  });

  test('batches.cancel racing the batch finishing: the conditional write fails and the client is told the status the batch has now', async () => {
    let held: string | undefined;
    const proxy = await startDynamoProxy(t.gateway.dynamodbEndpoint, async (request) => {
      const write = conditionalStatusWrite(request);
      if (held || write?.status !== 'cancelling') return;
      held = write.batchId;
      // Hold the cancel's write until the tracker has finished the batch.
      await until(async () => (await storedStatus(write.batchId)) === 'completed');
    });
    restores.push(routeDynamoThrough(proxy.url), () => void proxy.close());

    const input = lines('race', GPT, 5);
    const batch = await createBatch('openai', input);
    const err = await failure(client.batches.cancel(batch.id));

    expect(held).toBe(batch.id);
    expect(proxy.conflicts.map(conditionalStatusWrite)).toEqual([{ batchId: batch.id, status: 'cancelling' }]);
    expect(err.status).toBe(409);
    expect(err.error).toEqual({
      message: "Cannot cancel a batch with status 'completed'.",
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
    // The SDKs retry a 409 unless told not to; no retry of this cancel can succeed.
    expect(err.headers?.get('x-should-retry')).toBe('false');
    const done = await client.batches.retrieve(batch.id);
    expect(done.status).toBe('completed');
    expect(done.cancelling_at).toBeNull();
    await expectEveryRequestOnce(done, customIdsOf(input));
  });
});

// ---- finalize twice ------------------------------------------------------------------------------

describe('finalize (Collect results) is idempotent', () => {
  test('run again, and twice at once, it produces the same output and error file ids and the same content', async () => {
    const input = lines('twice', GPT, 12, [chatLine('twice-bad', GPT, 'fail [simulate-error]')]);
    const batch = await createBatch('openai', input);
    const { batch: first } = await pollUntilDone(client, batch.id);
    expect(first.status).toBe('completed');
    const content = async (id: string | null | undefined) => (id ? await (await client.files.content(id)).text() : null);
    const original = { output: await content(first.output_file_id), error: await content(first.error_file_id) };
    expect(original.output).not.toBeNull();
    expect(original.error).not.toBeNull();

    // As if the first Collect wrote its files and then died before recording the batch as finished.
    const reopen = () =>
      db.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: `BATCH#${batch.id}`, sk: 'BATCH' },
          UpdateExpression: 'SET #s = :s, completedAt = :n, outputFileId = :n, errorFileId = :n',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'finalizing', ':n': null },
        }),
      );
    const collect = async () => (await collectResults({ batchId: batch.id, provider: 'openai', outcome: 'completed' })).batch!;

    await reopen();
    const again = await collect();
    await reopen();
    const together = await Promise.all([collect(), collect()]);

    for (const result of [again, ...together]) {
      expect(result.status).toBe('completed');
      expect(result.output_file_id).toBe(first.output_file_id);
      expect(result.error_file_id).toBe(first.error_file_id);
      expect(result.request_counts).toEqual(first.request_counts);
    }
    expect({ output: await content(first.output_file_id), error: await content(first.error_file_id) }).toEqual(original);
    await expectEveryRequestOnce(await client.batches.retrieve(batch.id), customIdsOf(input));
    // One record per result file, however many times Collect ran.
    const resultFiles: string[] = [];
    for await (const f of client.files.list({ purpose: 'batch_output', limit: 10_000 })) resultFiles.push(f.id);
    expect(resultFiles.filter((id) => id === first.output_file_id || id === first.error_file_id)).toHaveLength(2);
  });
});
