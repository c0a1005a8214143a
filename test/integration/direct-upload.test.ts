// Direct uploads (gateway extension) through the local gateway: the official OpenAI SDK asks for a
// presigned PUT with its generic client.post, the bytes go straight to the S3 stand-in with fetch, and
// the stand-in's S3 event runs files-register, exactly as the S3 notification does in the stack.
// files.retrieve shows `uploaded` → `processed` (or `error` with status_details).
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { S3Event } from 'aws-lambda';
import { LOCAL_CREDENTIALS } from '#local/stand-ins';
import { registerFiles } from '#lambda/handlers/files-register';
import { RegistrationInProgressError, STALE_REGISTRATION_SECONDS } from '#lambda/files/direct-upload';
import { MAX_UPLOAD_BYTES } from '#lambda/uploads/params';
import { chatLine, jsonl, pollUntilDone, readJsonl, startTestGateway, type TestGateway } from './helpers';
import { rejectionOf } from '#test/support/errors';

interface DirectUpload {
  object: 'file.direct_upload';
  file: OpenAI.FileObject;
  upload: { method: 'PUT'; url: string; headers: Record<string, string>; expires_at: number };
}

const FILES_BUCKET = 'finops-files';

let t: TestGateway;
let alice: OpenAI;
let bob: OpenAI;
let s3: S3Client;
let dynamo: DynamoDBDocumentClient;

beforeAll(async () => {
  // Pass-through on, so that the refusal below is the direct upload's own, not "pass-through disabled".
  t = await startTestGateway({ env: { FINOPS_ALLOW_PROVIDER_KEY_PASSTHROUGH: 'true' } });
  alice = t.client(0);
  bob = t.client(1);
  s3 = new S3Client({ endpoint: t.gateway.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
  dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: t.gateway.dynamodbEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS }),
  );
}, 60_000);
afterAll(async () => {
  s3?.destroy();
  dynamo?.destroy();
  await t?.close();
});

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

function requestDirectUpload(client: OpenAI, body: Record<string, unknown>, headers?: Record<string, string>): Promise<DirectUpload> {
  return client.post('/files/direct-uploads', { body, headers }) as Promise<DirectUpload>;
}

function putBytes(upload: DirectUpload['upload'], bytes: Buffer, headers: Record<string, string> = upload.headers): Promise<Response> {
  return fetch(upload.url, { method: upload.method, headers, body: new Uint8Array(bytes) });
}

/** Waits until no object under direct/ belongs to the file (the registrar removes it). */
async function untilDirectObjectGone(fileId: string, failure: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await directKeys()).some((k) => k.endsWith(fileId))) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((r) => setTimeout(r, 30));
  }
}

