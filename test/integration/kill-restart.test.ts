// kill -9 of the local gateway at awkward moments (issue 12): at submit (the provider made the batch,
// its answer never arrived), at poll and at collect. The gateway runs as its own process on one data
// folder; after the kill it is started again on the same folder, and every batch must reach a terminal
// state with no orphaned or second provider batch and no line lost or duplicated. The simulators keep
// their state in that folder too (local/simulators/persistence.ts), as a real provider would.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import type { FaultRule } from '#local/simulators/simulator';
import { chatLine, jsonl, pollUntilDone, readJsonl, upload } from './helpers';

interface ChildInfo {
  baseURL: string;
  providers: Array<{ provider: string; url: string; apiKey?: string }>;
}

const GPT = 'gpt-4o-mini';
const CLAUDE = 'claude-3-5-haiku-20241022';
const GEMINI = 'gemini-2.0-flash';
const BEDROCK = 'anthropic.claude-3-haiku-20240307-v1:0';
let dataDir: string;
let child: ChildProcess | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'finops-kill-'));
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) await kill9(child);
  rmSync(dataDir, { recursive: true, force: true });
});

async function startGateway(): Promise<{ client: OpenAI; info: ChildInfo }> {
  const proc = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--require', './local/polyfills.js', '--import', 'tsx', 'test/support/gateway-process.ts', dataDir],
    {
      cwd: join(__dirname, '..', '..'),
      // Bedrock jobs from 5 records, so that a small batch runs as a job (not on demand).
      env: { ...process.env, NODE_OPTIONS: '', POWERTOOLS_LOG_LEVEL: 'ERROR', FINOPS_BEDROCK_MIN_RECORDS: '5' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  child = proc;
  const lines = createInterface({ input: proc.stdout! });
  const info = await new Promise<ChildInfo>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`gateway exited (${code}) before it started`)));
    lines.on('line', (line) => {
      if (line.startsWith('{"baseURL"')) resolve(JSON.parse(line) as ChildInfo);
    });
  });
  return { client: new OpenAI({ baseURL: info.baseURL, apiKey: 'sk-finops-test-alice', maxRetries: 0, timeout: 30_000 }), info };
}

async function kill9(proc: ChildProcess): Promise<void> {
  const exited = once(proc, 'exit');
  proc.kill('SIGKILL');
  await exited;
}

const sim = (info: ChildInfo, provider: string) => info.providers.find((p) => p.provider === provider)!;

async function fault(info: ChildInfo, provider: string, rule: FaultRule): Promise<void> {
  const res = await fetch(`${sim(info, provider).url}/__control/faults`, { method: 'POST', body: JSON.stringify(rule) });
  expect(res.status).toBe(204);
}

/** OpenAI batches at the simulator made for a gateway batch (metadata.finops_batch_id). */
async function openaiBatchesFor(info: ChildInfo, batchId: string): Promise<Array<{ id: string; status: string }>> {
  const s = sim(info, 'openai');
  const res = await fetch(`${s.url}/batches?limit=100`, { headers: { authorization: `Bearer ${s.apiKey}` } });
  const data = ((await res.json()) as { data: Array<{ id: string; status: string; metadata?: Record<string, string> }> }).data;
  return data.filter((b) => b.metadata?.finops_batch_id === batchId);
}

async function anthropicBatchCount(info: ChildInfo): Promise<number> {
  const s = sim(info, 'anthropic');
  const res = await fetch(`${s.url}/v1/messages/batches?limit=100`, {
    headers: { 'x-api-key': s.apiKey!, 'anthropic-version': '2023-06-01' },
  });
  return ((await res.json()) as { data: unknown[] }).data.length;
}

async function geminiBatchCount(info: ChildInfo): Promise<number> {
  const s = sim(info, 'gemini');
  const res = await fetch(`${s.url}/v1beta/batches?pageSize=100`, { headers: { 'x-goog-api-key': s.apiKey! } });
  return ((await res.json()) as { operations?: unknown[] }).operations?.length ?? 0;
}

