// The hostile and broken input catalogue (issue 8): one row per case, run against the local gateway
// with the official OpenAI SDK (raw fetch or a raw socket where the SDK cannot say it). Every row
// asserts the exact HTTP status, the OpenAI error shape {error:{message,type,param,code}} with a
// message naming the problem, and that nothing changed: both tenants' file and batch lists, every
// object in the gateway's buckets, and the simulators' own files, batches and jobs are identical
// before and after.
import { connect } from 'node:net';
import OpenAI, { toFile } from 'openai';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BedrockClient, ListModelInvocationJobsCommand } from '@aws-sdk/client-bedrock';
import { LOCAL_CREDENTIALS } from '#local/stand-ins';
import { MAX_BATCH_LINES } from '#lambda/batch-files/validate';
import { openaiCompatibleQuirks } from '#contracts/providers';

import { PROVIDER_NAMES } from '#contracts/providers';
import { chatLine, jsonl, pollUntilDone, startTestGateway, TEST_KEYS, upload, type TestGateway } from './helpers';
import { PROVIDER_CASES } from './provider-cases';
import type { VertexSimulator } from '#local/simulators/vertex/index';

let t: TestGateway;
let alice: OpenAI;
let bob: OpenAI;
let s3: S3Client;
let bedrock: BedrockClient;

/** Objects the cases refer to, made once before the catalogue runs. */
interface Fixtures {
  aliceFile: string;
  bobFile: string;
  aliceBatch: string; // completed
  bobBatch: string; // completed
  outputFile: string; // purpose batch_output
  geminiMixedFile: string;
  bedrockMixedFile: string;
  bedrockFile: string;
  /** A batch input file of each OpenAI-shaped provider (the catalogue's per-provider rows). */
  compatibleFiles: Record<CompatibleProvider, string>;
  /** Alice's batch input per provider of HOSTILE_PROVIDERS. */
  files: Record<HostileProvider, string>;
}
let fx: Fixtures;

/** The OpenAI-shaped providers of the catalog (contracts/providers.ts) the per-provider rows run over, with a model of each. */
const COMPATIBLE: Array<[CompatibleProvider, string]> = [
  ['groq', 'llama-3.1-8b-instant'],
  ['together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo'],
];
type CompatibleProvider = 'groq' | 'together';

/** Providers of OpenAI's shape (a file in, output files out): the provider-specific rows run once for each. */
const HOSTILE_PROVIDERS = ['openai', 'azure'] as const;
type HostileProvider = (typeof HOSTILE_PROVIDERS)[number];

const GPT = 'gpt-4o-mini';
const CLAUDE_ON_BEDROCK = 'anthropic.claude-3-haiku-20240307-v1:0';
const BUCKETS = ['finops-files', 'finops-bedrock-input', 'finops-bedrock-output'];

