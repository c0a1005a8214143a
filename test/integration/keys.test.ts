// `npm run keys` against the local gateway: a created key works at once and is stored only as its
// hash, list never shows keys, --tenant and --budget-usd take effect, revocation stops the key on its
// next request (the local gateway has no authorizer cache; API Gateway's is 60 s), the deployed-table
// path (--table) works with the environment's AWS settings, and with the gateway stopped the real CLI
// opens the data folder directly.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { startLocalGateway, type LocalGateway } from '#local/gateway';
import { LOCAL_CREDENTIALS } from '#local/stand-ins';
import { hashKey } from '#lambda/auth/keys';
import { runKeys, type KeysResult } from '#scripts/keys';
import { chatLine, jsonl, upload } from './helpers';

const SEEDED = ['sk-finops-keys-test-alice'];

let gateway: LocalGateway | undefined;
let dataDir: string;

const client = (key: string) => new OpenAI({ baseURL: gateway!.baseURL, apiKey: key, maxRetries: 0, timeout: 30_000 });

/** Runs the command as `npm run keys` would, against this test's data folder; returns result and output. */
async function keys(...argv: string[]): Promise<{ result: KeysResult; printed: string }> {
  const out: string[] = [];
  const result = await runKeys([...argv, '--data-dir', dataDir], process.env, (text) => out.push(text));
  return { result, printed: out.join('\n') };
}