async function bedrockJobCount(info: ChildInfo): Promise<number> {
  const { BedrockClient, ListModelInvocationJobsCommand } = await import('@aws-sdk/client-bedrock');
  const bedrock = new BedrockClient({
    region: 'us-east-1',
    endpoint: sim(info, 'bedrock').url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  const res = await bedrock.send(new ListModelInvocationJobsCommand({ maxResults: 1000 }));
  bedrock.destroy();
  return res.invocationJobSummaries?.length ?? 0;
}

async function until(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const input = (prefix: string, model: string, n = 5) =>
  Array.from({ length: n }, (_, i) => chatLine(`${prefix}-${i}`, model, `question ${i}`));
const idsOf = (lines: string[]) => lines.map((l) => JSON.parse(l).custom_id as string).sort();

async function expectEveryLineOnce(client: OpenAI, batch: OpenAI.Batch, lines: string[]) {
  const all = [...(await readJsonl(client, batch.output_file_id)), ...(await readJsonl(client, batch.error_file_id))].map(
    (l) => l.custom_id,
  );
  expect(all.sort()).toEqual(idsOf(lines));
  expect(batch.request_counts?.total).toBe(lines.length);
}

async function createOn(client: OpenAI, provider: string, lines: string[]) {
  const file = await upload(client, jsonl(lines), { provider });
  return client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', provider } as never);
}

test('kill -9 at submit (OpenAI made the batch, its answer was lost), then restart: the batch completes, one OpenAI batch', async () => {
  let { client, info } = await startGateway();
  await fault(info, 'openai', { kind: 'accept_then_hang', match: 'POST /v1/batches', times: 1 });
  const lines = input('k-submit', GPT);
  const batch = await createOn(client, 'openai', lines);
  await until(async () => (await openaiBatchesFor(info, batch.id)).length === 1);
  expect((await client.batches.retrieve(batch.id)).status).toBe('validating'); // the answer never came
  await kill9(child!);

  ({ client, info } = await startGateway());
  const { batch: done } = await pollUntilDone(client, batch.id, {}, 60_000);
  expect(done.status).toBe('completed');
  expect(await openaiBatchesFor(info, batch.id)).toHaveLength(1); // found again, not made twice
  await expectEveryLineOnce(client, done, lines);
  await kill9(child!);
}, 120_000);

test('kill -9 while polling (OpenAI, Anthropic and Gemini throttled), then restart: all complete, nothing lost or doubled', async () => {
  let { client, info } = await startGateway();
  const openaiLines = input('k-poll-o', GPT);
  const anthropicLines = input('k-poll-a', CLAUDE);
  const geminiLines = input('k-poll-g', GEMINI);
  const [anthropicBefore, geminiBefore] = [await anthropicBatchCount(info), await geminiBatchCount(info)];
  const [o, a, g] = await Promise.all([
    createOn(client, 'openai', openaiLines),
    createOn(client, 'anthropic', anthropicLines),
    createOn(client, 'gemini', geminiLines),
  ]);
  for (const id of [o.id, a.id, g.id]) await until(async () => (await client.batches.retrieve(id)).status !== 'validating');
  await fault(info, 'openai', { kind: 'rate_limit', match: 'GET /v1/batches/', forSeconds: 60 });
  await fault(info, 'anthropic', { kind: 'rate_limit', match: 'GET /v1/messages/batches/', forSeconds: 60 });
  await fault(info, 'gemini', { kind: 'rate_limit', match: 'GET /v1beta/batches/', forSeconds: 60 });
  await new Promise((r) => setTimeout(r, 1_000));
  await kill9(child!);

  ({ client, info } = await startGateway());
  const done = await Promise.all([o, a, g].map((b) => pollUntilDone(client, b.id, {}, 60_000)));
  expect(done.map((d) => d.batch.status)).toEqual(['completed', 'completed', 'completed']);
  expect(await openaiBatchesFor(info, o.id)).toHaveLength(1);
  expect(await anthropicBatchCount(info)).toBe(anthropicBefore + 1);
  expect(await geminiBatchCount(info)).toBe(geminiBefore + 1);
  await expectEveryLineOnce(client, done[0].batch, openaiLines);
  await expectEveryLineOnce(client, done[1].batch, anthropicLines);
  await expectEveryLineOnce(client, done[2].batch, geminiLines);
  await kill9(child!);
}, 120_000);

test('kill -9 while a Bedrock job runs (status checks throttled), then restart: the job goes on, the batch completes, one job', async () => {
  let { client, info } = await startGateway();
  const lines = input('k-bedrock', BEDROCK, 6);
  const jobsBefore = await bedrockJobCount(info);
  const file = await upload(client, jsonl(lines), { provider: 'bedrock' });
  const batch = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    provider: 'bedrock',
    model: BEDROCK,
  } as never);
  await until(async () => (await bedrockJobCount(info)) === jobsBefore + 1);
  await fault(info, 'bedrock', { kind: 'rate_limit', match: 'GET /model-invocation-job/', forSeconds: 60 });
  await new Promise((r) => setTimeout(r, 500));
  await kill9(child!);

  ({ client, info } = await startGateway());
  const { batch: done } = await pollUntilDone(client, batch.id, {}, 60_000);
  expect(done.status).toBe('completed');
  expect(done.metadata).toMatchObject({ run_mode: 'batch_job' });
  expect(await bedrockJobCount(info)).toBe(jobsBefore + 1);
  await expectEveryLineOnce(client, done, lines);
  await kill9(child!);
}, 120_000);

test('kill -9 while collecting results (the download hangs), then restart: collected once, every line once', async () => {
  let { client, info } = await startGateway();
  await fault(info, 'openai', { kind: 'hang', match: '/content', forSeconds: 60, hangSeconds: 60 });
  const lines = input('k-collect', GPT, 7);
  const batch = await createOn(client, 'openai', lines);
  await until(async () => (await client.batches.retrieve(batch.id)).status === 'finalizing');
  await kill9(child!);

  ({ client, info } = await startGateway());
  const { batch: done } = await pollUntilDone(client, batch.id, {}, 60_000);
  expect(done.status).toBe('completed');
  expect(await openaiBatchesFor(info, batch.id)).toHaveLength(1);
  await expectEveryLineOnce(client, done, lines);
  await kill9(child!);
}, 120_000);