beforeAll(async () => {
  // A deployment that lets Bedrock jobs run in two regions (stack prop bedrockJobRegions); others are refused.
  t = await startTestGateway({ env: { FINOPS_BEDROCK_REGIONS: 'us-east-1,us-west-2' } });
  alice = t.client(0);
  bob = t.client(1);
  s3 = new S3Client({ endpoint: t.gateway.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
  bedrock = new BedrockClient({ endpoint: simulator('bedrock').url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });

  const aliceFile = (await upload(alice, jsonl([chatLine('a1', GPT, 'hi'), chatLine('a2', GPT, 'there')]), { provider: 'openai' })).id;
  const bobFile = (await upload(bob, jsonl([chatLine('b1', GPT, 'hi')]), { provider: 'openai' })).id;
  const create = (client: OpenAI, file: string) =>
    client.batches.create({ input_file_id: file, endpoint: '/v1/chat/completions', completion_window: '24h' });
  const [aliceDone, bobDone] = await Promise.all([
    create(alice, aliceFile).then((b) => pollUntilDone(alice, b.id)),
    create(bob, bobFile).then((b) => pollUntilDone(bob, b.id)),
  ]);
  expect(aliceDone.batch.status).toBe('completed');
  expect(bobDone.batch.status).toBe('completed');
  fx = {
    aliceFile,
    bobFile,
    aliceBatch: aliceDone.batch.id,
    bobBatch: bobDone.batch.id,
    outputFile: aliceDone.batch.output_file_id!,
    geminiMixedFile: (
      await upload(alice, jsonl([chatLine('g1', 'gemini-2.0-flash', 'hi'), chatLine('g2', 'gemini-1.5-pro', 'hi')]), { provider: 'gemini' })
    ).id,
    bedrockMixedFile: (
      await upload(alice, jsonl([chatLine('m1', CLAUDE_ON_BEDROCK, 'hi'), chatLine('m2', 'meta.llama3-8b-instruct-v1:0', 'hi')]), {
        provider: 'bedrock',
      })
    ).id,
    bedrockFile: (await upload(alice, jsonl([chatLine('c1', CLAUDE_ON_BEDROCK, 'hi')]), { provider: 'bedrock' })).id,
    compatibleFiles: Object.fromEntries(
      await Promise.all(
        COMPATIBLE.map(async ([provider, model]) => [
          provider,
          (await upload(alice, jsonl([chatLine('p1', model, 'hi')]), { provider })).id,
        ]),
      ),
    ) as Record<CompatibleProvider, string>,

    files: { openai: aliceFile, azure: (await upload(alice, jsonl([chatLine('z1', GPT, 'hi')]), { provider: 'azure' })).id },
  };
}, 180_000); // a gateway and six simulators on a loaded 2-core machine

afterAll(async () => {
  s3?.destroy();
  bedrock?.destroy();
  await t?.close();
});

function simulator(provider: string) {
  const info = t.gateway.providers.find((p) => p.provider === provider);
  if (!info?.simulator) throw new Error(`no ${provider} simulator`);
  return { url: info.url, apiKey: info.simulator.apiKey };
}

// ---- "nothing changed" -------------------------------------------------------------------------

async function getJson(url: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`${url} → ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

async function gatewayObjects(client: OpenAI) {
  const files: unknown[] = [];
  for await (const f of client.files.list({ limit: 10_000 })) files.push(f);
  const batches: unknown[] = [];
  for await (const b of client.batches.list({ limit: 100 })) batches.push(b);
  return { files, batches };
}

async function providerObjects() {
  const openai = simulator('openai');
  const bearer = { authorization: `Bearer ${openai.apiKey}` };
  const anthropic = simulator('anthropic');
  const gemini = simulator('gemini');
  const geminiKey = { 'x-goog-api-key': gemini.apiKey };
  const azure = simulator('azure');
  const ids = (list: unknown, field: string, key: string) =>
    ((list as Record<string, Array<Record<string, unknown>>>)[field] ?? []).map((o) => `${o[key]}`).sort();
  const compatible = await Promise.all(
    COMPATIBLE.map(async ([provider]) => {
      const sim = simulator(provider);
      const auth = { authorization: `Bearer ${sim.apiKey}` };
      const [files, batches] = await Promise.all([getJson(`${sim.url}/files?limit=10000`, auth), getList(`${sim.url}/batches`, auth)]);
      return [
        [`${provider}Files`, ids(files, 'data', 'id')],
        [`${provider}Batches`, batches.map((b) => `${b.id}`).sort()],
      ] as const;
    }),
  );
  const [azureFiles, azureBatches, openaiFiles, openaiBatches, anthropicBatches, geminiFiles, geminiBatches, bedrockJobs] =
    await Promise.all([
      getJson(`${azure.url}/openai/files?limit=10000&api-version=2024-10-21`, { 'api-key': azure.apiKey }),
      getJson(`${azure.url}/openai/batches?limit=100&api-version=2024-10-21`, { 'api-key': azure.apiKey }),
      getJson(`${openai.url}/files?limit=10000`, bearer),
      getJson(`${openai.url}/batches?limit=100`, bearer),
      getJson(`${anthropic.url}/v1/messages/batches?limit=100`, { 'x-api-key': anthropic.apiKey, 'anthropic-version': '2023-06-01' }),
      getJson(`${gemini.url}/v1beta/files?pageSize=100`, geminiKey),
      getJson(`${gemini.url}/v1beta/batches?pageSize=100`, geminiKey),
      bedrock.send(new ListModelInvocationJobsCommand({ maxResults: 100 })),
    ]);
  const vertex = t.gateway.providers.find((p) => p.provider === 'vertex')?.simulator as VertexSimulator | undefined;
  return {
    vertexObjects: vertex ? [...vertex.storage.objects.keys()].sort() : [],
    vertexJobs: vertex ? vertex.jobNames().sort() : [],
    openaiFiles: ids(openaiFiles, 'data', 'id'),
    openaiBatches: ids(openaiBatches, 'data', 'id'),
    azureFiles: ids(azureFiles, 'data', 'id'),
    azureBatches: ids(azureBatches, 'data', 'id'),
    anthropicBatches: ids(anthropicBatches, 'data', 'id'),
    geminiFiles: ids(geminiFiles, 'files', 'name'),
    geminiBatches: ids(geminiBatches, 'operations', 'name'),
    bedrockJobs: (bedrockJobs.invocationJobSummaries ?? []).map((j) => j.jobArn).sort(),
    ...Object.fromEntries(compatible.flat()),
  };
}

/** A batch list as an array, whether OpenAI's `{data}` page or Together's bare array. */
async function getList(url: string, headers: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`${url} → ${res.status}`);
  const body = (await res.json()) as unknown;
  return Array.isArray(body) ? body : ((body as { data?: Array<Record<string, unknown>> }).data ?? []);
}

async function storedObjects() {
  const listed = await Promise.all(BUCKETS.map((Bucket) => s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: 1000 }))));
  return listed.flatMap((page, i) => (page.Contents ?? []).map((o) => `${BUCKETS[i]}/${o.Key}:${o.Size}`)).sort();
}

async function snapshot() {
  const [a, b, providers, objects] = await Promise.all([gatewayObjects(alice), gatewayObjects(bob), providerObjects(), storedObjects()]);
  return { alice: a, bob: b, providers, objects };
}

// ---- what the client sees ------------------------------------------------------------------------

interface Outcome {
  status: number;
  body: unknown;
}

/** A call through the SDK that must fail: its status and the error body the SDK parsed. */
async function sdk(call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
  } catch (err) {
    if (err instanceof OpenAI.APIError && err.status !== undefined) return { status: err.status, body: { error: err.error } };
    throw err;
  }
  return { status: 200, body: 'the call succeeded' };
}

/** A raw HTTP call: status and JSON body as sent. */
async function raw(path: string, init: RequestInit & { auth?: string | null } = {}): Promise<Outcome> {
  const headers = new Headers(init.headers);
  const auth = init.auth === undefined ? `Bearer ${TEST_KEYS[0]}` : init.auth;
  if (auth !== null) headers.set('authorization', auth);
  const res = await fetch(`${t.gateway.baseURL}${path}`, { ...init, headers });
  const text = await res.text();
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, body: JSON.parse(text) as unknown };
}

/** Bytes straight onto a socket, for requests no HTTP client will send (CR/LF inside headers). */
function rawSocket(request: string): Promise<Outcome> {
  const port = Number(new URL(t.gateway.baseURL).port);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      let body: unknown = rest.join('\r\n\r\n');
      try {
        body = JSON.parse(body as string);
      } catch {
        /* asserted below as a shape mismatch */
      }
      resolve({ status, body });
    });
    socket.end(request);
  });
}

const postJson = (path: string, body: unknown) =>
  raw(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** files.create with the SDK. */
const uploadBytes = (content: string | Buffer, extra: Record<string, unknown> = {}, filename = 'input.jsonl') =>
  toFile(Buffer.from(content), filename, { type: 'application/jsonl' }).then((file) =>
    alice.files.create({ file, purpose: 'batch', ...extra } as never),
  );

/** A multipart body written by hand, for filenames FormData would escape. */
function multipart(parts: Array<{ name: string; value: string | Buffer; filename?: string; encodedFilename?: string }>) {
  const boundary = '----finops-hostile-boundary';
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const isFile = part.filename !== undefined || part.encodedFilename !== undefined;
    // filename*= is RFC 5987 (percent-encoded UTF-8), which lets a filename carry any character.
    const filename =
      part.encodedFilename !== undefined
        ? `; filename*=UTF-8''${part.encodedFilename}`
        : part.filename !== undefined
          ? `; filename="${part.filename}"`
          : '';
    pieces.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="${part.name}"${filename}\r\n${isFile ? 'content-type: application/jsonl\r\n' : ''}\r\n`,
      ),
      Buffer.from(part.value),
      Buffer.from('\r\n'),
    );
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(pieces), contentType: `multipart/form-data; boundary=${boundary}` };
}
const postMultipart = (parts: Parameters<typeof multipart>[0]) => {
  const { body, contentType } = multipart(parts);
  return raw('/files', { method: 'POST', headers: { 'content-type': contentType }, body });
};

const createBatch = (body: Record<string, unknown>) =>
  sdk(alice.batches.create({ endpoint: '/v1/chat/completions', completion_window: '24h', ...body } as never));

const line = (value: unknown) => JSON.stringify(value);
const request = (customId: unknown, overrides: Record<string, unknown> = {}) => ({
  custom_id: customId,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model: GPT, messages: [{ role: 'user', content: 'hi' }] },
  ...overrides,
});

/** `count` valid requests, each as short as a request line can be. */
function manyLines(count: number): Buffer {
  const parts: string[] = new Array(count);
  for (let i = 0; i < count; i++)
    parts[i] = `{"custom_id":"${i}","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user"}]}}`;
  return Buffer.from(parts.join('\n') + '\n');
}

/** State a case needs that is itself a change (e.g. an upload's parts): made before the snapshot. */
type Prepared = Record<string, string>;

interface Case {
  name: string;
  prepare?: () => Promise<Prepared>;
  act: (prepared: Prepared) => Promise<Outcome>;
  status: number;
  code: string | null;
  type?: string;
  /** Asserted exactly when given. */
  param?: string | null;
  message: RegExp;
}