/** Polls files.retrieve like a script would, until the file leaves `uploaded`. */
async function settled(client: OpenAI, fileId: string, timeoutMs = 20_000): Promise<OpenAI.FileObject> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const file = await client.files.retrieve(fileId);
    if (file.status !== 'uploaded') return file;
    if (Date.now() > deadline) throw new Error(`file ${fileId} still uploaded after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

async function directKeys(): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: FILES_BUCKET, Prefix: 'direct/' }));
  return (listed.Contents ?? []).map((o) => o.Key!);
}

const errorOf = (promise: Promise<unknown>) => rejectionOf(promise, OpenAI.APIError);

/** A valid batch file of at least `minBytes`. */
function batchFile(minBytes: number, prefix: string, model = 'gpt-4o-mini'): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < minBytes; i++) {
    const line = chatLine(`${prefix}-${i}`, model, `Question ${i}: ${'é lorem ipsum '.repeat(5 + (i % 40))}`);
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return Buffer.from(lines.join('\n') + '\n');
}

const s3Event = (key: string, size: number): S3Event => ({
  Records: [
    {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: new Date().toISOString(),
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:TEST' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'R', 'x-amz-id-2': 'I' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'direct',
        bucket: { name: FILES_BUCKET, ownerIdentity: { principalId: 'P' }, arn: `arn:aws:s3:::${FILES_BUCKET}` },
        object: { key, size, eTag: 'e', sequencer: '1' },
      },
    },
  ],
});

describe('direct upload, end to end', () => {
  test('larger than files.create can carry: uploaded → processed, exact bytes back, a batch runs on it', async () => {
    // Over the 4.5 MB a files.create request may carry, and served back by redirect (over 4 MB).
    const content = batchFile(5 * 1024 * 1024, 'big');
    const answer = await requestDirectUpload(alice, {
      filename: 'direct.jsonl',
      purpose: 'batch',
      bytes: content.length,
      provider: 'openai',
    });

    expect(answer.object).toBe('file.direct_upload');
    expect(answer.file).toMatchObject({
      object: 'file',
      bytes: content.length,
      filename: 'direct.jsonl',
      purpose: 'batch',
      status: 'uploaded',
      status_details: null,
    });
    expect(answer.file.id).toMatch(/^file-[A-Za-z0-9]+$/);
    expect(answer.upload).toMatchObject({
      method: 'PUT',
      headers: { 'content-length': String(content.length), 'content-type': 'application/jsonl' },
    });
    expect(answer.upload.expires_at - answer.file.created_at).toBe(900);
    const url = new URL(answer.upload.url);
    expect(url.pathname).toMatch(new RegExp(`^/${FILES_BUCKET}/direct/tenant_[A-Za-z0-9_-]+/${answer.file.id}$`));
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');

    // Before the bytes arrive the file is listed and retrievable as `uploaded`.
    expect(await alice.files.retrieve(answer.file.id)).toEqual(answer.file);
    expect((await alice.files.list()).data.map((f) => f.id)).toContain(answer.file.id);

    const put = await putBytes(answer.upload, content);
    expect(put.status).toBe(200);

    const file = await settled(alice, answer.file.id);
    expect(file).toEqual({ ...answer.file, status: 'processed', status_details: null });
    // The uploaded object is gone once registered; the file's bytes live in its own place.
    expect(await directKeys()).not.toContain(url.pathname.slice(`/${FILES_BUCKET}/`.length));
    const downloaded = Buffer.from(await (await alice.files.content(file.id)).arrayBuffer());
    expect(downloaded.length).toBe(content.length);
    expect(md5(downloaded)).toBe(md5(content));

    const batch = await alice.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const { batch: done } = await pollUntilDone(alice, batch.id);
    expect(done.status).toBe('completed');
    const lines = content.toString('utf8').trimEnd().split('\n').length;
    expect(done.request_counts).toMatchObject({ total: lines });
    const output = await readJsonl(alice, done.output_file_id);
    const errors = await readJsonl(alice, done.error_file_id);
    expect(output.length + errors.length).toBe(lines);
    expect(new Set([...output, ...errors].map((l) => l.custom_id)).size).toBe(lines);
  }, 60_000);

  test.each(['anthropic', 'gemini', 'bedrock'])('provider %s: registered through its adapter, content exact', async (provider) => {
    const model =
      provider === 'bedrock'
        ? 'anthropic.claude-3-haiku-20240307-v1:0'
        : provider === 'gemini'
          ? 'gemini-2.0-flash'
          : 'claude-3-5-haiku-latest';
    const content = Buffer.from(jsonl([chatLine('p-1', model, 'héllo'), chatLine('p-2', model, 'wörld ✓')]));
    const answer = await requestDirectUpload(alice, { filename: `${provider}.jsonl`, purpose: 'batch', bytes: content.length, provider });
    expect((await putBytes(answer.upload, content)).status).toBe(200);
    const file = await settled(alice, answer.file.id);
    expect(file.status_details).toBeNull();
    expect(file.status).toBe('processed');
    expect(Buffer.from(await (await alice.files.content(file.id)).arrayBuffer()).equals(content)).toBe(true);
    // The file belongs to its provider, as with files.create.
    expect((await alice.files.retrieve(file.id, { query: { provider } } as never)).id).toBe(file.id);
  });
});

describe('what registration refuses', () => {
  test('invalid JSONL → error, with the line number in status_details; the uploaded object is removed', async () => {
    const content = Buffer.from(
      jsonl([chatLine('ok-1', 'gpt-4o-mini', 'fine'), chatLine('ok-2', 'gpt-4o-mini', 'fine'), '{"custom_id": "broken", ']),
    );
    const answer = await requestDirectUpload(alice, { filename: 'broken.jsonl', purpose: 'batch', bytes: content.length });
    expect((await putBytes(answer.upload, content)).status).toBe(200);
    const file = await settled(alice, answer.file.id);
    expect(file.status).toBe('error');
    expect(file.status_details).toBe('Line 3 is not valid JSON.');
    expect((await directKeys()).filter((key) => key.endsWith(answer.file.id))).toEqual([]);
  });

  test('a PUT of another size: the S3 stand-in stores it (s3rver does not check V4 signatures), registration refuses it', async () => {
    const content = Buffer.from(jsonl([chatLine('s-1', 'gpt-4o-mini', 'declared size')]));
    const answer = await requestDirectUpload(alice, { filename: 'sized.jsonl', purpose: 'batch', bytes: content.length });
    const longer = Buffer.concat([content, Buffer.from(jsonl([chatLine('s-2', 'gpt-4o-mini', 'one line too many')]))]);
    // Real S3 answers 403 SignatureDoesNotMatch here: content-length is a signed header (checked above
    // and in test/unit/direct-upload-params.test.ts). s3rver accepts any V4 signature.
    const put = await putBytes(answer.upload, longer, { 'content-type': 'application/jsonl' });
    expect(put.status).toBe(200);
    const file = await settled(alice, answer.file.id);
    expect(file.status).toBe('error');
    expect(file.status_details).toBe(
      `The uploaded object has ${longer.length} bytes, but the direct upload was requested with bytes=${content.length}. Request a new direct upload with the file's exact size.`,
    );
    expect((await directKeys()).filter((key) => key.endsWith(answer.file.id))).toEqual([]);
  });
});

