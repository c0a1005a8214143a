// The Uploads API and downloads through the local gateway, spoken by the official OpenAI Node SDK:
// chunked uploads, the part and request size limits, cancel, tenancy, completion errors, and content
// served inline or by redirect with the exact bytes.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalGateway, type LocalGateway } from '#local/gateway';
import { LOCAL_CREDENTIALS } from '#local/stand-ins';
import { chatLine } from './helpers';
import { rejectionOf } from '#test/support/errors';

const KEYS = ['sk-finops-uploads-alice', 'sk-finops-uploads-bob'];
const MAX_PART_BYTES = 4_500_000; // config.maxDirectUploadBytes default
const MAX_INLINE_DOWNLOAD_BYTES = 4_000_000; // config.maxInlineDownloadBytes default

let gateway: LocalGateway;
let dataDir: string;
let alice: OpenAI;
let bob: OpenAI;
let s3: S3Client;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'finops-uploads-'));
  gateway = await startLocalGateway({ port: 0, dataDir, apiKeys: KEYS, simulatorStepMs: 50, trackerWaitMs: 50 });
  alice = new OpenAI({ baseURL: gateway.baseURL, apiKey: KEYS[0], maxRetries: 0, timeout: 60_000 });
  bob = new OpenAI({ baseURL: gateway.baseURL, apiKey: KEYS[1], maxRetries: 0, timeout: 60_000 });
  s3 = new S3Client({ endpoint: gateway.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
});
afterAll(async () => {
  s3?.destroy();
  await gateway?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A valid batch file of at least `minBytes`, lines of varied length (so part boundaries fall mid-line). */
function batchFile(minBytes: number, prefix = 'req'): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < minBytes; i++) {
    const line = chatLine(`${prefix}-${i}`, 'gpt-4o-mini', `Question ${i}: ${'é lorem ipsum '.repeat(5 + (i % 40))}`);
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return Buffer.from(lines.join('\n') + '\n');
}

function split(bytes: Buffer, partBytes: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += partBytes) parts.push(bytes.subarray(i, i + partBytes));
  return parts;
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

async function startUpload(client: OpenAI, bytes: number, extra: Record<string, unknown> = {}) {
  return client.uploads.create({
    filename: 'big_batch.jsonl',
    purpose: 'batch',
    bytes,
    mime_type: 'application/jsonl',
    provider: 'openai',
    ...extra,
  } as never);
}

async function sendPart(client: OpenAI, uploadId: string, data: Buffer) {
  return client.uploads.parts.create(uploadId, { data: await toFile(data, 'part') });
}

async function partKeys(uploadId: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'finops-files', Prefix: 'uploads/' }));
  return (listed.Contents ?? []).map((o) => o.Key!).filter((key) => key.includes(`/${uploadId}/`));
}

/** The raw answer of files.content, without following a redirect. */
async function rawContent(fileId: string): Promise<Response> {
  return fetch(`${gateway.baseURL}/files/${fileId}/content`, { headers: { authorization: `Bearer ${KEYS[0]}` }, redirect: 'manual' });
}

const errorOf = (promise: Promise<unknown>) => rejectionOf(promise, OpenAI.APIError);

