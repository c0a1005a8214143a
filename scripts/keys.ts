// `npm run keys -- create --name team-a [--tenant t] [--budget-usd N]`
// `npm run keys -- list`
// `npm run keys -- revoke <keyId>`
//
// Issues, lists and revokes gateway API keys. The table keeps only each key's SHA-256: `create` prints
// the key once, `list` shows ids, names and tenants, never keys.
//
// Which gateway (the first that applies):
//   --table NAME [--region R]      a deployed stack's table (the stack's Records table), with the AWS
//                                  credentials of the environment (AWS_PROFILE, AWS_ACCESS_KEY_ID, …);
//   --dynamodb-endpoint URL        that DynamoDB (table --table or finops-gateway);
//   <data-dir>/endpoints.json      the local gateway that is running (`npm start` writes it);
//   otherwise                      the local gateway's data folder (--data-dir, default .finops), opened
//                                  directly; only possible while the local gateway is not running.
//
// Revocation: the authorizer refuses a revoked key on its next lookup. In AWS, API Gateway caches the
// authorizer's answer for a key for 60 seconds, so a revoked key stops working within a minute.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetadataStore } from '#lambda/store/metadata';
import { createKey, listKeys, revokeKey, KeyAdminError } from '#lambda/auth/key-admin';
import { KeySpecError, type KeySummary } from '#lambda/auth/keys';
import { runWebhooksCli, WEBHOOKS_USAGE, WebhooksUsageError, type WebhooksResult } from './webhooks-cli';

const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const LOCAL_TABLE = 'finops-gateway';
/** API Gateway's authorizer cache (lib/api/api.ts AUTHORIZER_CACHE_TTL). */
const AUTHORIZER_CACHE_SECONDS = 60;

export const USAGE = `Usage:
  npm run keys -- create --name NAME [--tenant TENANT] [--budget-usd USD] [--json]
  npm run keys -- list [--json]
  npm run keys -- revoke KEY_ID
${WEBHOOKS_USAGE}
Target (default: the local gateway in .finops):
  --table NAME [--region REGION]   a deployed stack's table, with the AWS credentials of the environment
  --dynamodb-endpoint URL          a DynamoDB endpoint (with --table, default ${LOCAL_TABLE})
  --data-dir DIR                   the local gateway's data folder (default .finops)`;

export class UsageError extends Error {}

export type KeysCommand =
  | { command: 'create'; name: string; tenantId?: string; monthlyBudgetUsd?: number }
  | { command: 'list' }
  | { command: 'revoke'; keyId: string };

export interface KeysTarget {
  table?: string;
  region?: string;
  dynamodbEndpoint?: string;
  dataDir: string;
}

export interface KeysArgs {
  run: KeysCommand;
  target: KeysTarget;
  json: boolean;
}

export function parseKeysArgs(argv: string[]): KeysArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        tenant: { type: 'string' },
        'budget-usd': { type: 'string' },
        json: { type: 'boolean', default: false },
        table: { type: 'string' },
        region: { type: 'string' },
        'dynamodb-endpoint': { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError('');
  const [command, ...rest] = positionals;
  const target: KeysTarget = {
    table: values.table,
    region: values.region,
    dynamodbEndpoint: values['dynamodb-endpoint'],
    dataDir: resolve(values['data-dir'] ?? '.finops'),
  };
  if (values.region && !values.table) throw new UsageError('--region goes with --table (a deployed stack).');
  const json = values.json ?? false;
  const noExtra = () => {
    if (rest.length) throw new UsageError(`Unexpected argument(s): ${rest.join(' ')}`);
  };
  switch (command) {
    case 'create': {
      noExtra();
      if (!values.name) throw new UsageError('create needs --name (who the key is for, e.g. team-a).');
      let budget: number | undefined;
      if (values['budget-usd'] !== undefined) {
        budget = Number(values['budget-usd']);
        if (!/^\d+(\.\d+)?$/.test(values['budget-usd']) || !Number.isFinite(budget)) {
          throw new UsageError(`--budget-usd must be a number of US dollars, got ${JSON.stringify(values['budget-usd'])}.`);
        }
      }
      return { run: { command: 'create', name: values.name, tenantId: values.tenant, monthlyBudgetUsd: budget }, target, json };
    }
    case 'list':
      noExtra();
      return { run: { command: 'list' }, target, json };
    case 'revoke': {
      if (rest.length !== 1) throw new UsageError('revoke takes exactly one key id (key_…); `keys list` shows them.');
      const keyId = rest[0];
      if (!/^key_[0-9a-f]{12}$/.test(keyId)) throw new UsageError(`${JSON.stringify(keyId)} is not a key id (key_ and 12 hex digits).`);
      return { run: { command: 'revoke', keyId }, target, json };
    }
    default:
      throw new UsageError(command ? `Unknown command ${JSON.stringify(command)}.` : 'Name a command: create, list or revoke.');
  }
}

