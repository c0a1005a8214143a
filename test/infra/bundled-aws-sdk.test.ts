// A function's bundle talks to DynamoDB and S3 as the sources do. Functions bundle the AWS SDK's ES
// module builds (lib/bundling.ts `mainFields: module, main`, tree-shaken), which no other test runs:
// jest runs the sources with the SDK's CommonJS builds. Here lambda/runtime.ts is bundled like a
// function and used from a fresh process against the local DynamoDB and S3 stand-ins.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildSync } from 'esbuild';
import { PROJECT_ROOT } from '#lib/gateway-function';
import { besideCommands, FUNCTION_ESBUILD } from '#lib/bundling';
import { LOCAL_CREDENTIALS, startDynamoDB, startS3, type RunningStandIn } from '#local/stand-ins';

const execFileAsync = promisify(execFile);
const TABLE = 'finops-bundle-test';
const BUCKET = 'finops-bundle-files';
let dir: string;
let standIns: RunningStandIn[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'finops-bundled-sdk-'));
  standIns = [await startDynamoDB(dir, TABLE), await startS3(dir, [BUCKET])];
  buildSync({
    entryPoints: [join(PROJECT_ROOT, 'lambda/runtime.ts')],
    bundle: true,
    platform: 'node',
    ...FUNCTION_ESBUILD,
    mainFields: [...FUNCTION_ESBUILD.mainFields],
    external: [...FUNCTION_ESBUILD.external],
    outfile: join(dir, 'bundle', 'index.js'),
    logLevel: 'silent',
  });
  for (const command of besideCommands(PROJECT_ROOT, join(dir, 'bundle'))) await execFileAsync('bash', ['-c', command]);
}, 120_000);

afterAll(async () => {
  await Promise.all(standIns.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

const SCRIPT = `const { getServices } = require('./index.js');
const besideLoaded = () => Object.keys(require.cache).filter((f) => f.startsWith(process.cwd() + '/node_modules/')).map((f) => f.slice(process.cwd().length + 14));
const { Readable } = require('node:stream');
(async () => {
  const { metadata, blobs } = getServices();
  const run = process.argv[1];
  const small = { bucket: ${JSON.stringify(BUCKET)}, key: run + '/small.jsonl' };
  const large = { bucket: ${JSON.stringify(BUCKET)}, key: run + '/large.jsonl' };
  const file = { id: 'file-bundled' + run, tenantId: 't' + run, provider: 'openai', filename: 'in.jsonl', purpose: 'batch', bytes: 6,
    createdAt: 1700000000, expiresAt: null, status: 'processed', statusDetails: null, blob: small, models: ['gpt-4o'] };
  await metadata.putFile(file);
  await blobs.put(small, '{"a":1}\\n', 'application/jsonl');
  // Over lib-storage's 5 MiB part size, streamed: a multipart upload.
  const part = Buffer.alloc(3 * 1024 * 1024, 'x');
  const put = await blobs.put(large, Readable.from([part, part]));
  const page = await metadata.listFiles('t' + run, { limit: 10, order: 'desc', where: {} });
  process.stdout.write(JSON.stringify({
    file: await metadata.getFile('t' + run, file.id, 1700000001),
    otherTenant: await metadata.getFile('t0', file.id, 1700000001),
    listed: page.items.map((f) => f.id),
    small: (await blobs.getBuffer(small)).toString(),
    large: { put: put.bytes, read: (await blobs.getBuffer(large)).length },
    besideLoaded: besideLoaded(),
  }));
})().catch((err) => { console.error(err); process.exit(1); });`;

/** What a function's environment holds, with or without credentials in it. */
function environment(credentials: Record<string, string>): Record<string, string> {
  const [dynamodb, s3] = standIns;
  return {
    PATH: process.env.PATH ?? '',
    NODE_PATH: '',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    FINOPS_S3_FORCE_PATH_STYLE: 'true',
    FINOPS_TABLE_NAME: TABLE,
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...credentials,
  };
}

async function runScript(run: number, env: Record<string, string>) {
  const { stdout } = await execFileAsync(process.execPath, ['-e', SCRIPT, String(run)], { cwd: join(dir, 'bundle'), env });
  return JSON.parse(stdout);
}

test('the bundled AWS SDK stores and reads records and objects like the sources, with the credentials of the environment (as in Lambda)', async () => {
  const seen = await runScript(
    1,
    environment({ AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey }),
  );
  expect(seen.file).toMatchObject({
    id: 'file-bundled1',
    tenantId: 't1',
    blob: { bucket: BUCKET, key: '1/small.jsonl' },
    models: ['gpt-4o'],
  });
  expect(seen.otherTenant).toBeNull();
  expect(seen.listed).toEqual(['file-bundled1']);
  expect(seen.small).toBe('{"a":1}\n');
  expect(seen.large).toEqual({ put: 6 * 1024 * 1024, read: 6 * 1024 * 1024 });
  expect(seen.besideLoaded).toEqual([]); // no other credential provider was needed
}, 60_000);

test('credentials from a shared credentials file: the SDK’s chain loads that provider from beside the bundle', async () => {
  const files = join(dir, 'aws');
  writeFileSync(
    `${files}-credentials`,
    `[bundle]\naws_access_key_id = ${LOCAL_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${LOCAL_CREDENTIALS.secretAccessKey}\n`,
  );
  writeFileSync(`${files}-config`, '');
  const seen = await runScript(
    2,
    environment({ AWS_PROFILE: 'bundle', AWS_SHARED_CREDENTIALS_FILE: `${files}-credentials`, AWS_CONFIG_FILE: `${files}-config` }),
  );
  expect(seen.small).toBe('{"a":1}\n');
  expect(seen.besideLoaded).toEqual(expect.arrayContaining(['@aws-sdk/credential-provider-ini/index.js']));
}, 60_000);
