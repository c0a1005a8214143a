// The whole gateway on one machine: AWS stand-ins, provider simulators for providers without a key,
// the synthesized state machine run locally, and the API server in front of the real handlers.
// `npm start` (local/start.ts) and the integration tests both use startLocalGateway().
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_DEV_KEY } from './dev-key';
import { startDynamoDB, startS3, LOCAL_CREDENTIALS, type RunningS3, type RunningStandIn } from './stand-ins';
import { LocalStepFunctions } from './step-functions';
import { InFlight } from './in-flight';
import { startApiServer } from './server';
import { startProviderEndpoints, type ProviderEndpointInfo } from './provider-endpoints';
import { trackerDefinitionForLocalRun } from './tracker-definition';
import { TrackerState } from '#lib/batch-tracker/state-names';
import { EVENT_FUNCTIONS } from '#contracts/routes';
import { resetConfig } from '#lambda/config';
import { resetServices, setBaseLogLevel } from '#lambda/runtime';
import type { BuiltConsole } from '#console/build';
import { startLocalWebhooks, type LocalWebhookQueue } from './webhooks';

export { DEFAULT_DEV_KEY };

export interface LocalGatewayOptions {
  /** API port (0 = any free port). Default 8787. */
  port?: number;
  /** Where DynamoDB and S3 data, executions and events live. Default ./.finops */
  dataDir?: string;
  /** Gateway keys accepted (comma-separated in FINOPS_API_KEYS). */
  apiKeys?: string[];
  /** Milliseconds each simulated provider status lasts. */
  simulatorStepMs?: number;
  /** Milliseconds the tracker's "Wait before next check" lasts locally. */
  trackerWaitMs?: number;
  /** Milliseconds between task retries locally. */
  trackerRetryMs?: number;
  /** Milliseconds between runs of the expired-file sweep (hourly in AWS). Default 60 s; 0 turns it off. */
  expirySweepMs?: number;
  /** Milliseconds one second of the webhook retry schedule lasts locally. Default 1000/60 (the 1 min first retry takes 1 s). */
  webhookMsPerSecond?: number;
  /** Extra environment for the handlers (e.g. lowered provider limits in tests). */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export type { ProviderEndpointInfo };

export interface LocalGateway {
  /** OpenAI base URL for clients, e.g. http://127.0.0.1:8787/openai */
  baseURL: string;
  apiKeys: string[];
  providers: ProviderEndpointInfo[];
  stepFunctions: LocalStepFunctions;
  /** The webhook delivery queue stand-in (messages waiting, dead letters). */
  webhookQueue: LocalWebhookQueue;
  dataDir: string;
  dynamodbEndpoint: string;
  s3Endpoint: string;
  /** The web console: http://127.0.0.1:<port>/console */
  consoleURL: string;
  /** Builds the console now (otherwise on its first request); resolves to its files and sizes. */
  buildConsole(): Promise<BuiltConsole>;
  close(): Promise<void>;
}

const BUCKETS = { files: 'finops-files', bedrockInput: 'finops-bedrock-input', bedrockOutput: 'finops-bedrock-output' };
const TABLE = 'finops-gateway';

export async function startLocalGateway(options: LocalGatewayOptions = {}): Promise<LocalGateway> {
  const dataDir = resolve(options.dataDir ?? '.finops');
  mkdirSync(dataDir, { recursive: true });
  const closing = new ClosingOrder();
  closing.last(restoreProcessEnv());
  try {
    const standIns = await startStandIns(dataDir, options, closing);
    const providers = await startSimulators(dataDir, options, standIns, closing);
    const apiKeys = options.apiKeys ?? listSetting(process.env.FINOPS_API_KEYS ?? DEFAULT_DEV_KEY);
    await seedKeys(apiKeys);
    const { stepFunctions, webhookQueue } = await wireTracker(dataDir, options, closing);
    // Direct uploads: the stack has S3 invoke files-register for objects created under direct/ in the
    // files bucket; here the S3 stand-in's events do. Closing waits for registrations under way.
    closing.first(await subscribeFileRegistration(standIns.s3, options.trackerRetryMs ?? 200));
    // The hourly schedule that removes expired files (SCHEDULED_FUNCTIONS in contracts/routes.ts).
    closing.first(await scheduleExpirySweep(options.expirySweepMs ?? 60_000));
    const { api, buildConsole } = await serveApi(dataDir, options, closing);
    writeEndpointsFile(dataDir, api.url, standIns);
    return {
      baseURL: `${api.url}/openai`,
      apiKeys,
      providers,
      stepFunctions,
      webhookQueue,
      dataDir,
      dynamodbEndpoint: standIns.dynamodb.endpoint,
      s3Endpoint: standIns.s3.endpoint,
      consoleURL: `${api.url}/console`,
      buildConsole,
      close: () => closing.closeAll(),
    };
  } catch (err) {
    await closing.closeAll();
    throw err;
  }
}

/** What the gateway's close() stops, in order: the most recently started first, the environment last. */
class ClosingOrder {
  private readonly closers: Array<() => Promise<void>> = [];

