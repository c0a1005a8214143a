// Provider-key pass-through (X-Provider-Api-Key) through the local gateway. The simulators accept only
// the client's own keys; the gateway is configured with keys they refuse. So a batch that is created,
// polled to completion and collected proves every provider call used the client's key, including the
// tracker's calls long after the request (the key kept sealed in the credential vault). Then the keys
// are searched for everywhere the gateway writes: logs, DynamoDB, S3, the data folder (executions,
// events), and every response a client got.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startLocalGateway, type LocalGateway } from '#local/gateway';
import { LOCAL_CREDENTIALS } from '#local/stand-ins';
import { startOpenAISimulator } from '#local/simulators/openai/index';
import { startAnthropicSimulator } from '#local/simulators/anthropic/index';
import { startGeminiSimulator } from '#local/simulators/gemini/index';
import type { RunningSimulator } from '#local/simulators/simulator';
import { chatLine, jsonl, pollUntilDone, readJsonl, upload } from './helpers';

type HttpProvider = 'openai' | 'anthropic' | 'gemini';
const PROVIDERS: HttpProvider[] = ['openai', 'anthropic', 'gemini'];
const MODEL: Record<HttpProvider, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-20241022', gemini: 'gemini-1.5-flash' };

/** The distinctive part of each client key, searched for everywhere afterwards. */
const secret = () => randomBytes(18).toString('hex');
const CLIENT_KEYS: Record<HttpProvider, string> = {
  openai: `sk-proj-${secret()}`,
  anthropic: `sk-ant-api03-${secret()}`,
  gemini: `AIzaSy${secret()}`,
};
/** What the deployment itself is configured with: the simulators refuse these. */
const CONFIGURED_KEYS: Record<HttpProvider, string> = {
  openai: 'sk-gateway-configured',
  anthropic: 'sk-ant-gateway-configured',
  gemini: 'AIza-gateway-configured',
};
const GATEWAY_KEY = 'sk-finops-passthrough-test';

let dataDir: string;
let gateway: LocalGateway;
const simulators: RunningSimulator[] = [];
let dynamo: DynamoDBClient;
let s3: S3Client;
/** Every response body any client got, and every line anything wrote to stdout/stderr. */
const responses: string[] = [];
const logged: string[] = [];
let restoreOutput: () => void;

function client(providerKey?: string): OpenAI {
  return new OpenAI({
    baseURL: gateway.baseURL,
    apiKey: GATEWAY_KEY,
    maxRetries: 0,
    timeout: 30_000,
    defaultHeaders: providerKey ? { 'X-Provider-Api-Key': providerKey } : {},
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      responses.push(await res.clone().text());
      return res;
    },
  });
}

const createBatch = (sdk: OpenAI, provider: HttpProvider, fileId: string) =>
  sdk.batches.create({
    input_file_id: fileId,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    provider,
    model: MODEL[provider],
  } as never);

async function batchItem(batchId: string): Promise<Record<string, any>> {
  const res = await dynamo.send(
    new GetItemCommand({ TableName: 'finops-gateway', Key: { pk: { S: `BATCH#${batchId}` }, sk: { S: 'BATCH' } }, ConsistentRead: true }),
  );
  return unmarshall(res.Item!);
}