describe('when the provider fails while registering', () => {
  const openaiFaults = () => t.gateway.providers.find((p) => p.provider === 'openai')!.simulator!.faults;
  afterEach(() => openaiFaults().clear());

  async function uploadDirect(name: string): Promise<OpenAI.FileObject> {
    const content = Buffer.from(jsonl([chatLine(`${name}-1`, 'gpt-4o-mini', 'retried')]));
    const answer = await requestDirectUpload(alice, {
      filename: `${name}.jsonl`,
      purpose: 'batch',
      bytes: content.length,
      provider: 'openai',
    });
    expect((await putBytes(answer.upload, content)).status).toBe(200);
    return settled(alice, answer.file.id);
  }

  test('a passing failure is retried (Lambda retries the event): the file ends processed', async () => {
    // The OpenAI copy is made from a stream, which the OpenAI SDK cannot replay: only the event retry helps.
    openaiFaults().add({ kind: 'server_error', match: 'POST /v1/files', times: 1 });
    const file = await uploadDirect('flaky');
    expect(file.status_details).toBeNull();
    expect(file.status).toBe('processed');
  });

  test('failing on every attempt → error that says so, not `uploaded` forever', async () => {
    openaiFaults().add({ kind: 'server_error', match: 'POST /v1/files', times: 3 });
    const file = await uploadDirect('down');
    expect(file.status).toBe('error');
    expect(file.status_details).toMatch(
      /^The gateway could not register the file after 3 attempts: the provider was unavailable \(.*HTTP 500.*\)\. Request a new direct upload to try again\.$/,
    );
    expect((await directKeys()).filter((key) => key.endsWith(file.id))).toEqual([]);
  });
});