const PROVIDER_LIST = new RegExp(PROVIDER_NAMES.join(', '));
/** A provider no deployment has. */
const NO_SUCH_PROVIDER = 'watsonx';
const UNKNOWN_FILE = 'file-AAAAAAAAAAAAAAAAAAAAAAAA';
const UNKNOWN_BATCH = 'batch_AAAAAAAAAAAAAAAAAAAAAAAA';

const cases: Case[] = [
  // ---- files.create: the request ----
  {
    name: 'upload: unknown provider',
    act: () => sdk(uploadBytes(jsonl([chatLine('x', GPT, 'hi')]), { provider: NO_SUCH_PROVIDER })),
    status: 400,
    code: 'invalid_provider',
    param: 'provider',
    message: new RegExp(`Unknown provider "${NO_SUCH_PROVIDER}".*${PROVIDER_NAMES.join(', ')}`),
  },
  {
    name: 'upload: missing purpose',
    act: async () => sdk(alice.files.create({ file: await toFile(Buffer.from(chatLine('x', GPT, 'hi')), 'a.jsonl') } as never)),
    status: 400,
    code: 'missing_required_parameter',
    param: 'purpose',
    message: /Missing required parameter: 'purpose'/,
  },
  {
    name: 'upload: wrong purpose',
    act: () => sdk(uploadBytes(jsonl([chatLine('x', GPT, 'hi')]), { purpose: 'fine-tune' })),
    status: 400,
    code: 'invalid_purpose',
    param: 'purpose',
    message: /Invalid 'purpose': "fine-tune".*use purpose "batch"/,
  },
  {
    name: 'upload: purpose batch_output (only the gateway writes those)',
    act: () => sdk(uploadBytes(jsonl([chatLine('x', GPT, 'hi')]), { purpose: 'batch_output' })),
    status: 400,
    code: 'invalid_purpose',
    param: 'purpose',
    message: /"batch_output"/,
  },
  {
    name: 'upload: wrong content-type (JSON instead of multipart)',
    act: () => postJson('/files', { purpose: 'batch', file: chatLine('x', GPT, 'hi') }),
    status: 400,
    code: 'invalid_content_type',
    param: 'file',
    message: /multipart\/form-data/,
  },
  {
    name: 'upload: no file part',
    act: () => postMultipart([{ name: 'purpose', value: 'batch' }]),
    status: 400,
    code: 'missing_required_parameter',
    param: 'file',
    message: /Missing required parameter: 'file'/,
  },
  {
    name: 'upload: "file" sent as a text field, not a file',
    act: () =>
      postMultipart([
        { name: 'purpose', value: 'batch' },
        { name: 'file', value: chatLine('x', GPT, 'hi') },
      ]),
    status: 400,
    code: 'missing_required_parameter',
    param: 'file',
    message: /'file'/,
  },
  {
    name: 'upload: multipart body cut off before its closing boundary',
    act: () =>
      raw('/files', {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
        body: '--xyz\r\ncontent-disposition: form-data; name="purpose"\r\n\r\nbat',
      }),
    status: 400,
    code: 'invalid_multipart',
    param: 'file',
    message: /Malformed multipart body/,
  },
  {
    name: 'upload: multipart content-type without a boundary',
    act: () => raw('/files', { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'x' }),
    status: 400,
    code: 'invalid_multipart',
    param: 'file',
    message: /Malformed multipart body/,
  },
  {
    name: 'upload: very long filename',
    act: () => sdk(uploadBytes(jsonl([chatLine('x', GPT, 'hi')]), {}, `${'a'.repeat(294)}.jsonl`)),
    status: 400,
    code: 'invalid_filename',
    param: 'file',
    message: /filename is 300 characters long; the limit is 255/,
  },
  {
    name: 'upload: raw control character in the part header',
    act: () =>
      postMultipart([
        { name: 'purpose', value: 'batch' },
        { name: 'file', filename: 'evil\u0007name.jsonl', value: chatLine('x', GPT, 'hi') },
      ]),
    status: 400,
    code: 'invalid_multipart',
    param: 'file',
    message: /Malformed multipart body/,
  },
  {
    name: 'upload: filename with an encoded control character and newline',
    act: () =>
      postMultipart([
        { name: 'purpose', value: 'batch' },
        { name: 'file', encodedFilename: 'evil%07%0D%0Aname.jsonl', value: chatLine('x', GPT, 'hi') },
      ]),
    status: 400,
    code: 'invalid_filename',
    param: 'file',
    message: /control characters/,
  },
  {
    name: 'upload: invalid expires_after',
    act: () => sdk(uploadBytes(jsonl([chatLine('x', GPT, 'hi')]), { expires_after: { anchor: 'created_at', seconds: 5 } })),
    status: 400,
    code: 'invalid_expires_after',
    param: 'expires_after',
    message: /expires_after.*3600\.\.2592000/,
  },
  {
    name: 'upload (bedrock): storage_config names a bucket the gateway may not use',
    act: () =>
      sdk(
        uploadBytes(jsonl([chatLine('x', CLAUDE_ON_BEDROCK, 'hi')]), {
          provider: 'bedrock',
          storage_config: { s3: { bucket: 'someone-elses-bucket', region: 'us-east-1' } },
        }),
      ),
    status: 400,
    code: 'bucket_not_allowed',
    param: 'storage_config.s3.bucket',
    message: /someone-elses-bucket/,
  },
  {
    name: 'upload (bedrock): storage_config in another region',
    act: () =>
      sdk(
        uploadBytes(jsonl([chatLine('x', CLAUDE_ON_BEDROCK, 'hi')]), {
          provider: 'bedrock',
          storage_config: { s3: { bucket: 'finops-bedrock-input', region: 'eu-west-1' } },
        }),
      ),
    status: 400,
    code: 'region_mismatch',
    param: 'storage_config.s3.region',
    message: /eu-west-1.*us-east-1/,
  },

  // ---- files.create: the content ----
  {
    name: 'content: empty file',
    act: () => sdk(uploadBytes('')),
    status: 400,
    code: 'empty_file',
    param: 'file',
    message: /The file is empty/,
  },
  {
    name: 'content: only blank lines',
    act: () => sdk(uploadBytes('\n\n  \n')),
    status: 400,
    code: 'empty_file',
    param: 'file',
    message: /The file is empty/,
  },
  {
    name: 'content: not UTF-8',
    act: () =>
      sdk(uploadBytes(Buffer.concat([Buffer.from(chatLine('ok', GPT, 'hi') + '\n'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a])]))),
    status: 400,
    code: 'invalid_encoding',
    param: 'file',
    message: /Line 2 is not valid UTF-8/,
  },
  {
    name: 'content: a line that is not JSON (gives the line number)',
    act: () => sdk(uploadBytes(jsonl([chatLine('1', GPT, 'a'), chatLine('2', GPT, 'b'), '{"custom_id": "3", "method": "POST"']))),
    status: 400,
    code: 'invalid_json_line',
    param: 'file',
    message: /Line 3 is not valid JSON/,
  },
  {
    name: 'content: a line that is a JSON array',
    act: () => sdk(uploadBytes(jsonl([line([request('x')])]))),
    status: 400,
    code: 'invalid_json_line',
    param: 'file',
    message: /Line 1 must be a JSON object/,
  },
  {
    name: 'content: missing custom_id',
    act: () => sdk(uploadBytes(jsonl([line(request('ok')), line({ ...request('x'), custom_id: undefined })]))),
    status: 400,
    code: 'missing_custom_id',
    param: 'file',
    message: /Line 2 is missing a custom_id/,
  },
  {
    name: 'content: custom_id longer than 512 characters',
    act: () => sdk(uploadBytes(jsonl([line(request('x')), line(request('y'.repeat(513)))]))),
    status: 400,
    code: 'invalid_custom_id',
    param: 'file',
    message: /Line 2: custom_id is longer than 512 characters/,
  },
  {
    name: 'content: custom_id that is not a string',
    act: () => sdk(uploadBytes(jsonl([line(request(42))]))),
    status: 400,
    code: 'missing_custom_id',
    param: 'file',
    message: /Line 1 is missing a custom_id/,
  },
  {
    name: 'content: duplicate custom_id',
    act: () => sdk(uploadBytes(jsonl([line(request('dup')), line(request('other')), line(request('dup'))]))),
    status: 400,
    code: 'duplicate_custom_id',
    param: 'file',
    message: /Line 3: custom_id "dup" is a duplicate/,
  },
  {
    name: 'content: wrong method',
    act: () => sdk(uploadBytes(jsonl([line(request('x', { method: 'GET' }))]))),
    status: 400,
    code: 'invalid_method',
    param: 'file',
    message: /Line 1: method must be "POST", got "GET"/,
  },
  {
    name: 'content: wrong url',
    act: () => sdk(uploadBytes(jsonl([line(request('x')), line(request('y', { url: '/v1/images/generations' }))]))),
    status: 400,
    code: 'invalid_url',
    param: 'file',
    message: /Line 2: url must be one of \/v1\/chat\/completions, .*got "\/v1\/images\/generations"/,
  },
  {
    name: 'content: body not an object',
    act: () => sdk(uploadBytes(jsonl([line(request('x', { body: 'What is 2+2?' }))]))),
    status: 400,
    code: 'invalid_body',
    param: 'file',
    message: /Line 1: body must be a JSON object/,
  },
  {
    name: 'content: body without a model',
    act: () => sdk(uploadBytes(jsonl([line(request('x', { body: { messages: [{ role: 'user', content: 'hi' }] } }))]))),
    status: 400,
    code: 'missing_model',
    param: 'file',
    message: /Line 1: body.model is required/,
  },
  {
    name: 'content: empty messages',
    act: () => sdk(uploadBytes(jsonl([line(request('x', { body: { model: GPT, messages: [] } }))]))),
    status: 400,
    code: 'invalid_messages',
    param: 'file',
    message: /Line 1: body.messages must be a non-empty array/,
  },
  {
    name: 'content: stream: true',
    act: () =>
      sdk(uploadBytes(jsonl([line(request('x', { body: { model: GPT, messages: [{ role: 'user', content: 'hi' }], stream: true } }))]))),
    status: 400,
    code: 'invalid_body',
    param: 'file',
    message: /stream is not supported/,
  },
  {
    name: `content: more than ${MAX_BATCH_LINES} lines (through the Uploads API)`,
    prepare: async () => {
      const content = manyLines(MAX_BATCH_LINES + 1);
      const created = await alice.uploads.create({
        filename: 'huge.jsonl',
        purpose: 'batch',
        bytes: content.length,
        mime_type: 'application/jsonl',
      });
      const half = Math.ceil(content.length / 2);
      const parts = [];
      for (const piece of [content.subarray(0, half), content.subarray(half)])
        parts.push(await alice.uploads.parts.create(created.id, { data: await toFile(piece, 'part') }));
      return { uploadId: created.id, partIds: parts.map((p) => p.id).join(',') };
    },
    act: ({ uploadId, partIds }) => sdk(alice.uploads.complete(uploadId, { part_ids: partIds.split(',') })),
    status: 400,
    code: 'too_many_tasks',
    param: 'file',
    message: /more than 50000 requests; split it/,
  },
  {
    name: 'content: a 4.6 MB file (over the direct-upload limit)',
    act: () => sdk(uploadBytes(Buffer.alloc(4_600_000, 'a'))),
    status: 413,
    code: 'file_too_large',
    param: 'file',
    message: /larger than 4500000 bytes.*Uploads API/,
  },
  {
    name: 'content: a 7 MB file (over the Lambda payload limit)',
    act: () => sdk(uploadBytes(Buffer.alloc(7_000_000, 'a'))),
    status: 413,
    code: 'request_too_large',
    param: null,
    message: /6 MB/,
  },
  {
    name: 'content: an 11 MB file (over the API Gateway limit)',
    act: () => sdk(uploadBytes(Buffer.alloc(11 * 1024 * 1024, 'a'))),
    status: 413,
    code: 'request_too_large',
    param: null,
    message: /10 MB/,
  },

  // ---- files by id ----
  {
    name: 'files.retrieve: unknown id',
    act: () => sdk(alice.files.retrieve(UNKNOWN_FILE)),
    status: 404,
    code: null,
    param: 'id',
    message: /No such File object: file-A{24}/,
  },
  {
    name: 'files.retrieve: id with an encoded slash (%2F)',
    act: () => raw(`/files/file-abc%2F..%2F..%2Fbatches`),
    status: 400,
    code: 'invalid_id',
    param: 'file_id',
    message: /"file-abc\/\.\.\/\.\.\/batches" is not a file id/,
  },
  {
    name: 'files.content: id that is ../ encoded',
    act: () => raw(`/files/..%2F..%2Fbatches/content`),
    status: 400,
    code: 'invalid_id',
    param: 'file_id',
    message: /"\.\.\/\.\.\/batches" is not a file id/,
  },
  {
    name: 'files.delete: id with encoded dots and slashes',
    act: () => raw(`/files/%2E%2E%2F${fx.bobFile}`, { method: 'DELETE' }),
    status: 400,
    code: 'invalid_id',
    param: 'file_id',
    message: /is not a file id/,
  },
  {
    name: 'files.retrieve: malformed percent-encoding in the id',
    act: () => raw('/files/file-%E0%A4%A'),
    status: 400,
    code: 'invalid_id',
    param: 'file_id',
    message: /"file-%E0%A4%A" is not a file id/,
  },
  {
    name: 'files.retrieve: an encoded NUL byte in the id',
    act: () => raw('/files/file-abc%00'),
    status: 400,
    code: 'invalid_id',
    param: 'file_id',
    message: /is not a file id/,
  },
  {
    name: 'files.retrieve: id longer than any we issue',
    act: () => sdk(alice.files.retrieve(`file-${'x'.repeat(200)}`)),
    status: 400,
    code: 'invalid_id',
    param: 'file_id',
    message: /is not a file id/,
  },
  {
    name: 'files.retrieve: a file of another tenant',
    act: () => sdk(alice.files.retrieve(fx.bobFile)),
    status: 404,
    code: null,
    param: 'id',
    message: /No such File object/,
  },
  {
    name: 'files.content: a file of another tenant',
    act: () => sdk(alice.files.content(fx.bobFile)),
    status: 404,
    code: null,
    param: 'id',
    message: /No such File object/,
  },
  {
    name: 'files.delete: a file of another tenant',
    act: () => sdk(alice.files.delete(fx.bobFile)),
    status: 404,
    code: null,
    param: 'id',
    message: /No such File object/,
  },
  {
    name: 'files.delete: unknown provider in the query',
    act: () => sdk(alice.files.delete(fx.aliceFile, { query: { provider: NO_SUCH_PROVIDER } })),
    status: 400,
    code: 'invalid_provider',
    param: 'provider',
    message: PROVIDER_LIST,
  },

  // ---- lists ----
  {
    name: 'files.list: limit=0',
    act: () => sdk(alice.files.list({ limit: 0 })),
    status: 400,
    code: 'invalid_limit',
    param: 'limit',
    message: /Invalid 'limit'.*between 1 and 10000, got "0"/,
  },
  {
    name: 'files.list: limit=abc',
    act: () => raw('/files?limit=abc'),
    status: 400,
    code: 'invalid_limit',
    param: 'limit',
    message: /Invalid 'limit'.*"abc"/,
  },
  {
    name: 'files.list: limit=1.5',
    act: () => raw('/files?limit=1.5'),
    status: 400,
    code: 'invalid_limit',
    param: 'limit',
    message: /Invalid 'limit'.*"1\.5"/,
  },
  {
    name: 'batches.list: limit=101',
    act: () => sdk(alice.batches.list({ limit: 101 })),
    status: 400,
    code: 'invalid_limit',
    param: 'limit',
    message: /between 1 and 100, got "101"/,
  },
  {
    name: 'batches.list: limit=-5',
    act: () => raw('/batches?limit=-5'),
    status: 400,
    code: 'invalid_limit',
    param: 'limit',
    message: /"-5"/,
  },
  {
    name: 'files.list: after with path characters',
    act: () => sdk(alice.files.list({ after: '../../etc/passwd' })),
    status: 400,
    code: 'invalid_id',
    param: 'after',
    message: /Invalid 'after'.*is not a file id/,
  },
  {
    name: 'batches.list: after is a file id',
    act: () => sdk(alice.batches.list({ after: fx.aliceFile })),
    status: 400,
    code: 'invalid_id',
    param: 'after',
    message: /Invalid 'after'.*is not a batch id/,
  },
  {
    name: 'files.list: order=sideways',
    act: () => sdk(alice.files.list({ order: 'sideways' } as never)),
    status: 400,
    code: 'invalid_order',
    param: 'order',
    message: /"asc" or "desc"/,
  },
  {
    name: 'batches.list: unknown provider filter',
    act: () => sdk(alice.batches.list({ provider: NO_SUCH_PROVIDER } as never)),
    status: 400,
    code: 'invalid_provider',
    param: 'provider',
    message: PROVIDER_LIST,
  },

  // ---- batches.create ----
  {
    name: 'batches.create: body is not JSON',
    act: () => postJson('/batches', '{"input_file_id": '),
    status: 400,
    code: 'invalid_json',
    message: /not valid JSON/,
  },
  {
    name: 'batches.create: body is a JSON array, not an object',
    act: () => postJson('/batches', [{ input_file_id: 'file-x' }]),
    status: 400,
    code: 'invalid_json',
    message: /must be a JSON object/,
  },
  {
    name: 'batches.create: body is a JSON string',
    act: () => postJson('/batches', '"batch please"'),
    status: 400,
    code: 'invalid_json',
    message: /must be a JSON object/,
  },
  {
    name: 'batches.create: missing input_file_id',
    act: () => createBatch({}),
    status: 400,
    code: 'missing_required_parameter',
    param: 'input_file_id',
    message: /'input_file_id'/,
  },
  {
    name: 'batches.create: unknown input_file_id',
    act: () => createBatch({ input_file_id: UNKNOWN_FILE }),
    status: 404,
    code: null,
    param: 'input_file_id',
    message: /No such File object: file-A{24}/,
  },
  {
    name: 'batches.create: input_file_id with path characters',
    act: () => createBatch({ input_file_id: '../files/file-abc' }),
    status: 400,
    code: 'invalid_id',
    param: 'input_file_id',
    message: /"\.\.\/files\/file-abc" is not a file id/,
  },
  {
    name: 'batches.create: a file of another tenant',
    act: () => createBatch({ input_file_id: fx.bobFile }),
    status: 404,
    code: null,
    param: 'input_file_id',
    message: /No such File object/,
  },
  {
    name: 'batches.create: an output file (purpose batch_output) as input',
    act: () => createBatch({ input_file_id: fx.outputFile }),
    status: 400,
    code: 'invalid_purpose',
    param: 'input_file_id',
    message: /purpose 'batch_output'.*purpose "batch"/,
  },
  {
    name: 'batches.create: unknown provider',
    act: () => createBatch({ input_file_id: fx.aliceFile, provider: NO_SUCH_PROVIDER }),
    status: 400,
    code: 'invalid_provider',
    param: 'provider',
    message: new RegExp(`Unknown provider "${NO_SUCH_PROVIDER}".*${PROVIDER_NAMES.join(', ')}`),
  },
  {
    name: 'batches.create: completion_window missing',
    act: () => createBatch({ input_file_id: fx.aliceFile, completion_window: undefined }),
    status: 400,
    code: 'invalid_completion_window',
    param: 'completion_window',
    message: /completion_window/,
  },
  {
    name: 'batches.create: unsupported endpoint',
    act: () => createBatch({ input_file_id: fx.aliceFile, endpoint: '/v1/images/generations' }),
    status: 400,
    code: 'invalid_endpoint',
    param: 'endpoint',
    message: /"\/v1\/images\/generations".*\/v1\/chat\/completions/,
  },

  {
    name: 'batches.create: metadata with 17 pairs',
    act: () =>
      createBatch({ input_file_id: fx.aliceFile, metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }),
    status: 400,
    code: 'invalid_metadata',
    param: 'metadata',
    message: /at most 16/,
  },
  {
    name: 'batches.create: metadata value too long',
    act: () => createBatch({ input_file_id: fx.aliceFile, metadata: { note: 'x'.repeat(513) } }),
    status: 400,
    code: 'invalid_metadata',
    param: 'metadata',
    message: /"note".*at most 512/,
  },
  {
    name: 'batches.create: metadata that is not an object',
    act: () => createBatch({ input_file_id: fx.aliceFile, metadata: ['a'] }),
    status: 400,
    code: 'invalid_metadata',
    param: 'metadata',
    message: /expected an object/,
  },
  {
    name: 'batches.create: model that is not a string',
    act: () => createBatch({ input_file_id: fx.aliceFile, model: 42 }),
    status: 400,
    code: 'invalid_model',
    param: 'model',
    message: /Invalid 'model': expected a model id string/,
  },
  {
    name: 'batches.create: openai with no input file (inline requests)',
    act: () => createBatch({ input_file_id: '', provider: 'openai' }),
    status: 400,
    code: 'missing_required_parameter',
    param: 'input_file_id',
    message: /provider 'openai' runs batches from an uploaded file/,
  },
  // Issue 15: a file of several models runs (one job per model); what is refused is a model for it (each line names its own).
  {
    name: 'batches.create (gemini): a model for a file whose lines name several models',
    act: () => createBatch({ input_file_id: fx.geminiMixedFile, provider: 'gemini', model: 'gemini-2.0-flash' }),
    status: 400,
    code: 'model_mismatch',
    param: 'model',
    message: /name several models \(gemini-2\.0-flash, gemini-1\.5-pro\)\. Leave out model/,
  },
  {
    name: 'batches.create (bedrock): a model for a file whose lines name several models',
    act: () => createBatch({ input_file_id: fx.bedrockMixedFile, provider: 'bedrock', model: CLAUDE_ON_BEDROCK }),
    status: 400,
    code: 'model_mismatch',
    param: 'model',
    message: /name several models .*one bedrock job per model/,
  },
  {
    name: 'batches.create (bedrock): output_s3_uri in a bucket the gateway may not use',
    act: () => createBatch({ input_file_id: fx.bedrockFile, provider: 'bedrock', output_s3_uri: 's3://someone-elses-bucket/out/' }),
    status: 400,
    code: 'bucket_not_allowed',
    param: 'output_s3_uri',
    message: /someone-elses-bucket/,
  },
  {
    name: 'batches.create (anthropic): inline requests that are not a list',
    act: () => createBatch({ input_file_id: '', provider: 'anthropic', requests: 'all of them' }),
    status: 400,
    code: 'invalid_requests',
    param: 'requests',
    message: /requests must be an array of \{custom_id, params\} objects/,
  },
  {
    name: 'batches.create (anthropic): an empty list of inline requests',
    act: () => createBatch({ input_file_id: '', provider: 'anthropic', requests: [] }),
    status: 400,
    code: 'invalid_requests',
    param: 'requests',
    message: /requests must contain at least one request/,
  },
  {
    name: 'batches.create (bedrock): timeout_hours out of range',
    act: () => createBatch({ input_file_id: fx.bedrockFile, provider: 'bedrock', timeout_hours: 1000 }),
    status: 400,
    code: null,
    param: 'timeout_hours',
    message: /timeout_hours must be a whole number of hours from 24 to 168; got 1000/,
  },
  {
    name: 'batches.create (bedrock): unknown small_batch mode',
    act: () => createBatch({ input_file_id: fx.bedrockFile, provider: 'bedrock', small_batch: 'maybe' }),
    status: 400,
    code: null,
    param: 'small_batch',
    message: /small_batch must be "on_demand" \(default\) or "reject"; got "maybe"/,
  },
  {
    name: 'batches.create: a 7 MB JSON body',
    act: () =>
      postJson('/batches', {
        input_file_id: fx.aliceFile,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        padding: 'x'.repeat(7_000_000),
      }),
    status: 413,
    code: 'request_too_large',
    param: null,
    message: /6 MB/,
  },
  {
    name: 'batches.create: an 11 MB JSON body',
    act: () => postJson('/batches', { input_file_id: fx.aliceFile, padding: 'x'.repeat(11 * 1024 * 1024) }),
    status: 413,
    code: 'request_too_large',
    param: null,
    message: /10 MB/,
  },

  // ---- batches by id ----
  {
    name: 'batches.retrieve: unknown id',
    act: () => sdk(alice.batches.retrieve(UNKNOWN_BATCH)),
    status: 404,
    code: null,
    param: 'id',
    message: /No such Batch object: batch_A{24}/,
  },
  {
    name: 'batches.retrieve: a placeholder id of another shape (the seed\'s "batch-abc123")',
    act: () => sdk(alice.batches.retrieve('batch-abc123')),
    status: 404,
    code: null,
    param: 'id',
    message: /^No such Batch object: batch-abc123$/,
  },
  {
    name: 'files.retrieve: an id of another shape',
    act: () => sdk(alice.files.retrieve('file_abc123')),
    status: 404,
    code: null,
    param: 'id',
    message: /^No such File object: file_abc123$/,
  },
  {
    name: 'batches.retrieve: id with an encoded slash',
    act: () => raw(`/batches/${fx.aliceBatch}%2F..%2F..`),
    status: 400,
    code: 'invalid_id',
    param: 'batch_id',
    message: /is not a batch id/,
  },
  {
    name: 'batches.retrieve: a batch of another tenant',
    act: () => sdk(alice.batches.retrieve(fx.bobBatch)),
    status: 404,
    code: null,
    param: 'id',
    message: /No such Batch object/,
  },
  {
    name: 'batches.cancel: a finished batch (409, as OpenAI)',
    act: () => sdk(alice.batches.cancel(fx.aliceBatch)),
    status: 409,
    code: null,
    param: null,
    message: /^Cannot cancel a batch with status 'completed'\.$/,
  },
  {
    name: 'batches.cancel: a batch of another tenant',
    act: () => sdk(alice.batches.cancel(fx.bobBatch)),
    status: 404,
    code: null,
    param: 'id',
    message: /No such Batch object/,
  },
  {
    name: 'batches.cancel: unknown id',
    act: () => sdk(alice.batches.cancel(UNKNOWN_BATCH)),
    status: 404,
    code: null,
    param: 'id',
    message: /No such Batch object/,
  },
  {
    name: 'batches.cancel: body that is not JSON',
    act: () => raw(`/batches/${fx.aliceBatch}/cancel`, { method: 'POST', body: '{oops' }),
    status: 400,
    code: 'invalid_json',
    message: /not valid JSON/,
  },

  // ---- HTTP ----
  { name: 'unknown route', act: () => raw('/models'), status: 404, code: 'unknown_url', param: null, message: /Unknown route/ },
  {
    name: 'wrong method on a known path',
    act: () => raw('/files', { method: 'PUT', body: 'x' }),
    status: 404,
    code: 'unknown_url',
    param: null,
    message: /Unknown route/,
  },
  {
    name: 'wrong method on a batch',
    act: () => raw(`/batches/${fx.aliceBatch}`, { method: 'DELETE' }),
    status: 404,
    code: 'unknown_url',
    param: null,
    message: /Unknown route/,
  },
  {
    name: 'missing Authorization',
    act: () => raw('/files', { auth: null }),
    status: 401,
    code: 'invalid_api_key',
    param: null,
    message: /API key/,
  },
  {
    name: 'Authorization with another scheme',
    act: () => raw('/files', { auth: `Basic ${Buffer.from(`x:${TEST_KEYS[0]}`).toString('base64')}` }),
    status: 401,
    code: 'invalid_api_key',
    param: null,
    message: /API key/,
  },
  {
    name: 'unknown gateway key',
    act: () =>
      raw('/batches', {
        method: 'POST',
        auth: 'Bearer sk-finops-nobody',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input_file_id: fx.aliceFile }),
      }),
    status: 401,
    code: 'invalid_api_key',
    param: null,
    message: /API key/,
  },
  {
    name: 'a header with a bare CR (header injection attempt), raw socket',
    act: () =>
      rawSocket(
        `GET /openai/files HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TEST_KEYS[0]}\rX-Injected: 1\r\nConnection: close\r\n\r\n`,
      ),
    status: 400,
    code: 'malformed_request',
    param: null,
    message: /not valid HTTP\/1\.1 \(Missing expected LF after header value\)/,
  },
  {
    name: 'a header with a bare LF (header injection attempt), raw socket',
    act: () =>
      rawSocket(
        `DELETE /openai/files/${fx.bobFile} HTTP/1.1\r\nHost: localhost\r\nX-Note: a\nAuthorization: Bearer ${TEST_KEYS[1]}\r\nConnection: close\r\n\r\n`,
      ),
    status: 400,
    code: 'malformed_request',
    param: null,
    message: /not valid HTTP\/1\.1 \(Missing expected CR after header value\)/,
  },
  {
    name: 'a CRLF sequence that smuggles a second request line into a header, raw socket',
    act: () =>
      rawSocket(
        `DELETE /openai/files/${fx.aliceFile} HTTP/1.1\r\nHost: localhost\r\nX-Note: a\r\n\rDELETE /openai/files/${fx.bobFile} HTTP/1.1\r\nAuthorization: Bearer ${TEST_KEYS[1]}\r\n\r\n`,
      ),
    status: 400,
    code: 'malformed_request',
    param: null,
    message: /not valid HTTP\/1\.1 \(Expected LF after headers\)/,
  },
  {
    name: 'a header name with a space, raw socket',
    act: () =>
      rawSocket(
        `GET /openai/files HTTP/1.1\r\nHost: localhost\r\nX Bad: 1\r\nAuthorization: Bearer ${TEST_KEYS[0]}\r\nConnection: close\r\n\r\n`,
      ),
    status: 400,
    code: 'malformed_request',
    param: null,
    message: /not valid HTTP\/1\.1 \(Invalid header token\)/,
  },
  {
    name: 'both Content-Length and Transfer-Encoding (request smuggling), raw socket',
    act: () =>
      rawSocket(
        `POST /openai/batches HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TEST_KEYS[0]}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nPOST /openai/files HTTP/1.1\r\n\r\n`,
      ),
    status: 400,
    code: 'malformed_request',
    param: null,
    message: /Transfer-Encoding can't be present with Content-Length/,
  },
  {
    name: 'two different Content-Length headers, raw socket',
    act: () =>
      rawSocket(
        `POST /openai/batches HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TEST_KEYS[0]}\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}`,
      ),
    status: 400,
    code: 'malformed_request',
    param: null,
    message: /Duplicate Content-Length/,
  },
  {
    name: 'headers larger than the server accepts, raw socket',
    act: () =>
      rawSocket(
        `GET /openai/files HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TEST_KEYS[0]}\r\nX-Big: ${'x'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
      ),
    status: 431,
    code: 'request_header_fields_too_large',
    param: null,
    message: /headers are too large/,
  },
  // ---- the same refusals on each OpenAI-shaped provider (parametrised, contracts/providers.ts) ----
  ...COMPATIBLE.flatMap(([provider]) => compatibleProviderCases(provider)),
];

/** The batches.create refusals that go through an OpenAI-shaped provider's own checks (quirks). */
function compatibleProviderCases(provider: CompatibleProvider): Case[] {
  const file = () => fx.compatibleFiles[provider];
  const tooLong = `${openaiCompatibleQuirks(provider)!.completionWindowHours.max + 24}h`;
  return [
    {
      name: `batches.create (${provider}): completion_window ${tooLong}, beyond what ${provider} accepts`,
      act: () => createBatch({ input_file_id: file(), provider, completion_window: tooLong }),
      status: 400,
      code: 'invalid_completion_window',
      param: 'completion_window',
      message: new RegExp(`"${tooLong}"`),
    },
    {
      name: `batches.create (${provider}): a file of another provider`,
      act: () => createBatch({ input_file_id: fx.aliceFile, provider }),
      status: 400,
      code: 'provider_mismatch',
      param: 'input_file_id',
      message: /uploaded for provider 'openai'/,
    },
    {
      name: `batches.create (${provider}): its file named with another provider`,
      act: () => createBatch({ input_file_id: file(), provider: 'openai' }),
      status: 400,
      code: 'provider_mismatch',
      param: 'input_file_id',
      message: new RegExp(`uploaded for provider '${provider}'`),
    },
    {
      name: `batches.create (${provider}): a file of another tenant`,
      act: () => createBatch({ input_file_id: fx.bobFile, provider }),
      status: 404,
      code: null,
      param: 'input_file_id',
      message: /No such File object/,
    },
    {
      name: `batches.create (${provider}): no input file (inline requests)`,
      act: () => createBatch({ input_file_id: '', provider }),
      status: 400,
      code: 'missing_required_parameter',
      param: 'input_file_id',
      message: new RegExp(`provider '${provider}' runs batches from an uploaded file`),
    },
    {
      name: `batches.create (${provider}): metadata with 17 pairs`,
      act: () =>
        createBatch({
          input_file_id: file(),
          provider,
          metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
        }),
      status: 400,
      code: 'invalid_metadata',
      param: 'metadata',
      message: /at most 16/,
    },
    {
      name: `files.retrieve (${provider}): its file asked for as another provider`,
      act: () => sdk(alice.files.retrieve(file(), { query: { provider: 'gemini' } })),
      status: 404,
      code: null,
      param: 'id',
      message: /No such File object/,
    },
  ];
}

/** The rows about a provider's own files and batches, once for each provider of OpenAI's shape. */
function providerCases(provider: HostileProvider): Case[] {
  const file = () => fx.files[provider];
  return [
    {
      name: `upload (${provider}): a line that is not JSON`,
      act: () => sdk(uploadBytes(jsonl([chatLine('ok', GPT, 'hi'), '{"custom_id": "broken"']), { provider })),
      status: 400,
      code: 'invalid_json_line',
      message: /Line 2/,
    },
    {
      name: `files.retrieve (${provider}): a file of another provider`,
      act: () => sdk(alice.files.retrieve(file(), { query: { provider: 'gemini' } })),
      status: 404,
      code: null,
      param: 'id',
      message: /No such File object/,
    },
    {
      name: `batches.create (${provider}): a file of another provider`,
      act: () => createBatch({ input_file_id: file(), provider: 'anthropic' }),
      status: 400,
      code: 'provider_mismatch',
      param: 'input_file_id',
      message: new RegExp(`uploaded for provider '${provider}'`),
    },
    {
      name: `batches.create (${provider}): completion_window 48h`,
      act: () => createBatch({ input_file_id: file(), provider, completion_window: '48h' }),
      status: 400,
      code: 'invalid_completion_window',
      param: 'completion_window',
      message: /"48h".*only supported value is "24h"/,
    },
    {
      name: `batches.create (${provider}): unsupported endpoint`,
      act: () => createBatch({ input_file_id: file(), provider, endpoint: '/v1/images/generations' }),
      status: 400,
      code: 'invalid_endpoint',
      param: 'endpoint',
      message: /"\/v1\/images\/generations".*\/v1\/chat\/completions/,
    },
  ];
}
cases.push(...HOSTILE_PROVIDERS.flatMap(providerCases));

describe('hostile and broken input: right status, OpenAI error naming the problem, nothing changed', () => {
  test('the catalogue has at least 40 cases, each named once', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  test('the snapshot does see a change: one valid upload shows in the tenant list, the provider and the bucket', async () => {
    const before = await snapshot();
    const file = await upload(alice, jsonl([chatLine('seen', GPT, 'hi')]), { provider: 'openai' });
    const after = await snapshot();
    expect(after.alice.files.length).toBe(before.alice.files.length + 1);
    expect(after.providers.openaiFiles.length).toBe(before.providers.openaiFiles.length + 1);
    expect(after.objects.length).toBe(before.objects.length + 1);
    expect(after.bob).toEqual(before.bob);
    await alice.files.delete(file.id);
    expect(await snapshot()).toEqual(before);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const prepared = c.prepare ? await c.prepare() : {};
    const before = await snapshot();
    const outcome = await c.act(prepared);

    expect(outcome.status).toBe(c.status);
    // Exactly OpenAI's shape: {error: {message, type, param, code}} and nothing else.
    expect(Object.keys(outcome.body as object)).toEqual(['error']);
    const error = (outcome.body as { error: Record<string, unknown> }).error;
    expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(error.type).toBe(c.type ?? 'invalid_request_error');
    expect(error.code).toBe(c.code);
    expect(error.param === null || typeof error.param === 'string').toBe(true);
    if (c.param !== undefined) expect(error.param).toBe(c.param);
    expect(error.message).toEqual(expect.any(String));
    expect(error.message).toMatch(c.message);

    expect(await snapshot()).toEqual(before);
  });
});

// The provider-specific cases, run over every provider (test/integration/provider-cases.ts).
describe.each(PROVIDER_CASES.map((c) => [c.provider, c] as const))(
  'on provider %s: right status, OpenAI error, nothing changed',
  (provider, { model }) => {
    // A file of another provider: Alice's OpenAI file, or for openai her Bedrock one.
    const otherProvider = provider === 'openai' ? 'bedrock' : 'openai';
    const other = () => ({ id: provider === 'openai' ? fx.bedrockFile : fx.aliceFile, provider: otherProvider });
    const providerCases: Case[] = [
      {
        name: 'upload: a line that is not JSON (gives the line number)',
        act: () => sdk(uploadBytes(jsonl([chatLine('1', model, 'a'), '{"custom_id": "2", "method": "POST"']), { provider })),
        status: 400,
        code: 'invalid_json_line',
        param: 'file',
        message: /Line 2 is not valid JSON/,
      },
      {
        name: 'upload: a line with the wrong method',
        act: () =>
          sdk(
            uploadBytes(
              jsonl([
                chatLine('1', model, 'a'),
                line(request('2', { method: 'GET', body: { model, messages: [{ role: 'user', content: 'b' }] } })),
              ]),
              { provider },
            ),
          ),
        status: 400,
        code: 'invalid_method',
        param: 'file',
        message: /Line 2: method must be "POST", got "GET"/,
      },
      {
        name: 'batches.create: unknown input_file_id',
        act: () => createBatch({ input_file_id: UNKNOWN_FILE, provider, model }),
        status: 404,
        code: null,
        param: 'input_file_id',
        message: /No such File object: file-A{24}/,
      },
      {
        name: 'batches.create: a file of another provider',
        act: () => createBatch({ input_file_id: other().id, provider, model }),
        status: 400,
        code: 'provider_mismatch',
        param: 'input_file_id',
        message: new RegExp(`uploaded for provider '${otherProvider}'`),
      },
      {
        name: 'files.retrieve: a file of another provider',
        act: () => sdk(alice.files.retrieve(other().id, { query: { provider } })),
        status: 404,
        code: null,
        param: 'id',
        message: /No such File object/,
      },
      {
        name: 'batches.retrieve: unknown id',
        act: () => sdk(alice.batches.retrieve(UNKNOWN_BATCH, { query: { provider } })),
        status: 404,
        code: null,
        param: 'id',
        message: /No such Batch object/,
      },
    ];
    test.each(providerCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const before = await snapshot();
      const outcome = await c.act({});
      expect(outcome.status).toBe(c.status);
      expect(Object.keys(outcome.body as object)).toEqual(['error']);
      const error = (outcome.body as { error: Record<string, unknown> }).error;
      expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(error.code).toBe(c.code);
      if (c.param !== undefined) expect(error.param).toBe(c.param);
      expect(error.message).toMatch(c.message);
      expect(await snapshot()).toEqual(before);
    });
  },
);

// Issue 12 changed the contract for these two: batches.create records the batch `validating` and the
// tracker converts and submits it, so a line the provider's format cannot express, or a model the
// provider does not have, fails the batch with OpenAI's errors list (as OpenAI reports validation
// failures) and every request in the error file. Nothing reaches the provider's batch queue.
describe('refused after create: validating, then failed with an OpenAI errors entry naming the problem', () => {
  test.each([
    {
      name: 'anthropic: a line Anthropic cannot take (n: 3)',
      provider: 'anthropic',
      lines: [chatLine('ok', 'claude-3-5-haiku-20241022', 'hi'), chatLine('bad', 'claude-3-5-haiku-20241022', 'hi', { n: 3 })],
      error: { code: 'unsupported_for_provider', param: 'input_file_id', line: 2, message: expect.stringMatching(/Line 2: body\.n/) },
    },
    {
      name: 'gemini: lines naming a model Gemini does not have',
      provider: 'gemini',
      lines: [chatLine('g', 'gpt-4o-mini', 'hi')],
      error: {
        code: 'not_found',
        param: null,
        line: null,
        message: expect.stringMatching(/Gemini rejected the request \(404 NOT_FOUND\): models\/gpt-4o-mini is not found/),
      },
    },
    {
      name: 'vertex: lines naming a model Vertex AI does not have',
      provider: 'vertex',
      lines: [chatLine('v', 'gpt-4o-mini', 'hi')],
      error: {
        code: 'model_not_found',
        param: 'model',
        line: null,
        message: expect.stringMatching(/Vertex AI has no model "gpt-4o-mini".*The PublisherModel gpt-4o-mini does not exist/),
      },
    },
  ])('$name', async ({ provider, lines, error }) => {
    const file = await upload(alice, jsonl(lines), { provider });
    const before = await providerObjects();
    const created = await alice.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider,
    } as never);
    expect(created.status).toBe('validating');
    const { batch } = await pollUntilDone(alice, created.id, { provider });
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data).toEqual([error]);
    expect(batch.request_counts).toEqual({ total: lines.length, completed: 0, failed: lines.length });
    expect(batch.output_file_id).toBeNull();
    const after = await providerObjects();
    for (const key of ['openaiBatches', 'azureBatches', 'anthropicBatches', 'geminiBatches', 'bedrockJobs', 'vertexJobs'] as const)
      expect(after[key]).toEqual(before[key]);
  });
});
