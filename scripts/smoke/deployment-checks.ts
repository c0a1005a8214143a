// What only a deployment has, checked from outside: API Gateway's authorizer refusing a bad key with an
// OpenAI-shaped 401, files.content of a large file answered by a redirect to S3 that serves the same
// bytes, and each smoke batch's Step Functions execution, named after the batch id (read with the AWS
// SDK when credentials are present). The local gateway emulates the first two, so they run there too.
import { createHash } from 'node:crypto';
import OpenAI, { toFile } from 'openai';
import { DescribeExecutionCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { ProviderName } from '#contracts/records';
import type { SmokeOptions } from './options';
import { StepFailure, StepSkipped } from './steps';
import { smokeLine } from './workflow';

/** A key no gateway issues: the authorizer must refuse it before any handler runs. */
const BAD_KEY = 'sk-finops-smoke-not-a-key-0000000000000000';

export async function checkAuthorizer(options: SmokeOptions) {
  const refused: string[] = [];
  for (const [label, headers] of [
    ['wrong key', { authorization: `Bearer ${BAD_KEY}` }],
    ['no key', {}],
  ] as const) {
    const res = await fetch(`${options.baseUrl}/files`, { headers, signal: AbortSignal.timeout(30_000) });
    const body = (await res.json().catch(() => null)) as { error?: { message?: unknown; type?: unknown; code?: unknown } } | null;
    if (res.status !== 401) {
      throw new StepFailure(
        `GET /files with ${label} answered ${res.status}, expected 401`,
        res.status === 200
          ? 'the API accepts requests without a valid key: check the methods use the gateway key authorizer'
          : '--base-url must be the stack output OpenAIBaseUrl',
      );
    }
    const error = body?.error;
    if (typeof error?.message !== 'string' || typeof error.type !== 'string' || !('code' in error)) {
      throw new StepFailure(
        `the 401 for ${label} is not OpenAI-shaped: ${JSON.stringify(body)?.slice(0, 160)}`,
        "the stage's gateway responses (UNAUTHORIZED, ACCESS_DENIED) are missing: redeploy the stack",
      );
    }
    refused.push(`${label} → 401 ${error.code}`);
  }
  return { value: true, detail: refused.join(', ') };
}

/** Uploads a file larger than files.content answers inline and downloads it through the redirect. */
export async function checkContentRedirect(client: OpenAI, provider: ProviderName, options: SmokeOptions) {
  if (options.redirectBytes === 0) throw new StepSkipped('skipped: --redirect-bytes 0');
  const bytes = largeFile(provider, options.models[provider], options.redirectBytes);
  const file = await client.files.create({
    file: await toFile(bytes, 'smoke-large.jsonl', { type: 'application/jsonl' }),
    purpose: 'batch',
    provider,
  } as never);
  try {
    const res = await fetch(`${options.baseUrl}/files/${file.id}/content?provider=${provider}`, {
      headers: { authorization: `Bearer ${options.apiKey}` },
      redirect: 'manual',
      signal: AbortSignal.timeout(60_000),
    });
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || !location) {
      throw new StepFailure(
        `files.content of ${bytes.length} bytes answered ${res.status} without a redirect`,
        res.status === 200
          ? 'the gateway served it inline: its FINOPS_MAX_INLINE_DOWNLOAD_BYTES is above --redirect-bytes; pass a larger --redirect-bytes (at most 4500000)'
          : 'look at the files-content function logs',
      );
    }
    // The presigned URL carries its own authorization: the gateway key must not go to S3.
    const downloaded = Buffer.from(await (await fetch(location, { signal: AbortSignal.timeout(120_000) })).arrayBuffer());
    if (sha256(downloaded) !== sha256(bytes)) {
      throw new StepFailure(
        `the redirect target served ${downloaded.length} bytes that differ from the ${bytes.length} uploaded`,
        'the presigned URL points at the wrong object or S3 refused it (an error page): open the URL by hand',
      );
    }
    return { value: true, detail: `${file.id}: ${res.status} to ${new URL(location).host}, ${downloaded.length} bytes, same SHA-256` };
  } finally {
    await client.files.delete(file.id, { query: { provider } } as never).catch(() => undefined);
  }
}

/** A valid batch input file of exactly `size` bytes (padding in the prompts). */
export function largeFile(provider: string, model: string, size: number): Buffer {
  const lineCount = Math.max(1, Math.ceil(size / 40_000));
  const bare = Array.from({ length: lineCount }, (_, i) => smokeLine(provider, model, i));
  const room = size - bare.reduce((n, line) => n + line.length + 1, 0);
  if (room < 0) throw new StepFailure(`--redirect-bytes ${size} is too small for a valid file`, 'pass at least 1000');
  const lines = bare.map((_, i) =>
    smokeLine(provider, model, i, ' '.repeat(Math.floor(room / lineCount) + (i < room % lineCount ? 1 : 0))),
  );
  return Buffer.from(lines.join('\n') + '\n');
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The batch's Step Functions execution: it exists, and its name is the batch id. */
export async function checkExecution(batchId: string, batchCompleted: boolean, options: SmokeOptions, sfn: SFNClient | undefined) {
  if (!sfn)
    throw new StepSkipped('skipped: no AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID to check the Step Functions execution)');
  const stateMachineArn = options.stateMachineArn ?? (await findStateMachine(sfn, options.stackName));
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${batchId}`;
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn })).catch((err: Error) => {
    throw new StepFailure(
      `no execution ${executionArn} (${err.name}: ${err.message})`,
      'the tracker did not start for this batch: look at the batches-create function logs, or pass the right --state-machine-arn (stack output BatchTrackerArn)',
    );
  });
  if (execution.name !== batchId)
    throw new StepFailure(
      `the execution is named ${execution.name}, not ${batchId}`,
      'executions must be named after the batch id (a retried create must not start a second one)',
    );
  // A completed batch's execution has succeeded, or is announcing the result (still RUNNING for a moment).
  if (batchCompleted && execution.status !== 'SUCCEEDED' && execution.status !== 'RUNNING') {
    throw new StepFailure(
      `the execution of completed batch ${batchId} is ${execution.status}`,
      'open the execution in the Step Functions console: a failed "Announce batch finished" step means EventBridge refused the event',
    );
  }
  return { value: true, detail: `${execution.name} ${execution.status}` };
}

async function findStateMachine(sfn: SFNClient, stackName: string): Promise<string> {
  const name = `${stackName}-batch-tracker`;
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ nextToken }));
    const found = page.stateMachines?.find((m) => m.name === name);
    if (found?.stateMachineArn) return found.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken);
  throw new StepFailure(
    `no state machine named ${name} in this account and region`,
    'pass --stack-name (the deployed stack) or --state-machine-arn (its BatchTrackerArn output), and --region',
  );
}

/**
 * An SFN client when the AWS SDK finds credentials (environment, profile, SSO, container or instance
 * role), else undefined. The region comes from --region, the API URL (…execute-api.<region>…), the
 * state machine ARN or AWS_REGION.
 */
export async function sfnClientIfCredentials(options: SmokeOptions, env: NodeJS.ProcessEnv): Promise<SFNClient | undefined> {
  const region =
    options.region ??
    /execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(options.baseUrl)?.[1] ??
    options.stateMachineArn?.split(':')[3] ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION;
  const client = new SFNClient({ region: region ?? 'us-east-1', maxAttempts: 3 });
  try {
    await client.config.credentials();
    return client;
  } catch {
    client.destroy();
    return undefined;
  }
}