interface OpenedTable {
  store: MetadataStore;
  /** Where the keys are, for the messages. */
  description: string;
  deployed: boolean;
  close(): Promise<void>;
}

const isLoopback = (endpoint: string) => /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(endpoint);

async function openTable(target: KeysTarget, env: NodeJS.ProcessEnv): Promise<OpenedTable> {
  if (target.table && !target.dynamodbEndpoint) {
    // A deployed stack: region and credentials come from the environment like any AWS CLI tool.
    const region = target.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region) throw new UsageError('--table needs a region: pass --region or set AWS_REGION.');
    const client = new DynamoDBClient({ region });
    return {
      store: new MetadataStore(client, target.table),
      description: `table ${target.table} (${region})`,
      deployed: true,
      close: async () => client.destroy(),
    };
  }
  const table = target.table ?? LOCAL_TABLE;
  const endpoint = target.dynamodbEndpoint ?? (await runningLocalEndpoint(target.dataDir));
  if (endpoint) {
    const client = new DynamoDBClient({
      endpoint,
      region: env.AWS_REGION ?? 'us-east-1',
      ...(isLoopback(endpoint) ? { credentials: LOCAL_CREDENTIALS } : {}),
    });
    return {
      store: new MetadataStore(client, table),
      description: `table ${table} at ${endpoint}`,
      deployed: false,
      close: async () => client.destroy(),
    };
  }
  if (!existsSync(join(target.dataDir, 'dynamodb'))) {
    throw new UsageError(
      `No local gateway data in ${target.dataDir}. Start it once with \`npm start\`, or pass --table NAME for a deployed stack.`,
    );
  }
  // Loaded only here: it pulls in dynalite, which this path alone needs.
  const { startDynamoDB } = await import('#local/stand-ins');
  let db;
  try {
    db = await startDynamoDB(target.dataDir, table);
  } catch (err) {
    throw new Error(
      `Could not open ${join(target.dataDir, 'dynamodb')} (${(err as Error).message}). If the local gateway is running, pass its DynamoDB endpoint with --dynamodb-endpoint.`,
      { cause: err },
    );
  }
  const client = new DynamoDBClient({ endpoint: db.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  return {
    store: new MetadataStore(client, table),
    description: `the local gateway data in ${target.dataDir}`,
    deployed: false,
    close: async () => {
      client.destroy();
      await db.close();
    },
  };
}

/** The DynamoDB endpoint of a running local gateway (from the endpoints.json it writes), if it answers. */
async function runningLocalEndpoint(dataDir: string): Promise<string | undefined> {
  const written = join(dataDir, 'endpoints.json');
  if (!existsSync(written)) return undefined;
  let endpoint: string | undefined;
  try {
    endpoint = (JSON.parse(readFileSync(written, 'utf8')) as { dynamodb?: string }).dynamodb;
  } catch {
    return undefined;
  }
  if (!endpoint) return undefined;
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
    return endpoint;
  } catch {
    return undefined; // a stale file: the gateway has stopped
  }
}