describe('what the request refuses', () => {
  test('bytes over 200 MB → 400 that states the limit; nothing recorded', async () => {
    const before = (await alice.files.list()).data.length;
    const err = await errorOf(requestDirectUpload(alice, { filename: 'huge.jsonl', purpose: 'batch', bytes: MAX_UPLOAD_BYTES + 1 }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'bytes', code: 'file_too_large' });
    expect(err.message).toContain('200 MB');
    expect((await alice.files.list()).data.length).toBe(before);
  });

  test.each([
    ['no bytes', { filename: 'a.jsonl', purpose: 'batch' }, 'bytes'],
    ['zero bytes', { filename: 'a.jsonl', purpose: 'batch', bytes: 0 }, 'bytes'],
    ['no filename', { purpose: 'batch', bytes: 10 }, 'filename'],
    ['another purpose', { filename: 'a.jsonl', purpose: 'fine-tune', bytes: 10 }, 'purpose'],
    ['an unknown provider', { filename: 'a.jsonl', purpose: 'batch', bytes: 10, provider: 'nope' }, 'provider'],
  ])('%s → 400', async (_, body, param) => {
    const err = await errorOf(requestDirectUpload(alice, body));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ param });
  });

  test('a provider key to pass through → 400: registration happens later, without it', async () => {
    const err = await errorOf(
      requestDirectUpload(alice, { filename: 'a.jsonl', purpose: 'batch', bytes: 10 }, { 'X-Provider-Api-Key': 'sk-client-own' }),
    );
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ code: 'passthrough_not_supported' });
  });
});

