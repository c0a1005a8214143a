// `npm run report -- --start YYYY-MM-DD --end YYYY-MM-DD --group-by provider|model|key|day`
// The FinOps usage report of one tenant as a table on the console and a CSV file.
//
// Where the numbers come from (the first that applies):
//   --base-url URL --api-key KEY   a running gateway's GET /finops/usage (deployed or local), as that key's tenant;
//   --dynamodb-endpoint URL        that DynamoDB (e.g. the local gateway's; also AWS_ENDPOINT_URL_DYNAMODB);
//   <data-dir>/endpoints.json      the endpoints a running local gateway wrote there (if it does);
//   otherwise                      the local gateway's data folder (--data-dir, default .finops), opened
//                                  directly; only possible while the local gateway is not running.
// With DynamoDB, the tenant is --tenant, or the tenant of --api-key (default: the first key of
// FINOPS_API_KEYS, else the local dev key).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { hashKey } from '#lambda/auth/keys';
import { FinOpsStore } from '#lambda/finops/store';
import { buildUsageReport, parseUsageQuery, type UsageQuery, type UsageReport } from '#lambda/finops/report';
import { formatReportCsv, formatReportTable } from '#lambda/finops/report-format';
import { GatewayError } from '#lambda/http/errors';
import { MetadataStore } from '#lambda/store/metadata';

import { DEFAULT_DEV_KEY as LOCAL_DEV_KEY } from '#local/dev-key';
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const USAGE = `Usage: npm run report -- [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--group-by provider|model|key|day]
                        [--out report.csv] [--json]
                        [--base-url https://…/openai --api-key KEY]
                        [--dynamodb-endpoint URL] [--table NAME] [--tenant ID | --api-key KEY] [--data-dir .finops]
Defaults: --end today (UTC), --start the first day of that month, --group-by provider.`;

export interface ReportOptions {
  query: UsageQuery;
  out: string;
  json: boolean;
  baseUrl?: string;
  apiKey?: string;
  dynamodbEndpoint?: string;
  table: string;
  tenant?: string;
  dataDir: string;
}

export function parseReportArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  today = new Date().toISOString().slice(0, 10),
): ReportOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      start: { type: 'string' },
      end: { type: 'string' },
      'group-by': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      'base-url': { type: 'string' },
      'api-key': { type: 'string' },
      'dynamodb-endpoint': { type: 'string' },
      table: { type: 'string' },
      tenant: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new UsageHelp();
  const query = parseUsageQuery({ start: values.start, end: values.end, group_by: values['group-by'] }, today);
  if (values['base-url'] && !values['api-key']) throw new Error('--base-url needs --api-key (the gateway key whose tenant to report).');
  return {
    query,
    out: values.out ?? `finops-usage_${query.start}_${query.end}_by-${query.groupBy}.csv`,
    json: values.json ?? false,
    baseUrl: values['base-url'],
    apiKey: values['api-key'],
    dynamodbEndpoint: values['dynamodb-endpoint'] ?? env.AWS_ENDPOINT_URL_DYNAMODB,
    table: values.table ?? env.FINOPS_TABLE_NAME ?? 'finops-gateway',
    tenant: values.tenant,
    dataDir: resolve(values['data-dir'] ?? '.finops'),
  };
}

class UsageHelp extends Error {}

async function fromGateway(baseUrl: string, apiKey: string, query: UsageQuery): Promise<UsageReport> {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/finops/usage`);
  url.searchParams.set('start', query.start);
  url.searchParams.set('end', query.end);
  url.searchParams.set('group_by', query.groupBy);
  const res = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
  const body = (await res.json().catch(() => null)) as (UsageReport & { error?: { message?: string } }) | null;
  if (!res.ok || !body || body.object !== 'finops.usage_report') {
    throw new Error(`GET ${url.pathname} answered ${res.status}: ${body?.error?.message ?? 'not a usage report'}`);
  }
  return body;
}

/** The DynamoDB endpoint to read, and how to stop what this script started for it. */
async function dynamoEndpoint(options: ReportOptions): Promise<{ endpoint: string; close(): Promise<void> }> {
  if (options.dynamodbEndpoint) return { endpoint: options.dynamodbEndpoint, close: async () => undefined };
  const written = join(options.dataDir, 'endpoints.json');
  if (existsSync(written)) {
    const endpoints = JSON.parse(readFileSync(written, 'utf8')) as { dynamodb?: string };
    if (endpoints.dynamodb && (await reachable(endpoints.dynamodb))) return { endpoint: endpoints.dynamodb, close: async () => undefined };
  }
  if (!existsSync(join(options.dataDir, 'dynamodb'))) {
    throw new Error(
      `No local gateway data in ${options.dataDir}. Run \`npm start\` first, or pass --base-url/--api-key or --dynamodb-endpoint.`,
    );
  }
  // Loaded only here: it pulls in dynalite, which this path alone needs.
  const { startDynamoDB } = await import('#local/stand-ins');
  try {
    return await startDynamoDB(options.dataDir, options.table);
  } catch (err) {
    throw new Error(
      `Could not open ${join(options.dataDir, 'dynamodb')} (${(err as Error).message}). If the local gateway is running, ` +
        'pass its DynamoDB endpoint with --dynamodb-endpoint, or use --base-url and --api-key.',
      { cause: err },
    );
  }
}

async function reachable(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

async function fromDynamoDB(options: ReportOptions, env: NodeJS.ProcessEnv): Promise<UsageReport> {
  const db = await dynamoEndpoint(options);
  const local = /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(db.endpoint);
  const client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: env.AWS_REGION ?? 'us-east-1',
    ...(local ? { credentials: LOCAL_CREDENTIALS } : {}),
  });
  try {
    let tenant = options.tenant;
    if (!tenant) {
      const key = options.apiKey ?? env.FINOPS_API_KEYS?.split(',')[0]?.trim() ?? LOCAL_DEV_KEY;
      const record = await new MetadataStore(client, options.table).getKeyByHash(hashKey(key));
      if (!record) throw new Error(`No gateway key ${key.slice(0, 12)}… in table ${options.table}; pass --tenant or the right --api-key.`);
      tenant = record.tenantId;
    }
    const store = new FinOpsStore(DynamoDBDocumentClient.from(client), options.table);
    return buildUsageReport(await store.usageRows(tenant, options.query.start, options.query.end), options.query);
  } finally {
    client.destroy();
    await db.close();
  }
}

export async function runReport(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  print: (text: string) => void = console.log,
): Promise<UsageReport> {
  const options = parseReportArgs(argv, env);
  const report = options.baseUrl ? await fromGateway(options.baseUrl, options.apiKey!, options.query) : await fromDynamoDB(options, env);
  writeFileSync(options.out, formatReportCsv(report));
  print(options.json ? JSON.stringify(report, null, 2) : formatReportTable(report));
  print(`\nCSV written to ${resolve(options.out)}`);
  return report;
}

if (require.main === module) {
  runReport(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof UsageHelp) {
      console.log(USAGE);
      return;
    }
    console.error(err instanceof GatewayError || err instanceof Error ? err.message : err);
    console.error(`\n${USAGE}`);
    process.exit(1);
  });
}