const day = (seconds: number) => new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19) + 'Z';

export function formatKeyTable(keys: readonly KeySummary[]): string {
  if (keys.length === 0) return 'No keys.';
  const rows = keys.map((k) => [
    k.keyId,
    k.name,
    k.tenantId,
    day(k.createdAt),
    k.revokedAt ? `revoked ${day(k.revokedAt)}` : 'active',
    k.monthlyBudgetUsd === null ? '-' : `$${k.monthlyBudgetUsd}/month`,
  ]);
  const header = ['KEY ID', 'NAME', 'TENANT', 'CREATED', 'STATUS', 'BUDGET'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export type KeysResult =
  | { command: 'create'; key: string; summary: KeySummary }
  | { command: 'list'; keys: KeySummary[] }
  | { command: 'revoke'; summary: KeySummary; alreadyRevoked: boolean };

/** `keys …`, or `keys webhooks …` (scripts/webhooks-cli.ts). */
export async function runKeysCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  print: (text: string) => void = console.log,
): Promise<KeysResult | WebhooksResult> {
  if (argv[0] !== 'webhooks') return runKeys(argv, env, print);
  return runWebhooksCli(argv.slice(1), env, print).catch((err) => {
    throw err instanceof WebhooksUsageError ? new UsageError(err.message) : err;
  });
}

export async function runKeys(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  print: (text: string) => void = console.log,
  now = () => Math.floor(Date.now() / 1000),
): Promise<KeysResult> {
  const { run, target, json } = parseKeysArgs(argv);
  const opened = await openTable(target, env);
  try {
    switch (run.command) {
      case 'create': {
        const created = await createKey(
          opened.store,
          { name: run.name, tenantId: run.tenantId, monthlyBudgetUsd: run.monthlyBudgetUsd },
          now(),
        );
        const { summary } = created;
        if (json) print(JSON.stringify({ key: created.key, ...summary }, null, 2));
        else {
          print(
            [
              `Created key ${summary.keyId} "${summary.name}" for tenant ${summary.tenantId} in ${opened.description}` +
                (summary.monthlyBudgetUsd === null ? '.' : `, monthly budget $${summary.monthlyBudgetUsd}.`),
              '',
              `  ${created.key}`,
              '',
              'Copy it now: it is shown only this once. The gateway keeps only its SHA-256 and cannot show it again.',
            ].join('\n'),
          );
        }
        return { command: 'create', key: created.key, summary };
      }
      case 'list': {
        const keys = await listKeys(opened.store);
        print(json ? JSON.stringify(keys, null, 2) : formatKeyTable(keys));
        return { command: 'list', keys };
      }
      case 'revoke': {
        const revoked = await revokeKey(opened.store, run.keyId, now());
        if (json) print(JSON.stringify({ ...revoked.summary, alreadyRevoked: revoked.alreadyRevoked }, null, 2));
        else if (revoked.alreadyRevoked) print(`Key ${run.keyId} was already revoked (${day(revoked.summary.revokedAt!)}).`);
        else {
          print(
            `Revoked key ${run.keyId} "${revoked.summary.name}" in ${opened.description}.` +
              (opened.deployed
                ? ` API Gateway caches a key's authorization for ${AUTHORIZER_CACHE_SECONDS} s, so requests with it stop within a minute.`
                : ' Requests with it are refused from now on.'),
          );
        }
        return { command: 'revoke', ...revoked };
      }
    }
  } finally {
    await opened.close();
  }
}

if (require.main === module) {
  runKeysCli(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof UsageError) {
      if (err.message) console.error(err.message + '\n');
      console.error(USAGE);
    } else if (err instanceof KeyAdminError || err instanceof KeySpecError) {
      console.error(err.message);
    } else {
      console.error(err instanceof Error ? err.message : err);
    }
    process.exit(err instanceof UsageError && !err.message ? 0 : 1);
  });
}
