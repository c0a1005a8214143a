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
import { TrackerState } from '../lib/batch-tracker/state-names';
import { EVENT_FUNCTIONS } from '../contracts/routes';
import { resetConfig } from '../lambda/config';
import { resetServices, setBaseLogLevel } from '../lambda/runtime';
import type { BuiltConsole } from '../console/build';
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
  const stepMs = options.simulatorStepMs ?? 1500;
  const closers: Array<() => Promise<void>> = [];
  const started = async <T extends { close(): Promise<void> }>(thing: Promise<T>): Promise<T> => {
    const value = await thing;
    closers.unshift(() => value.close());
    return value;
  };

  // The handlers read their configuration from process.env (as in Lambda). Whatever this gateway sets
  // there is put back on close, so the next gateway in the same process starts from the user's env.
  const savedEnv = { ...process.env };
  closers.push(async () => {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    resetConfig();
    resetServices();
  });

  try {
    const dynamodb: RunningStandIn = await started(startDynamoDB(dataDir, TABLE));
    // Buckets a client may name in storage_config / output_s3_uri exist locally too.
    const allowedBuckets = (options.env?.FINOPS_ALLOWED_BUCKETS ?? process.env.FINOPS_ALLOWED_BUCKETS ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    const s3: RunningS3 = await started(startS3(dataDir, [...Object.values(BUCKETS), ...allowedBuckets]));

    // Environment read by lambda/config.ts and by the AWS SDK (service-specific endpoints).
    const env: Record<string, string> = {
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

    // Test or operator overrides first, so that simulators and handlers see the same settings.
    Object.assign(process.env, options.env ?? {});

    // Providers (the catalog's): live where the environment configures one, otherwise its simulator on loopback.
    const providers = await startProviderEndpoints({ stepMs, dataDir, s3: { endpoint: s3.endpoint, region: 'us-east-1' } }, env, started);

    Object.assign(process.env, env, options.env ?? {});
    resetConfig();
    resetServices();
    setBaseLogLevel(process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN');

    const apiKeys =
      options.apiKeys ??
      (process.env.FINOPS_API_KEYS ?? DEFAULT_DEV_KEY)
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean);
    await seedKeys(apiKeys);

    // The tracker: the synthesized ASL, its Lambda tasks bound to the local handlers.
    const { prepareInput } = await import('../lambda/handlers/tracker-prepare-input');
    const { submitBatch } = await import('../lambda/handlers/tracker-submit-batch');
    const { checkStatus } = await import('../lambda/handlers/tracker-check-status');
    const { collectResults } = await import('../lambda/handlers/tracker-collect-results');
    const { markFailed } = await import('../lambda/handlers/tracker-mark-failed');
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
    // Webhooks: the tracker's terminal events → fan-out → delivery queue → deliveries (local/webhooks.ts).
    // Closed right after the tracker, whose last events it may still be delivering.
    const webhookQueue = await startLocalWebhooks({
      dataDir,
      stepFunctions,
      msPerSecond: options.webhookMsPerSecond ?? 1000 / 60,
      retryMs: options.trackerRetryMs ?? 200,
    });
    closers.unshift(() => webhookQueue.close());
    closers.unshift(() => stepFunctions.close());
    resetServices();

    // Direct uploads: the stack has S3 invoke files-register for objects created under direct/ in the
    // files bucket; here the S3 stand-in's events do. Closing waits for registrations under way.
    closers.unshift(await subscribeFileRegistration(s3, options.trackerRetryMs ?? 200));

    // The hourly schedule that removes expired files (SCHEDULED_FUNCTIONS in contracts/routes.ts).
    closers.unshift(await scheduleExpirySweep(options.expirySweepMs ?? 60_000));

    // The web console's assets, built by esbuild into the data folder on first use (console/build.ts).
    const consoleDir = join(dataDir, 'console');
    process.env.FINOPS_CONSOLE_ASSETS_DIR = consoleDir;
    let consoleBuild: Promise<BuiltConsole> | undefined;
    const buildConsole = () => (consoleBuild ??= import('../console/build').then((m) => m.buildConsole(consoleDir)));
    const api = await started(
      startApiServer(options.port ?? Number(process.env.PORT ?? 8787), { beforePublicRoute: async () => void (await buildConsole()) }),
    );
    // Where tools (npm run keys, npm run report) find the running gateway's stand-ins.
    writeFileSync(
      join(dataDir, 'endpoints.json'),
      JSON.stringify({ api: `${api.url}/openai`, dynamodb: dynamodb.endpoint, s3: s3.endpoint }, null, 2),
    );
    return {
      baseURL: `${api.url}/openai`,
      apiKeys,
      providers,
      stepFunctions,
      webhookQueue,
      dataDir,
      dynamodbEndpoint: dynamodb.endpoint,
      s3Endpoint: s3.endpoint,
      consoleURL: `${api.url}/console`,
      buildConsole,
      close: async () => {
        for (const close of closers) await close().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => undefined);
    throw err;
  }
}

/** S3 invokes a function asynchronously; Lambda tries a failed invocation twice more. */
const LAMBDA_ASYNC_ATTEMPTS = 3;

/**
 * S3 event notifications to files-register, as the stack configures them (EVENT_FUNCTIONS in
 * contracts/routes.ts): objects created in that bucket under that prefix, delivered asynchronously and
 * retried on error. Returns what waits for the deliveries under way.
 */
async function subscribeFileRegistration(s3: RunningS3, retryMs: number): Promise<() => Promise<void>> {
  const { registerFiles } = await import('../lambda/handlers/files-register');
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
  const { expireFiles } = await import('../lambda/handlers/files-expire');
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
  const { getServices } = await import('../lambda/runtime');
  const { hashKey, keyIdOf } = await import('../lambda/auth/keys');
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
