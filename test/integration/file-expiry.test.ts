// Files expire as OpenAI's do: `expires_after` on files.create and `output_expires_after` on
// batches.create set expires_at; once it has passed, every read treats the file as gone, and the
// expiry sweep (scheduled hourly in AWS) removes the provider's copy, the bytes and the record.
// The sweep is run here by the test, at the moments it chooses, instead of on its schedule.
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import OpenAI from 'openai';
import { getServices } from '#lambda/runtime';
import { sweepExpiredFiles } from '#lambda/files/expire';
import { LOCAL_CREDENTIALS } from '#local/stand-ins';
import { chatLine, jsonl, pollUntilDone, startTestGateway, upload, type TestGateway } from './helpers';

let t: TestGateway;
let client: OpenAI;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestGateway({ expirySweepMs: 0 });
  client = t.client();
  s3 = new S3Client({ endpoint: t.gateway.s3Endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
});
afterAll(async () => {
  s3?.destroy();
  await t?.close();
});

const HOUR = 3600;
const content = (id: string) => jsonl([chatLine(id, 'gpt-4o-mini', `question ${id}`)]);
const expiring = (seconds: number) => ({ provider: 'openai', expires_after: { anchor: 'created_at', seconds } });

const openaiSimulator = () => t.gateway.providers.find((p) => p.provider === 'openai')!.simulator!;
async function simulatorFileIds(): Promise<string[]> {
  const sim = openaiSimulator();
  const res = await fetch(`${sim.url}/files?limit=10000`, { headers: { authorization: `Bearer ${sim.apiKey}` } });
  return ((await res.json()) as { data: Array<{ id: string }> }).data.map((f) => f.id);
}
async function blobExists(fileId: string): Promise<boolean> {
  const record = await getServices().metadata.getFileById(fileId);
  if (!record) return false;
  return s3.send(new HeadObjectCommand({ Bucket: record.blob.bucket, Key: record.blob.key })).then(
    () => true,
    () => false,
  );
}

describe('file expiry', () => {
  test('expires_after sets expires_at; the sweep removes the file once it is due, and not before', async () => {
    const file = await upload(client, content('e1'), expiring(HOUR));
    const keeper = await upload(client, content('k1'), { provider: 'openai' });
    expect(file.expires_at).toBe(file.created_at + HOUR);
    expect(keeper.expires_at).toBeNull();
    const record = (await getServices().metadata.getFileById(file.id))!;
    expect(record.providerFileId).toBeDefined();
    expect(await simulatorFileIds()).toContain(record.providerFileId);

    // Not due yet: nothing goes.
    const early = await sweepExpiredFiles(file.expires_at! - 1);
    expect(early.removed).toBe(0);
    expect((await client.files.retrieve(file.id)).id).toBe(file.id);

    const due = await sweepExpiredFiles(file.expires_at!);
    expect(due).toMatchObject({ removed: 1, failed: 0 });
    expect(await getServices().metadata.getFileById(file.id)).toBeNull();
    expect(await simulatorFileIds()).not.toContain(record.providerFileId);
    const stillThere = await s3.send(new HeadObjectCommand({ Bucket: record.blob.bucket, Key: record.blob.key })).then(
      () => true,
      () => false,
    );
    expect(stillThere).toBe(false);
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    // The file without expires_after stays.
    expect((await client.files.retrieve(keeper.id)).id).toBe(keeper.id);
    expect(await blobExists(keeper.id)).toBe(true);
    // Swept again, nothing more goes.
    expect((await sweepExpiredFiles(file.expires_at! + 60)).removed).toBe(0);
  });

  test('past its expires_at a file is gone for every read, before any sweep', async () => {
    const file = await upload(client, content('e2'), expiring(HOUR));
    // As if the hour had passed (the sweep has not run yet).
    await getServices().metadata.updateFile(file.id, { expiresAt: Math.floor(Date.now() / 1000) - 1 });
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({
      status: 404,
      error: { message: `No such File object: ${file.id}` },
    });
    await expect(client.files.content(file.id)).rejects.toMatchObject({ status: 404 });
    const listed: string[] = [];
    for await (const f of client.files.list({ limit: 3 })) listed.push(f.id);
    expect(listed).not.toContain(file.id);
    const refused = await client.batches
      .create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 404, error: { param: 'input_file_id' } });
    // Its bytes are still stored until the sweep runs; it then removes them.
    expect(await blobExists(file.id)).toBe(true);
    expect((await sweepExpiredFiles(file.created_at + HOUR)).removed).toBe(1);
    expect(await getServices().metadata.getFileById(file.id)).toBeNull();
  });

  test('a file the provider will not delete right now stays for the next sweep, which removes it', async () => {
    const file = await upload(client, content('e3'), expiring(HOUR));
    openaiSimulator().faults.add({ kind: 'server_error', match: 'DELETE /v1/files/', times: 10 });
    const failed = await sweepExpiredFiles(file.expires_at!);
    openaiSimulator().faults.clear();
    expect(failed).toMatchObject({ removed: 0, failed: 1 });
    expect(await blobExists(file.id)).toBe(true);
    const retried = await sweepExpiredFiles(file.expires_at!);
    expect(retried).toMatchObject({ removed: 1, failed: 0 });
    expect(await getServices().metadata.getFileById(file.id)).toBeNull();
  });

  test('the sweep remembers the days it finished and starts from the first one it did not', async () => {
    const now = Math.floor(Date.now() / 1000);
    const dayOf = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);
    const first = await sweepExpiredFiles(now + 2 * 24 * HOUR);
    expect(first.days[first.days.length - 1]).toBe(dayOf(now + 2 * 24 * HOUR));
    const next = await sweepExpiredFiles(now + 3 * 24 * HOUR);
    expect(next.days).toEqual([dayOf(now + 2 * 24 * HOUR), dayOf(now + 3 * 24 * HOUR)]);
  });

  test('output_expires_after: the output and error files of the batch expire that long after they are written', async () => {
    const file = await upload(
      client,
      jsonl([chatLine('o1', 'gpt-4o-mini', 'hi'), chatLine('o2', 'gpt-4o-mini', 'fail [simulate-error]')]),
      { provider: 'openai' },
    );
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      output_expires_after: { anchor: 'created_at', seconds: 2 * HOUR },
    });
    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('completed');
    for (const id of [done.output_file_id!, done.error_file_id!]) {
      const result = await client.files.retrieve(id);
      expect(result.expires_at).toBe(result.created_at + 2 * HOUR);
    }
    // A batch without it keeps its result files until they are deleted.
    const plain = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const { batch: plainDone } = await pollUntilDone(client, plain.id);
    expect((await client.files.retrieve(plainDone.output_file_id!)).expires_at).toBeNull();
  });

  test.each([
    ['seconds below an hour', { anchor: 'created_at', seconds: 60 }],
    ['seconds above 30 days', { anchor: 'created_at', seconds: 2_592_001 }],
    ['another anchor', { anchor: 'completed_at', seconds: 3600 }],
    ['not an object', '3600'],
  ])('output_expires_after with %s is refused with a 400 naming it, and no batch is made', async (_name, value) => {
    const file = await upload(client, content('bad'), { provider: 'openai' });
    const before = (await client.batches.list()).data.length;
    const err = await client.batches
      .create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', output_expires_after: value } as never)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      status: 400,
      error: { param: 'output_expires_after', code: 'invalid_output_expires_after', type: 'invalid_request_error' },
    });
    expect((await client.batches.list()).data.length).toBe(before);
  });
});