async function scanTable(): Promise<string> {
  const db = new DynamoDBClient({ endpoint: gateway!.dynamodbEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  try {
    return JSON.stringify((await db.send(new ScanCommand({ TableName: 'finops-gateway' }))).Items);
  } finally {
    db.destroy();
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'finops-keys-'));
  gateway = await startLocalGateway({ port: 0, dataDir, apiKeys: SEEDED, simulatorStepMs: 60, trackerWaitMs: 40, trackerRetryMs: 20 });
});
afterAll(async () => {
  await gateway?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

let teamA: { key: string; keyId: string; tenantId: string };

test('create prints the key once; it works at once; the table keeps only its hash', async () => {
  const { result, printed } = await keys('create', '--name', 'team-a');
  if (result.command !== 'create') throw new Error('expected create');
  teamA = { key: result.key, keyId: result.summary.keyId, tenantId: result.summary.tenantId };
  expect(teamA.key).toMatch(/^sk-finops-/);
  expect(printed.split(teamA.key)).toHaveLength(2); // exactly once
  expect(printed).toContain(`Created key ${teamA.keyId} "team-a" for tenant ${teamA.tenantId}`);
  expect(printed).toMatch(/shown only this once/);

  const list = await client(teamA.key).files.list();
  expect(list.data).toEqual([]);

  const table = await scanTable();
  expect(table).toContain(hashKey(teamA.key));
  expect(table).not.toContain(teamA.key);
  expect(table).not.toContain(teamA.key.slice('sk-finops-'.length));
});

test('list shows id, name, tenant and status of every key, never a key or a hash', async () => {
  const { result, printed } = await keys('list');
  if (result.command !== 'list') throw new Error('expected list');
  expect(result.keys.map((k) => k.name).sort()).toEqual(['local-1', 'team-a']);
  expect(printed).toMatch(new RegExp(`${teamA.keyId}\\s+team-a\\s+${teamA.tenantId}\\s+\\S+ \\S+\\s+active`));
  for (const key of [...SEEDED, teamA.key]) {
    expect(printed).not.toContain(key);
    expect(printed).not.toContain(hashKey(key));
    expect(printed).not.toContain(hashKey(key).slice(12, 40)); // nothing of the hash past the public id
  }
  const asJson = await keys('list', '--json');
  expect(JSON.parse(asJson.printed)).toEqual(result.keys);
});

test("--tenant joins an existing tenant: the new key sees that tenant's files, others still do not", async () => {
  const seeded = client(SEEDED[0]);
  const file = await upload(seeded, jsonl([chatLine('t1', 'gpt-4o-mini', 'shared')]), { provider: 'openai' });
  const seededTenant = (await keys('list')).result;
  if (seededTenant.command !== 'list') throw new Error('expected list');
  const tenantId = seededTenant.keys.find((k) => k.name === 'local-1')!.tenantId;

  const { result } = await keys('create', '--name', 'local-1 ci', '--tenant', tenantId);
  if (result.command !== 'create') throw new Error('expected create');
  expect(result.summary.tenantId).toBe(tenantId);
  expect((await client(result.key).files.retrieve(file.id)).id).toBe(file.id);
  await expect(client(teamA.key).files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
});

test('--budget-usd gives the key a monthly budget that the budget guard enforces', async () => {
  const { result } = await keys('create', '--name', 'tight', '--budget-usd', '0');
  if (result.command !== 'create') throw new Error('expected create');
  expect(result.summary.monthlyBudgetUsd).toBe(0);
  const sdk = client(result.key);
  const file = await upload(sdk, jsonl([chatLine('b1', 'gpt-4o-mini', 'hi')]), { provider: 'openai' });
  await expect(
    sdk.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
  ).rejects.toMatchObject({ status: 402, code: 'budget_exceeded' });
});

test('revoke: the next request with the key gets 401, other keys keep working; revoking again says so', async () => {
  const { result, printed } = await keys('revoke', teamA.keyId);
  expect(result).toMatchObject({
    command: 'revoke',
    alreadyRevoked: false,
    summary: { keyId: teamA.keyId, revokedAt: expect.any(Number) },
  });
  expect(printed).toContain(`Revoked key ${teamA.keyId} "team-a"`);

  const refused = await client(teamA.key)
    .files.list()
    .catch((err: unknown) => err);
  expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
  expect(refused).toMatchObject({ status: 401 });
  expect((await client(SEEDED[0]).files.list()).data.length).toBeGreaterThan(0);

  const again = await keys('revoke', teamA.keyId);
  expect(again.result).toMatchObject({ alreadyRevoked: true });
  expect(again.printed).toContain('was already revoked');
  expect((await keys('list')).printed).toMatch(new RegExp(`${teamA.keyId}.*revoked \\d{4}-`));
});

test('revoking an unknown id fails and changes nothing', async () => {
  await expect(keys('revoke', 'key_000000000000')).rejects.toThrow('No key with id key_000000000000');
});

test('--table: a deployed table, with region, credentials and endpoint from the AWS environment', async () => {
  // The local gateway has put AWS_ENDPOINT_URL_DYNAMODB and credentials in the environment, as an
  // operator's shell would carry AWS_PROFILE/AWS_REGION for the real one.
  expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(gateway!.dynamodbEndpoint);
  const out: string[] = [];
  const result = await runKeys(
    ['create', '--name', 'deployed', '--table', 'finops-gateway', '--region', 'us-east-1'],
    process.env,
    (text) => out.push(text),
  );
  if (result.command !== 'create') throw new Error('expected create');
  expect(out.join('\n')).toContain('in table finops-gateway (us-east-1)');
  expect((await client(result.key).batches.list()).data).toEqual([]);
  const revoke = await runKeys(
    ['revoke', result.summary.keyId, '--table', 'finops-gateway', '--region', 'us-east-1'],
    process.env,
    (text) => out.push(text),
  );
  expect(revoke.command).toBe('revoke');
  expect(out.join('\n')).toContain("caches a key's authorization for 60 s");
});

test('with the gateway stopped, `npm run keys -- list` opens the data folder directly', async () => {
  await gateway!.close();
  gateway = undefined;
  const run = spawnSync('npm', ['run', '--silent', 'keys', '--', 'list', '--json', '--data-dir', dataDir], {
    cwd: join(__dirname, '..', '..'),
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.stderr).not.toMatch(/Error/);
  expect(run.status).toBe(0);
  const listed = JSON.parse(run.stdout) as Array<{ name: string; revokedAt: number | null }>;
  expect(listed.map((k) => k.name).sort()).toEqual(['deployed', 'local-1', 'local-1 ci', 'team-a', 'tight']);
  expect(listed.find((k) => k.name === 'team-a')!.revokedAt).toEqual(expect.any(Number));
  expect(run.stdout).not.toContain('sk-finops-');
}, 60_000);