async function vaultItems(): Promise<Record<string, any>[]> {
  const res = await dynamo.send(
    new ScanCommand({
      TableName: 'finops-gateway',
      FilterExpression: 'begins_with(pk, :cred)',
      ExpressionAttributeValues: { ':cred': { S: 'CRED#' } },
    }),
  );
  return (res.Items ?? []).map((item) => unmarshall(item));
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

beforeAll(async () => {
  // Capture what the gateway logs (Powertools writes JSON lines to stdout) without printing it.
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const capture = (chunk: unknown) => {
    logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  restoreOutput = () => Object.assign(process.stdout, { write: writes.out }) && Object.assign(process.stderr, { write: writes.err });

  dataDir = mkdtempSync(join(tmpdir(), 'finops-passthrough-'));
  const [openai, anthropic, gemini] = await Promise.all([
    // Long enough steps that the cancel test reaches a batch still running on a busy machine (300 ms lost that race under load).
    startOpenAISimulator({ port: 0, stepMs: 1500, apiKey: CLIENT_KEYS.openai }),
    startAnthropicSimulator({ port: 0, stepMs: 60, apiKey: CLIENT_KEYS.anthropic }),
    startGeminiSimulator({ port: 0, stepMs: 60, apiKey: CLIENT_KEYS.gemini }),
  ]);
  simulators.push(openai, anthropic, gemini);
  gateway = await startLocalGateway({
    port: 0,
    dataDir,
    apiKeys: [GATEWAY_KEY],
    simulatorStepMs: 60,
    trackerWaitMs: 40,
    trackerRetryMs: 20,
    env: {
      // Configured keys present → the gateway uses these endpoints as "live" providers.
      OPENAI_API_KEY: CONFIGURED_KEYS.openai,
      FINOPS_OPENAI_BASE_URL: openai.url,
      ANTHROPIC_API_KEY: CONFIGURED_KEYS.anthropic,
      FINOPS_ANTHROPIC_BASE_URL: anthropic.url,
      GEMINI_API_KEY: CONFIGURED_KEYS.gemini,
      FINOPS_GEMINI_BASE_URL: gemini.url,
      FINOPS_ALLOW_PROVIDER_KEY_PASSTHROUGH: 'true',
      // Everything the gateway logs, so that the search below covers the most.
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    },
  });
  dynamo = new DynamoDBClient({ endpoint: gateway.dynamodbEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  s3 = new S3Client({ endpoint: gateway.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
}, 60_000);

afterAll(async () => {
  dynamo?.destroy();
  s3?.destroy();
  await gateway?.close();
  for (const sim of simulators) await sim.close();
  restoreOutput?.();
  rmSync(dataDir, { recursive: true, force: true });
});

describe.each(PROVIDERS)('%s', (provider) => {
  test("a batch created with the client's own key is created, polled and collected with it", async () => {
    const withKey = client(CLIENT_KEYS[provider]);
    const lines = [chatLine('p-1', MODEL[provider], 'What is 2+2?'), chatLine('p-2', MODEL[provider], 'Name a colour.')];
    const file = await upload(withKey, jsonl(lines), { provider });
    const batch = await createBatch(withKey, provider, file.id);

    // The record holds a vault reference, never the key; the vault item holds ciphertext only.
    const record = await batchItem(batch.id);
    expect(record.providerCredentialRef).toMatch(/^cred_/);
    const sealed = (await vaultItems()).find((item) => item.id === record.providerCredentialRef);
    expect(sealed).toMatchObject({ tenantId: record.tenantId, provider, masterKeyId: expect.stringMatching(/^local:/) });

    // Polled without the header: the tracker, not this client, talks to the provider from here on.
    const { batch: done } = await pollUntilDone(client(), batch.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toMatchObject({ total: 2, completed: 2, failed: 0 });
    const output = await readJsonl(client(), done.output_file_id);
    expect(output.map((line) => line.custom_id).sort()).toEqual(['p-1', 'p-2']);

    // The batch is over: its sealed key is discarded.
    expect(await eventually(async () => !(await vaultItems()).some((item) => item.id === record.providerCredentialRef))).toBe(true);
  });

  // Issue 12: the provider is called by the tracker's submit, so the refusal fails the batch (not the create).
  test("without the header the gateway's own key is used, which this provider refuses (the control)", async () => {
    const file = await upload(client(CLIENT_KEYS[provider]), jsonl([chatLine('c-1', MODEL[provider], 'hi')]), { provider });
    const created = await createBatch(client(), provider, file.id);
    expect(created.status).toBe('validating');
    const { batch } = await pollUntilDone(client(), created.id);
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data).toEqual([expect.objectContaining({ code: 'provider_auth_error' })]);
  });
});

test('cancelling a pass-through batch without the header reaches the provider with the kept key', async () => {
  const withKey = client(CLIENT_KEYS.openai);
  const file = await upload(withKey, jsonl(Array.from({ length: 5 }, (_, i) => chatLine(`x-${i}`, MODEL.openai, `q${i}`))), {
    provider: 'openai',
  });
  const batch = await createBatch(withKey, 'openai', file.id);
  // Once submitted (before, a cancel ends the batch without asking the provider at all).
  expect(await eventually(async () => (await client().batches.retrieve(batch.id)).status !== 'validating', 20_000)).toBe(true);
  const cancelling = await client().batches.cancel(batch.id);
  expect(cancelling.status).toBe('cancelling');
  const { batch: done } = await pollUntilDone(client(), batch.id);
  expect(done.status).toBe('cancelled');
  // The simulator itself says it was cancelled: only the client's key could have asked it.
  const atProvider = await fetch(`${simulators[0].url}/batches?limit=100`, { headers: { authorization: `Bearer ${CLIENT_KEYS.openai}` } });
  const providerBatches = ((await atProvider.json()) as { data: Array<{ status: string; metadata?: Record<string, string> }> }).data;
  expect(providerBatches.filter((b) => b.status === 'cancelled' || b.status === 'cancelling').length).toBeGreaterThan(0);
});

test('Bedrock runs under the gateway role: a provider key is refused with 400 and nothing is stored', async () => {
  const sdk = client('some-aws-key');
  const filesBefore = (await client().files.list()).data.length;
  const upErr = await upload(sdk, jsonl([chatLine('b', 'anthropic.claude-3-haiku-20240307-v1:0', 'hi')]), { provider: 'bedrock' }).catch(
    (e: unknown) => e,
  );
  expect(upErr).toMatchObject({ status: 400, code: 'passthrough_not_supported' });
  expect((upErr as Error).message).toMatch(/IAM role/);
  expect((await client().files.list()).data.length).toBe(filesBefore);

  const bedrockFile = await upload(client(), jsonl([chatLine('b', 'anthropic.claude-3-haiku-20240307-v1:0', 'hi')]), {
    provider: 'bedrock',
  });
  const createErr = await createBatch(sdk, 'openai', bedrockFile.id).catch((e: unknown) => e);
  expect(createErr).toMatchObject({ status: 400 });
  const bedrockErr = await sdk.batches
    .create({ input_file_id: bedrockFile.id, endpoint: '/v1/chat/completions', completion_window: '24h', provider: 'bedrock' } as never)
    .catch((e: unknown) => e);
  expect(bedrockErr).toMatchObject({ status: 400, code: 'passthrough_not_supported' });
  expect((await client().batches.list({ provider: 'bedrock' } as never)).data).toEqual([]);
});

describe('the client keys appear nowhere', () => {
  const needles = PROVIDERS.flatMap((p) => [CLIENT_KEYS[p], CLIENT_KEYS[p].slice(-36), Buffer.from(CLIENT_KEYS[p]).toString('base64')]);
  const expectClean = (where: string, text: string) => {
    for (const needle of needles) {
      if (text.includes(needle)) throw new Error(`${where} contains a client key (${needle.slice(0, 10)}…)`);
    }
  };

  test('not in what the gateway logged (and it did log)', () => {
    const text = logged.join('');
    expect(text).toContain('Checked batch');
    expect(text).toContain('Batch finished');
    expectClean('the logs', text);
  });

  test('not in any response a client got', () => {
    expect(responses.length).toBeGreaterThan(20);
    expectClean('a response', responses.join('\n'));
  });

  test('not in DynamoDB (every item of the table)', async () => {
    const items = (await dynamo.send(new ScanCommand({ TableName: 'finops-gateway' }))).Items ?? [];
    expect(items.length).toBeGreaterThan(10);
    expectClean('the table', JSON.stringify(items));
  });

  test('not in S3 (every object of every bucket)', async () => {
    let objects = 0;
    for (const bucket of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
      for (const object of (await s3.send(new ListObjectsV2Command({ Bucket: bucket.Name! }))).Contents ?? []) {
        const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket.Name!, Key: object.Key! }))).Body!.transformToString();
        expectClean(`s3://${bucket.Name}/${object.Key}`, body);
        objects += 1;
      }
    }
    expect(objects).toBeGreaterThan(5);
  });

  test('not in any file of the data folder (tracker executions, events, the stand-ins)', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else files.push(path);
      }
    };
    walk(dataDir);
    expect(files.length).toBeGreaterThan(5);
    expect(existsSync(join(dataDir, 'vault.key'))).toBe(true);
    for (const path of files) expectClean(path, readFileSync(path).toString('latin1'));
  });
});