  /** Closed before everything registered so far. */
  first(close: () => Promise<void>): void {
    this.closers.unshift(close);
  }

  /** Closed after everything else. */
  last(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  /** Waits for a started thing and closes it before whatever was started earlier. */
  started = async <T extends { close(): Promise<void> }>(thing: Promise<T>): Promise<T> => {
    const value = await thing;
    this.first(() => value.close());
    return value;
  };

  /** Closes everything, each once, going on past a failure. */
  async closeAll(): Promise<void> {
    for (const close of this.closers) await close().catch(() => undefined);
  }
}

/**
 * The handlers read their configuration from process.env (as in Lambda). Whatever this gateway sets
 * there is put back on close, so the next gateway in the same process starts from the user's env.
 */
function restoreProcessEnv(): () => Promise<void> {
  const savedEnv = { ...process.env };
  return async () => {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    resetConfig();
    resetServices();
  };
}

/** A comma-separated setting as its trimmed, non-empty items. */
const listSetting = (text: string): string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

interface StandIns {
  dynamodb: RunningStandIn;
  s3: RunningS3;
}

/** The AWS stand-ins: DynamoDB with the gateway's table, S3 with its buckets and those a client may name. */
async function startStandIns(dataDir: string, options: LocalGatewayOptions, closing: ClosingOrder): Promise<StandIns> {
  const dynamodb = await closing.started(startDynamoDB(dataDir, TABLE));
  // Buckets a client may name in storage_config / output_s3_uri exist locally too.
  const allowedBuckets = listSetting(options.env?.FINOPS_ALLOWED_BUCKETS ?? process.env.FINOPS_ALLOWED_BUCKETS ?? '');
  const s3 = await closing.started(startS3(dataDir, [...Object.values(BUCKETS), ...allowedBuckets]));
  return { dynamodb, s3 };
}

/** Environment read by lambda/config.ts and by the AWS SDK (service-specific endpoints) to reach the stand-ins. */
function standInEnvironment(dataDir: string, { dynamodb, s3 }: StandIns): Record<string, string> {
  return {
    // The user's region is kept (the seed's Bedrock example names us-west-2); the stand-ins serve any.
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    FINOPS_S3_FORCE_PATH_STYLE: 'true',
    FINOPS_TABLE_NAME: TABLE,
    FINOPS_FILES_BUCKET: BUCKETS.files,
    FINOPS_BEDROCK_INPUT_BUCKET: BUCKETS.bedrockInput,
    FINOPS_BEDROCK_OUTPUT_BUCKET: BUCKETS.bedrockOutput,
    FINOPS_BEDROCK_ROLE_ARN: 'arn:aws:iam::000000000000:role/finops-bedrock-batch',
    FINOPS_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:finops-batch-tracker',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    // The credential vault's master key (provider-key pass-through), created on first use.
    FINOPS_VAULT_KEY_FILE: join(dataDir, 'vault.key'),
  };
}

/**
 * The providers (the catalog's): live where the environment configures one, otherwise its simulator on
 * loopback. Then the handlers' environment: the stand-ins', each provider's endpoint, the caller's overrides.
 */
async function startSimulators(
  dataDir: string,
  options: LocalGatewayOptions,
  standIns: StandIns,
  closing: ClosingOrder,
): Promise<ProviderEndpointInfo[]> {
  const env = standInEnvironment(dataDir, standIns);
  // Test or operator overrides first, so that simulators and handlers see the same settings.
  Object.assign(process.env, options.env ?? {});
  const stepMs = options.simulatorStepMs ?? 1500;
  const s3 = { endpoint: standIns.s3.endpoint, region: 'us-east-1' };
  const providers = await startProviderEndpoints({ stepMs, dataDir, s3 }, env, closing.started);
  Object.assign(process.env, env, options.env ?? {});
  resetConfig();
  resetServices();
  setBaseLogLevel(process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN');
  return providers;
}

/**
 * The tracker: the synthesized ASL, its Lambda tasks bound to the local handlers; and the webhooks its
 * terminal events feed (local/webhooks.ts: fan-out → delivery queue → deliveries), closed right after
 * the tracker, whose last events they may still be delivering.
 */
async function wireTracker(dataDir: string, options: LocalGatewayOptions, closing: ClosingOrder) {
  const { prepareInput } = await import('#lambda/handlers/tracker-prepare-input');
  const { submitBatch } = await import('#lambda/handlers/tracker-submit-batch');
  const { checkStatus } = await import('#lambda/handlers/tracker-check-status');
  const { collectResults } = await import('#lambda/handlers/tracker-collect-results');
  const { markFailed } = await import('#lambda/handlers/tracker-mark-failed');
  const stepFunctions = new LocalStepFunctions({
    definition: await trackerDefinitionForLocalRun(),
    dataDir,
    waitMs: options.trackerWaitMs ?? 500,
    retryMs: options.trackerRetryMs ?? 200,
    tasks: {
      [TrackerState.prepareInput]: (p) => prepareInput(p as never),
      [TrackerState.submit]: (p) => submitBatch(p as never),
      [TrackerState.checkStatus]: (p) => checkStatus(p as never),
      [TrackerState.collectResults]: (p) => collectResults(p as never),
      [TrackerState.markFailed]: (p) => markFailed(p as never),
    },
  });
  process.env.AWS_ENDPOINT_URL_SFN = await stepFunctions.start();
  const webhookQueue = await startLocalWebhooks({
    dataDir,
    stepFunctions,
    msPerSecond: options.webhookMsPerSecond ?? 1000 / 60,
    retryMs: options.trackerRetryMs ?? 200,
  });
  closing.first(() => webhookQueue.close());
  closing.first(() => stepFunctions.close());
  resetServices();
  return { stepFunctions, webhookQueue };
}

/** The API server in front of the handlers, and the web console's assets, built by esbuild into the data folder on first use (console/build.ts). */
async function serveApi(dataDir: string, options: LocalGatewayOptions, closing: ClosingOrder) {
  const consoleDir = join(dataDir, 'console');
  process.env.FINOPS_CONSOLE_ASSETS_DIR = consoleDir;
  let consoleBuild: Promise<BuiltConsole> | undefined;
  const buildConsole = () => (consoleBuild ??= import('#console/build').then((m) => m.buildConsole(consoleDir)));
  const port = options.port ?? Number(process.env.PORT ?? 8787);
  const api = await closing.started(startApiServer(port, { beforePublicRoute: async () => void (await buildConsole()) }));
  return { api, buildConsole };
}

/** Where tools (npm run keys, npm run report) find the running gateway's stand-ins. */
function writeEndpointsFile(dataDir: string, apiUrl: string, { dynamodb, s3 }: StandIns): void {
  writeFileSync(
    join(dataDir, 'endpoints.json'),
    JSON.stringify({ api: `${apiUrl}/openai`, dynamodb: dynamodb.endpoint, s3: s3.endpoint }, null, 2),
  );
}

/** S3 invokes a function asynchronously; Lambda tries a failed invocation twice more. */
const LAMBDA_ASYNC_ATTEMPTS = 3;

/**
 * S3 event notifications to files-register, as the stack configures them (EVENT_FUNCTIONS in
 * contracts/routes.ts): objects created in that bucket under that prefix, delivered asynchronously and
 * retried on error. Returns what waits for the deliveries under way.
 */
async function subscribeFileRegistration(s3: RunningS3, retryMs: number): Promise<() => Promise<void>> {
  const { registerFiles } = await import('#lambda/handlers/files-register');
  const { bucket, keyPrefix } = EVENT_FUNCTIONS.registerFile;
  const deliveries = new InFlight();
  s3.onEvent((event) => {
    const records = event.Records.filter(
      (r) => r.eventName.startsWith('ObjectCreated:') && r.s3.bucket.name === BUCKETS[bucket] && r.s3.object.key.startsWith(keyPrefix),
    );
    if (records.length === 0) return;
    void deliveries.track(
      (async () => {
        for (let attempt = 1; attempt <= LAMBDA_ASYNC_ATTEMPTS; attempt++) {
          try {
            await registerFiles({ Records: records });
            return;
          } catch {
            // Logged by the handler; Lambda would wait a minute or two before the next try.
            if (attempt < LAMBDA_ASYNC_ATTEMPTS) await new Promise((r) => setTimeout(r, retryMs));
          }
        }
      })(),
    );
  });
  return () => deliveries.settle();
}

/** Runs the expired-file sweep every `everyMs` (none for 0); returns what stops it and waits for a run under way. */
async function scheduleExpirySweep(everyMs: number): Promise<() => Promise<void>> {
  if (everyMs <= 0) return async () => undefined;
  const { expireFiles } = await import('#lambda/handlers/files-expire');
  const runs = new InFlight();
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // as with a schedule's overlapping invocations, the next run catches up
    running = true;
    void runs.track(
      expireFiles()
        .catch(() => undefined)
        .finally(() => (running = false)),
    );
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await runs.settle();
  };
}

/** Local keys: each configured key is its own tenant (tenant = the key's public id). */
async function seedKeys(keys: string[]): Promise<void> {
  const { getServices } = await import('#lambda/runtime');
  const { hashKey, keyIdOf } = await import('#lambda/auth/keys');
  const { metadata } = getServices();
  for (const [i, key] of keys.entries()) {
    const keyHash = hashKey(key);
    if (await metadata.getKeyByHash(keyHash)) continue;
    const keyId = keyIdOf(keyHash);
    await metadata.putKey({
      keyHash,
      keyId,
      name: `local-${i + 1}`,
      tenantId: `tenant_${keyId.slice(4)}`,
      createdAt: Math.floor(Date.now() / 1000),
      revokedAt: null,
    });
  }
}
