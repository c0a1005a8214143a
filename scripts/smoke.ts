// `npm run smoke -- --base-url <URL>/openai --api-key <key> [--provider p …]`
// Checks a gateway, deployed or local, the way its users use it: per provider, upload → tiny batch →
// poll to a terminal state → download the output → check every line → delete what it made; and what
// only a deployment has (authorizer 401, files.content redirect, the Step Functions execution named
// after the batch id). One line per step with its time, a summary line, exit code 1 on any failure.
import OpenAI from 'openai';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { checkAuthorizer, checkContentRedirect, checkExecution, sfnClientIfCredentials } from './smoke/deployment-checks';
import { parseSmokeArgs, SMOKE_USAGE, SmokeUsageError, type SmokeOptions } from './smoke/options';
import { StepLog } from './smoke/steps';
import { runProviderWorkflow } from './smoke/workflow';

export interface SmokeRun {
  log: StepLog;
  passed: boolean;
}

export async function runSmoke(
  options: SmokeOptions,
  print: (line: string) => void = console.log,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SmokeRun> {
  const log = new StepLog(print);
  const client = new OpenAI({ baseURL: options.baseUrl, apiKey: options.apiKey, maxRetries: 2, timeout: 120_000 });
  print(`smoke: ${options.baseUrl}, providers ${options.providers.join(', ')}`);
  // One cheap call first: with a wrong key or URL nothing else can pass, and one hint says why.
  const reachable = await log.step('gateway', 'key accepted', async () => {
    const page = await client.files.list({ limit: 1 } as never);
    return { value: true, detail: `files.list answered (${page.data.length} file(s) on the first page)` };
  });
  if (reachable) {
    await log.step('gateway', 'authorizer 401', () => checkAuthorizer(options));
    const runs = await Promise.all(options.providers.map((provider) => runProviderWorkflow(client, provider, options, log)));
    const redirectProvider = options.providers.includes('bedrock') ? 'bedrock' : options.providers[0];
    await log.step('gateway', 'content redirect', () => checkContentRedirect(client, redirectProvider, options));
    const sfn: SFNClient | undefined = await sfnClientIfCredentials(options, env);
    try {
      for (const run of runs.filter((r) => r.batchId))
        await log.step(run.provider, 'execution', () => checkExecution(run.batchId!, run.completed, options, sfn));
    } finally {
      sfn?.destroy();
    }
  }
  const passed = log.failed.length === 0;
  print(log.summary());
  return { log, passed };
}

/** The CLI: returns the process exit code (0 passed, 1 a check failed, 2 bad arguments). */
export async function smokeCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = console.log,
): Promise<number> {
  let options: SmokeOptions;
  try {
    options = parseSmokeArgs(argv, env);
  } catch (err) {
    if (err instanceof SmokeUsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      if ((err as Error).message) print(`smoke: ${(err as Error).message}\n`);
      print(SMOKE_USAGE);
      return (err as Error).message ? 2 : 0;
    }
    throw err;
  }
  const { passed } = await runSmoke(options, print, env);
  return passed ? 0 : 1;
}

if (require.main === module) {
  smokeCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error('smoke: unexpected error:', err);
      process.exit(1);
    },
  );
}