describe('tenancy and repeated events', () => {
  test('another tenant cannot see, retrieve, read or delete the file, before or after registration', async () => {
    const content = Buffer.from(jsonl([chatLine('t-1', 'gpt-4o-mini', 'alice-direct-secret')]));
    const answer = await requestDirectUpload(alice, { filename: 'mine.jsonl', purpose: 'batch', bytes: content.length });
    const expectHidden = async () => {
      expect((await errorOf(bob.files.retrieve(answer.file.id))).status).toBe(404);
      expect((await errorOf(bob.files.content(answer.file.id))).status).toBe(404);
      expect((await errorOf(bob.files.delete(answer.file.id))).status).toBe(404);
      expect((await bob.files.list()).data.map((f) => f.id)).not.toContain(answer.file.id);
    };
    await expectHidden();
    expect((await putBytes(answer.upload, content)).status).toBe(200);
    expect((await settled(alice, answer.file.id)).status).toBe('processed');
    await expectHidden();
    expect((await alice.files.retrieve(answer.file.id)).status).toBe('processed');
  });

  test('the same event delivered again, even at the same time: registered once, never turned into an error', async () => {
    const content = Buffer.from(jsonl([chatLine('r-1', 'gpt-4o-mini', 'once'), chatLine('r-2', 'gpt-4o-mini', 'only')]));
    const answer = await requestDirectUpload(alice, { filename: 'twice.jsonl', purpose: 'batch', bytes: content.length });
    const key = decodeURIComponent(new URL(answer.upload.url).pathname).slice(`/${FILES_BUCKET}/`.length);
    expect((await putBytes(answer.upload, content)).status).toBe(200);
    // The stand-in's own delivery is under way; three more copies of the event race it. Each either
    // registers the file, finds it registered, or asks for a retry while another holds the claim.
    const results = await Promise.allSettled([1, 2, 3].map(() => registerFiles(s3Event(key, content.length))));
    for (const result of results) {
      if (result.status === 'fulfilled')
        expect(result.value.length === 1 && ['processed', 'already-registered'].includes(result.value[0])).toBe(true);
      else expect(result.reason).toBeInstanceOf(RegistrationInProgressError);
    }
    const file = await settled(alice, answer.file.id);
    expect(file).toMatchObject({ status: 'processed', status_details: null, bytes: content.length });
    // And once more, long after: nothing changes.
    expect(await registerFiles(s3Event(key, content.length))).toEqual(['already-registered']);
    expect(await alice.files.retrieve(answer.file.id)).toEqual(file);
    expect(Buffer.from(await (await alice.files.content(file.id)).arrayBuffer()).equals(content)).toBe(true);
  });

  test('a claim left by a registration that died blocks others until it is stale, then one takes over', async () => {
    const content = Buffer.from(jsonl([chatLine('c-1', 'gpt-4o-mini', 'claimed')]));
    const answer = await requestDirectUpload(alice, { filename: 'claimed.jsonl', purpose: 'batch', bytes: content.length });
    const key = decodeURIComponent(new URL(answer.upload.url).pathname).slice(`/${FILES_BUCKET}/`.length);
    // As if a registration had claimed the file and then crashed (out of memory, timed out).
    const claimAt = (ms: number) =>
      dynamo.send(
        new UpdateCommand({
          TableName: 'finops-gateway',
          Key: { pk: `FILE#${answer.file.id}`, sk: 'FILE' },
          UpdateExpression: 'SET registeringSinceMs = :t, registerAttempts = :one',
          ExpressionAttributeValues: { ':t': ms, ':one': 1 },
        }),
      );
    await claimAt(Date.now());
    expect((await putBytes(answer.upload, content)).status).toBe(200);
    await expect(registerFiles(s3Event(key, content.length))).rejects.toBeInstanceOf(RegistrationInProgressError);
    expect((await alice.files.retrieve(answer.file.id)).status).toBe('uploaded');

    await claimAt(Date.now() - (STALE_REGISTRATION_SECONDS + 1) * 1000);
    const retried = await registerFiles(s3Event(key, content.length)).catch((err) => err);
    // The stand-in's own delivery may still be retrying and take over first: then this one waits.
    if (Array.isArray(retried)) expect(['processed', 'already-registered']).toContain(retried[0]);
    else expect(retried).toBeInstanceOf(RegistrationInProgressError);
    expect(await settled(alice, answer.file.id)).toMatchObject({ status: 'processed', status_details: null });
  });

  test('a second PUT to the URL after registration is removed and changes nothing', async () => {
    const content = Buffer.from(jsonl([chatLine('w-1', 'gpt-4o-mini', 'first')]));
    const answer = await requestDirectUpload(alice, { filename: 'again.jsonl', purpose: 'batch', bytes: content.length });
    expect((await putBytes(answer.upload, content)).status).toBe(200);
    const file = await settled(alice, answer.file.id);
    // Registration records `processed`, then removes the uploaded object: wait for that too, since the
    // S3 stand-in (s3rver) answers 500 to a PUT that races a DELETE of the same key (real S3 does not).
    await untilDirectObjectGone(answer.file.id, 'the first upload was never removed after registration');
    const other = Buffer.from(content.toString('utf8').replace('first', 'other'));
    expect(other.length).toBe(content.length);
    expect((await putBytes(answer.upload, other)).status).toBe(200);
    // The stand-in delivers the event asynchronously: wait until the leftover is cleaned up.
    await untilDirectObjectGone(answer.file.id, 'the second PUT was never cleaned up');
    expect(await alice.files.retrieve(answer.file.id)).toEqual(file);
    expect(Buffer.from(await (await alice.files.content(file.id)).arrayBuffer()).equals(content)).toBe(true);
  });

  test('an object under direct/ that no upload waits for is ignored and left alone', async () => {
    const key = 'direct/tenant_nobody/file-doesnotexist000000000000';
    await s3.send(new PutObjectCommand({ Bucket: FILES_BUCKET, Key: key, Body: 'x' }));
    expect(await registerFiles(s3Event(key, 1))).toEqual(['ignored']);
    expect(await registerFiles(s3Event('direct/not-a-direct-key', 1))).toEqual(['ignored']);
    expect(await directKeys()).toContain(key);
  });
});