describe('chunked upload with the SDK', () => {
  test('parts sent in parallel, completed in order → a file whose content is the exact bytes (served by redirect)', async () => {
    const content = batchFile(10 * 1024 * 1024);
    const pieces = split(content, 4 * 1024 * 1024);
    expect(pieces.length).toBeGreaterThanOrEqual(3);

    const upload = await startUpload(alice, content.length);
    expect(upload).toMatchObject({
      object: 'upload',
      bytes: content.length,
      filename: 'big_batch.jsonl',
      purpose: 'batch',
      status: 'pending',
      file: null,
    });
    expect(upload.id).toMatch(/^upload_[A-Za-z0-9]+$/);
    expect(upload.expires_at - upload.created_at).toBe(3600);
    expect(upload.created_at).toBeLessThan(10_000_000_000);

    // In parallel, so they are stored in whatever order they arrive; part_ids decide the file's order.
    const parts = await Promise.all(pieces.map((piece) => sendPart(alice, upload.id, piece)));
    for (const part of parts) {
      expect(part).toEqual({
        id: expect.stringMatching(/^part_[A-Za-z0-9]+$/),
        object: 'upload.part',
        created_at: expect.any(Number),
        upload_id: upload.id,
      });
    }
    expect(await partKeys(upload.id)).toHaveLength(pieces.length);

    const completed = await alice.uploads.complete(upload.id, { part_ids: parts.map((p) => p.id), md5: md5(content) });
    expect(completed).toMatchObject({ id: upload.id, object: 'upload', status: 'completed', bytes: content.length });
    expect(completed.file).toMatchObject({
      object: 'file',
      purpose: 'batch',
      filename: 'big_batch.jsonl',
      bytes: content.length,
      status: 'processed',
    });
    expect(completed.file!.id).toMatch(/^file-/);
    // Parts are gone once the file exists.
    expect(await partKeys(upload.id)).toEqual([]);

    expect(await alice.files.retrieve(completed.file!.id)).toEqual(completed.file);

    const raw = await rawContent(completed.file!.id);
    expect(raw.status).toBe(302);
    expect(raw.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/finops-files\/.*X-Amz-Signature=/);
    const downloaded = Buffer.from(await (await alice.files.content(completed.file!.id)).arrayBuffer());
    expect(downloaded.length).toBe(content.length);
    expect(md5(downloaded)).toBe(md5(content));

    // The same complete again (an SDK retry after a lost answer) gets the same answer.
    const again = await alice.uploads.complete(upload.id, { part_ids: parts.map((p) => p.id), md5: md5(content) });
    expect(again).toEqual({ ...completed, status: 'completed' });
  });

  test('a small upload is served inline, byte for byte (CRLF, UTF-8, no trailing newline)', async () => {
    const content = Buffer.from(`${chatLine('crlf-1', 'gpt-4o-mini', 'héllo')}\r\n${chatLine('crlf-2', 'gpt-4o-mini', 'wörld ✓')}`);
    const upload = await startUpload(alice, content.length);
    const [first, second] = [content.subarray(0, 37), content.subarray(37)];
    const p1 = await sendPart(alice, upload.id, first);
    const p2 = await sendPart(alice, upload.id, second);
    const completed = await alice.uploads.complete(upload.id, { part_ids: [p1.id, p2.id] });
    expect(completed.status).toBe('completed');

    const raw = await rawContent(completed.file!.id);
    expect(raw.status).toBe(200);
    const downloaded = Buffer.from(await (await alice.files.content(completed.file!.id)).arrayBuffer());
    expect(downloaded.equals(content)).toBe(true);
  });

  test('a file just above the inline limit, uploaded with files.create-sized parts, comes back exact by redirect', async () => {
    const content = batchFile(MAX_INLINE_DOWNLOAD_BYTES + 1000);
    const upload = await startUpload(alice, content.length);
    const parts = [];
    for (const piece of split(content, MAX_PART_BYTES)) parts.push(await sendPart(alice, upload.id, piece));
    const completed = await alice.uploads.complete(upload.id, { part_ids: parts.map((p) => p.id) });
    expect((await rawContent(completed.file!.id)).status).toBe(302);
    expect(Buffer.from(await (await alice.files.content(completed.file!.id)).arrayBuffer()).equals(content)).toBe(true);
  });

  test('the completed file is a batch input like any other: a batch on it completes', async () => {
    const content = Buffer.from([chatLine('u-1', 'gpt-4o-mini', 'one'), chatLine('u-2', 'gpt-4o-mini', 'two')].join('\n') + '\n');
    const upload = await startUpload(alice, content.length);
    const part = await sendPart(alice, upload.id, content);
    const { file } = await alice.uploads.complete(upload.id, { part_ids: [part.id] });
    const batch = await alice.batches.create({ input_file_id: file!.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    let current = batch;
    for (
      const deadline = Date.now() + 20_000;
      !['completed', 'failed', 'expired', 'cancelled'].includes(current.status) && Date.now() < deadline;
    ) {
      await new Promise((r) => setTimeout(r, 50));
      current = await alice.batches.retrieve(batch.id);
    }
    expect(current.status).toBe('completed');
    expect(current.request_counts?.total).toBe(2);
  });
});

describe('size limits', () => {
  test('a part one byte over the limit → 413 that states the limit', async () => {
    const upload = await startUpload(alice, MAX_PART_BYTES + 1);
    const err = await errorOf(sendPart(alice, upload.id, Buffer.alloc(MAX_PART_BYTES + 1, 0x61)));
    expect(err.status).toBe(413);
    expect(err.message).toContain(`larger than ${MAX_PART_BYTES} bytes`);
    expect(await partKeys(upload.id)).toEqual([]);
    // A part exactly at the limit is fine.
    await expect(sendPart(alice, upload.id, Buffer.alloc(MAX_PART_BYTES, 0x61))).resolves.toMatchObject({ object: 'upload.part' });
  });

  test('a part far over the limit is refused before any handler runs, still as an OpenAI 413', async () => {
    const upload = await startUpload(alice, 8_000_000);
    const err = await errorOf(sendPart(alice, upload.id, Buffer.alloc(8_000_000, 0x61)));
    expect(err.status).toBe(413);
    expect(err.message).toContain('4.5 MB');
    expect(await partKeys(upload.id)).toEqual([]);
  });

  test.each([
    ['just over the limit (the handler refuses it)', 4_600_000],
    ['over what a Lambda request can carry (refused in front of the handler)', 7_000_000],
  ])('a plain files.create %s → 413 pointing to the Uploads API', async (_name, size) => {
    const err = await errorOf(
      alice.files.create({ file: await toFile(batchFile(size).subarray(0, size), 'too_big.jsonl'), purpose: 'batch' }),
    );
    expect(err.status).toBe(413);
    expect(err.message).toContain('Uploads API');
    expect(err.message).toContain('4.5');
  });

  test('declaring more than 200 MB is refused at uploads.create', async () => {
    const err = await errorOf(startUpload(alice, 200 * 1024 * 1024 + 1));
    expect(err.status).toBe(400);
    expect(err.message).toContain('200 MB');
  });
});

describe('completion errors leave the upload usable', () => {
  test('wrong part ids, a size mismatch and a wrong md5 → 400; then the right request completes', async () => {
    const content = batchFile(50_000, 'fix');
    const upload = await startUpload(alice, content.length);
    const [a, b] = split(content, 30_000);
    expect(a[a.length - 1]).not.toBe(0x0a); // the cut falls inside a line
    const filesBefore = (await alice.files.list()).data.length;
    const pa = await sendPart(alice, upload.id, a);
    const pb = await sendPart(alice, upload.id, b);

    const unknown = await errorOf(alice.uploads.complete(upload.id, { part_ids: [pa.id, 'part_doesnotexist'] }));
    expect(unknown.status).toBe(400);
    expect(unknown.message).toContain('part_doesnotexist is not a part of upload');

    const short = await errorOf(alice.uploads.complete(upload.id, { part_ids: [pa.id] }));
    expect(short.status).toBe(400);
    expect(short.message).toContain(`add up to ${a.length} bytes`);

    const badSum = await errorOf(alice.uploads.complete(upload.id, { part_ids: [pa.id, pb.id], md5: '0'.repeat(32) }));
    expect(badSum.status).toBe(400);
    expect(badSum.message).toContain(`MD5 of the uploaded bytes is ${md5(content)}`);
    expect((await alice.files.list()).data).toHaveLength(filesBefore);

    // Order matters: b then a is the right size but not this file (its first line is cut) → the line is named.
    const swapped = await errorOf(alice.uploads.complete(upload.id, { part_ids: [pb.id, pa.id] }));
    expect(swapped.status).toBe(400);
    expect(swapped.message).toContain('Line 1 ');

    const completed = await alice.uploads.complete(upload.id, { part_ids: [pa.id, pb.id], md5: md5(content) });
    expect(completed.status).toBe('completed');
    expect(Buffer.from(await (await alice.files.content(completed.file!.id)).arrayBuffer()).equals(content)).toBe(true);

    // Completed: a different completion, another part, or a cancel are refused.
    expect((await errorOf(alice.uploads.complete(upload.id, { part_ids: [pa.id] }))).status).toBe(400);
    expect((await errorOf(sendPart(alice, upload.id, a))).status).toBe(400);
    const cancelCompleted = await errorOf(alice.uploads.cancel(upload.id));
    expect(cancelCompleted.status).toBe(400);
    expect(cancelCompleted.message).toContain('already completed');
  });

  test('an invalid batch line is reported with its line number, and nothing is kept', async () => {
    const content = Buffer.from(`${chatLine('ok-1', 'gpt-4o-mini', 'fine')}\n{"custom_id": "broken", \n`);
    const upload = await startUpload(alice, content.length, { filename: 'broken.jsonl' });
    const part = await sendPart(alice, upload.id, content);
    const err = await errorOf(alice.uploads.complete(upload.id, { part_ids: [part.id] }));
    expect(err.status).toBe(400);
    expect(err.message).toContain('Line 2');
    expect((await alice.files.list()).data.map((f) => f.filename)).not.toContain('broken.jsonl');
    // Still pending: it can be cancelled.
    expect((await alice.uploads.cancel(upload.id)).status).toBe('cancelled');
  });

  test('parts beyond what an upload may receive are refused', async () => {
    const upload = await startUpload(alice, 10);
    // Declared 10 bytes: room for 10 + max(10, 4.5 MB) bytes of parts in all.
    await sendPart(alice, upload.id, Buffer.alloc(MAX_PART_BYTES, 0x61));
    await sendPart(alice, upload.id, Buffer.alloc(10, 0x61));
    const err = await errorOf(sendPart(alice, upload.id, Buffer.alloc(1, 0x61)));
    expect(err.status).toBe(400);
    expect(err.message).toContain('has already received 4500010 bytes');
  });
});

describe('cancel, expiry and tenancy', () => {
  test('cancel → cancelled, parts deleted; afterwards parts, complete and cancel are refused', async () => {
    const upload = await startUpload(alice, 20);
    const part = await sendPart(alice, upload.id, Buffer.from('0123456789'));
    expect(await partKeys(upload.id)).toHaveLength(1);

    const cancelled = await alice.uploads.cancel(upload.id);
    expect(cancelled).toMatchObject({ id: upload.id, object: 'upload', status: 'cancelled', file: null });
    expect(await partKeys(upload.id)).toEqual([]);

    const late = await errorOf(sendPart(alice, upload.id, Buffer.from('0123456789')));
    expect(late.status).toBe(400);
    expect(late.message).toContain('cancelled');
    expect((await errorOf(alice.uploads.complete(upload.id, { part_ids: [part.id] }))).status).toBe(400);
    expect((await errorOf(alice.uploads.cancel(upload.id))).status).toBe(400);
  });

  test('an upload past its hour is expired: parts and complete are refused', async () => {
    const upload = await startUpload(alice, 10);
    const part = await sendPart(alice, upload.id, Buffer.alloc(10, 0x61));
    // Move its deadline into the past directly in the table, instead of waiting an hour.
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: gateway.dynamodbEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS }),
    );
    await db.send(
      new UpdateCommand({
        TableName: 'finops-gateway',
        Key: { pk: `UPLOAD#${upload.id}`, sk: 'UPLOAD' },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': upload.created_at - 1 },
      }),
    );
    db.destroy();

    const err = await errorOf(sendPart(alice, upload.id, Buffer.alloc(1)));
    expect(err.status).toBe(400);
    expect(err.message).toContain('expired');
    expect((await errorOf(alice.uploads.complete(upload.id, { part_ids: [part.id] }))).message).toContain('expired');
  });

  test("another key's upload is a 404 for every operation, and stays untouched", async () => {
    const content = Buffer.from(chatLine('mine', 'gpt-4o-mini', 'private') + '\n');
    const upload = await startUpload(alice, content.length);
    const part = await sendPart(alice, upload.id, content);

    const attempts = [
      () => sendPart(bob, upload.id, content),
      () => bob.uploads.complete(upload.id, { part_ids: [part.id] }),
      () => bob.uploads.cancel(upload.id),
    ];
    for (const attempt of attempts) {
      const err = await errorOf(attempt());
      expect(err.status).toBe(404);
      expect(err.error).toEqual({
        message: `No such Upload object: ${upload.id}`,
        type: 'invalid_request_error',
        param: 'upload_id',
        code: null,
      });
    }
    expect((await errorOf(alice.uploads.cancel('upload_doesnotexist'))).status).toBe(404);

    const completed = await alice.uploads.complete(upload.id, { part_ids: [part.id] });
    expect(completed.status).toBe('completed');
    expect((await errorOf(bob.files.retrieve(completed.file!.id))).status).toBe(404);
  });
});
