// Many clients at once against the local gateway (issue 8): 50 parallel uploads and 20 parallel batch
// creates all succeed and each is listed exactly once; a create retried in parallel with the same
// Idempotency-Key makes one batch.
import OpenAI from 'openai';
import { chatLine, jsonl, pollUntilDone, startTestGateway, upload, type TestGateway } from './helpers';

let t: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  // A slower provider keeps the 20 batches running while they are created and listed.
  t = await startTestGateway({ simulatorStepMs: 150 });
  client = t.client();
});
afterAll(async () => t?.close());

async function listedFileIds(): Promise<string[]> {
  const ids: string[] = [];
  // Small pages, so the cursor crosses many page boundaries among files created in the same second.
  for await (const f of client.files.list({ limit: 7 })) ids.push(f.id);
  return ids;
}

async function listedBatchIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const b of client.batches.list({ limit: 6 })) ids.push(b.id);
  return ids;
}

function countOf(ids: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

describe('concurrency', () => {
  test('50 parallel uploads all succeed, with distinct ids, and each is listed exactly once', async () => {
    const contents = Array.from({ length: 50 }, (_, i) =>
      jsonl([chatLine(`u${i}-a`, 'gpt-4o-mini', `question ${i}`), chatLine(`u${i}-b`, 'gpt-4o-mini', `other ${i}`)]),
    );
    const files = await Promise.all(contents.map((content, i) => upload(client, content, { provider: 'openai' }, `parallel_${i}.jsonl`)));

    expect(new Set(files.map((f) => f.id)).size).toBe(50);
    files.forEach((file, i) =>
      expect(file).toMatchObject({
        filename: `parallel_${i}.jsonl`,
        bytes: Buffer.byteLength(contents[i]),
        status: 'processed',
        purpose: 'batch',
      }),
    );

    const counts = countOf(await listedFileIds());
    for (const file of files) expect(counts.get(file.id)).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    // Each upload kept its own bytes (no mix-up between parallel requests).
    const sample = [0, 17, 49];
    for (const i of sample) expect(await (await client.files.content(files[i].id)).text()).toBe(contents[i]);
  });

  test('20 parallel batch creates all succeed and each is listed exactly once, then all complete', async () => {
    const files = await Promise.all(
      Array.from({ length: 20 }, (_, i) => upload(client, jsonl([chatLine(`b${i}`, 'gpt-4o-mini', `q${i}`)]), { provider: 'openai' })),
    );
    const batches = await Promise.all(
      files.map((file) => client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })),
    );

    expect(new Set(batches.map((b) => b.id)).size).toBe(20);
    batches.forEach((batch, i) => expect(batch.input_file_id).toBe(files[i].id));

    const counts = countOf(await listedBatchIds());
    for (const batch of batches) expect(counts.get(batch.id)).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    // The provider got exactly one batch for each.
    const sim = t.gateway.providers.find((p) => p.provider === 'openai')!;
    const page = (await (
      await fetch(`${sim.url}/batches?limit=100`, { headers: { authorization: `Bearer ${sim.simulator!.apiKey}` } })
    ).json()) as { data: Array<{ metadata: Record<string, string> | null }> };
    const gatewayIds = page.data.map((b) => b.metadata?.finops_batch_id).filter(Boolean);
    expect(countOf(gatewayIds as string[])).toEqual(new Map(batches.map((b) => [b.id, 1])));

    const done = await Promise.all(batches.map((b) => pollUntilDone(client, b.id)));
    expect(done.map((d) => d.batch.status)).toEqual(batches.map(() => 'completed'));
  });

  // Parallel retries all find no batch and each submits; the losers of the conditional putBatch cancel
  // their own provider batch and answer with the winner's, never deleting the winner's record.
  test('a create retried in parallel with the same Idempotency-Key answers one batch, which runs to completion', async () => {
    const file = await upload(client, jsonl([chatLine('idem', 'gpt-4o-mini', 'hi')]), { provider: 'openai' });
    const params = { input_file_id: file.id, endpoint: '/v1/chat/completions' as const, completion_window: '24h' as const };
    const answers = await Promise.allSettled(
      Array.from({ length: 5 }, () => client.batches.create(params, { headers: { 'Idempotency-Key': 'retry-storm-1' } })),
    );
    const ok = answers.filter((a): a is PromiseFulfilledResult<OpenAI.Batch> => a.status === 'fulfilled').map((a) => a.value);
    expect(ok.length).toBe(5);
    expect(new Set(ok.map((b) => b.id)).size).toBe(1);
    const id = ok[0].id;
    expect((await listedBatchIds()).filter((b) => b === id)).toHaveLength(1);
    const { batch } = await pollUntilDone(client, id);
    expect(batch.status).toBe('completed');
  });

  // Bedrock answers the same clientRequestToken with the same job: here the losers' "own" provider
  // batch is the winner's, and cancelling it would stop the batch every retry was answered with.
  test('parallel retries on Bedrock share one job, and the losers leave it running to completion', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => chatLine(`idem-b-${i}`, 'anthropic.claude-3-haiku-20240307-v1:0', `question ${i}`));
    const file = await upload(client, jsonl(lines), { provider: 'bedrock' });
    const params = {
      input_file_id: file.id,
      endpoint: '/v1/chat/completions' as const,
      completion_window: '24h' as const,
      provider: 'bedrock',
    };
    const answers = await Promise.allSettled(
      Array.from({ length: 4 }, () => client.batches.create(params as never, { headers: { 'Idempotency-Key': 'retry-storm-bedrock' } })),
    );
    const ok = answers.filter((a): a is PromiseFulfilledResult<OpenAI.Batch> => a.status === 'fulfilled').map((a) => a.value);
    expect(ok.length).toBe(4);
    expect(new Set(ok.map((b) => b.id)).size).toBe(1);
    const { batch, seen } = await pollUntilDone(client, ok[0].id);
    expect(seen).not.toContain('cancelling');
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 100, completed: 100, failed: 0 });
  });
});
