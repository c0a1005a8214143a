// Cancelling a mixed-model batch (issue 15 item 4) through the official OpenAI SDK: cancel reaches
// every provider job, and the batch ends cancelled with every line exactly once; a job OpenAI sends back
// for its enqueued-token limit is submitted again while the other job runs on. Its own gateway (and so its
// own process) with slow simulators, so the cancel lands while both Bedrock jobs still run.
import { BedrockClient, ListModelInvocationJobsCommand } from '@aws-sdk/client-bedrock';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, upload, type TestGateway } from './helpers';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ simulatorStepMs: 2_000, env: { FINOPS_BEDROCK_MIN_RECORDS: '3' } });
});
afterAll(async () => t?.close());

function mixedFile(prefix: string, [a, b]: [string, string], counts: [number, number]): { content: string; ids: string[] } {
  const lines: string[] = [];
  for (let i = 0; i < Math.max(...counts); i++) {
    if (i < counts[0]) lines.push(chatLine(`${prefix}-a${i}`, a, `question ${i} for the first model`));
    if (i < counts[1]) lines.push(chatLine(`${prefix}-b${i}`, b, `question ${i} for the second model`));
  }
  return { content: jsonl(lines), ids: lines.map((l) => JSON.parse(l).custom_id as string) };
}

function expectEveryLineOnce(lines: Array<{ custom_id: string }>, ids: string[]): void {
  const seen = lines.map((l) => l.custom_id);
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen.sort()).toEqual([...ids].sort());
}

describe('mixed-model files', () => {
  test('cancel cancels every job; the batch ends cancelled with every line once', async () => {
    const c = t.client();
    const models: [string, string] = ['amazon.nova-lite-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0'];
    const { content, ids } = mixedFile('cancel', models, [3, 3]);
    const file = await upload(c, content, { provider: 'bedrock' });
    const created = await c.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'bedrock',
    } as never);
    // Wait until both jobs exist at Bedrock, then cancel.
    const s = t.gateway.providers.find((p) => p.provider === 'bedrock')!;
    const bedrock = new BedrockClient({ region: 'us-east-1', endpoint: s.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const jobsOf = async () =>
      ((await bedrock.send(new ListModelInvocationJobsCommand({ maxResults: 1000 }))).invocationJobSummaries ?? []).filter((j) =>
        j.jobName?.includes(created.id.replace(/_/g, '-')),
      );
    const deadline = Date.now() + 30_000;
    while ((await jobsOf()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await jobsOf()).toHaveLength(2);
    const cancelling = await c.batches.cancel(created.id);
    expect(cancelling.status).toBe('cancelling');
    const { batch } = await pollUntilDone(c, created.id, {}, 60_000);
    expect(batch.status).toBe('cancelled');
    // Both jobs were stopped at Bedrock (neither ran to completion).
    expect((await jobsOf()).filter((j) => j.status === 'Stopped' || j.status === 'Stopping')).toHaveLength(2);
    const lines = [...(await readJsonl(c, batch.output_file_id)), ...(await readJsonl(c, batch.error_file_id))];
    expectEveryLineOnce(lines, ids);
    expect(batch.request_counts!.total).toBe(6);
  }, 120_000);

  test('a job OpenAI sends back for a full queue (token_limit_exceeded) is submitted again alone; the batch completes, every line once', async () => {
    const c = t.client();
    const saved = process.env.FINOPS_SIM_OPENAI_ENQUEUED_TOKEN_LIMIT;
    // Tokens per model: room for one of the two gpt-4o-mini batches below at a time.
    process.env.FINOPS_SIM_OPENAI_ENQUEUED_TOKEN_LIMIT = '700';
    try {
      const single = jsonl(Array.from({ length: 20 }, (_, i) => chatLine(`first-${i}`, 'gpt-4o-mini', `question ${i}`)));
      const first = await c.batches.create({
        input_file_id: (await upload(c, single, { provider: 'openai' })).id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        provider: 'openai',
      } as never);
      const deadline = Date.now() + 30_000;
      while ((await c.batches.retrieve(first.id)).status === 'validating' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const { content, ids } = mixedFile('queue', ['gpt-4o-mini', 'gpt-4o'], [20, 2]);
      const created = await c.batches.create({
        input_file_id: (await upload(c, content, { provider: 'openai' })).id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        provider: 'openai',
      } as never);
      const { batch } = await pollUntilDone(c, created.id, {}, 90_000);
      expect(batch.status).toBe('completed');
      expect(batch.errors).toBeNull();
      expectEveryLineOnce([...(await readJsonl(c, batch.output_file_id)), ...(await readJsonl(c, batch.error_file_id))], ids);
      expect(batch.request_counts).toEqual({ total: 22, completed: 22, failed: 0 });
      const s = t.gateway.providers.find((p) => p.provider === 'openai')!;
      const listed = (await (
        await fetch(`${s.url}/batches?limit=100`, { headers: { authorization: `Bearer ${s.simulator!.apiKey}` } })
      ).json()) as { data: Array<{ status: string; metadata?: Record<string, string> }> };
      const attempts = (key: string) =>
        listed.data.filter((b) => b.metadata?.finops_batch_id === `${created.id}-${key}`).map((b) => b.status);
      expect(attempts('m1')).toContain('failed'); // the gpt-4o-mini job: sent back for the full queue…
      expect(attempts('m1').filter((x) => x === 'completed')).toHaveLength(1); // …then ran once
      expect(attempts('m2')).toEqual(['completed']); // the gpt-4o job ran once, untouched
    } finally {
      if (saved === undefined) delete process.env.FINOPS_SIM_OPENAI_ENQUEUED_TOKEN_LIMIT;
      else process.env.FINOPS_SIM_OPENAI_ENQUEUED_TOKEN_LIMIT = saved;
    }
  }, 150_000);
});
