// `npm run smoke` against the local gateway: every provider's workflow passes, each step prints a line,
// everything it made is deleted; against a wrong key, a dead URL or a provider that loses the batch it
// fails with a message that says what to check. The CLI is also run as a child process, as operators run it.
import { PROVIDER_NAMES } from '#contracts/providers';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseSmokeArgs } from '#scripts/smoke/options';
import { runSmoke, smokeCli } from '#scripts/smoke';
import { outputProblems } from '#scripts/smoke/workflow';
import { largeFile } from '#scripts/smoke/deployment-checks';
import { hintFor } from '#scripts/smoke/hints';
import { APIError } from 'openai';
import { startTestGateway, type TestGateway } from './helpers';

/** The local gateway's tracker (FINOPS_STATE_MACHINE_ARN of local/gateway.ts). */
const LOCAL_TRACKER_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:finops-batch-tracker';
const ROOT = join(__dirname, '..', '..');

let t: TestGateway;
beforeAll(async () => {
  // Downloads over 2,000 bytes take the redirect, so the redirect check moves 20 KB instead of 4 MB.
  t = await startTestGateway({ env: { FINOPS_MAX_INLINE_DOWNLOAD_BYTES: '2000' } });
});
afterAll(async () => t?.close());

const argsFor = (key: string, ...extra: string[]) => [
  '--base-url',
  t.gateway.baseURL,
  '--api-key',
  key,
  '--poll-seconds',
  '0.05',
  '--timeout-minutes',
  '1',
  '--redirect-bytes',
  '20000',
  ...extra,
];

async function smoke(key: string, ...extra: string[]) {
  const lines: string[] = [];
  const run = await runSmoke(parseSmokeArgs(argsFor(key, ...extra), {}), (line) => lines.push(line));
  return { ...run, lines, text: lines.join('\n') };
}

test('all four providers pass against the local gateway, one line per step, and nothing is left behind', async () => {
  const key = t.gateway.apiKeys[0];
  const before = (await t.client(0).files.list()).data.length;
  const run = await smoke(key, '--state-machine-arn', LOCAL_TRACKER_ARN);
  expect(run.log.failed).toEqual([]);
  expect(run.passed).toBe(true);
  const steps = run.log.records.map((r) => `${r.scope} ${r.step} ${r.result}`);
  for (const provider of ['openai', 'bedrock', 'gemini']) expect(steps).toContain(`${provider} upload ok`);
  for (const provider of ['openai', 'bedrock', 'anthropic', 'gemini']) {
    for (const step of ['batches.create', 'poll to terminal', 'download output', 'check every line', 'cleanup', 'execution'])
      expect(steps).toContain(`${provider} ${step} ok`);
  }
  expect(steps).toEqual(expect.arrayContaining(['gateway key accepted ok', 'gateway authorizer 401 ok', 'gateway content redirect ok']));
  // Every step's line is printed with its time; the last line sums up.
  for (const record of run.log.records)
    expect(run.text).toMatch(new RegExp(`^${record.scope}\\s+${record.step.replace('.', '\\.')}\\s+ok\\s+\\d+\\.\\d\\d s`, 'm'));
  expect(run.lines[run.lines.length - 1]).toMatch(/^smoke PASSED: \d+ ok, 0 failed, 0 skipped in \d+\.\d s$/);
  // The executions were read from the (local) Step Functions endpoint, by batch id.
  const executions = run.log.records.filter((r) => r.step === 'execution');
  for (const e of executions) expect(e.detail).toMatch(/^batch_\S+ (SUCCEEDED|RUNNING)$/);
  expect(run.text).toMatch(/authorizer 401\s+ok .*wrong key → 401 invalid_api_key, no key → 401 invalid_api_key/);
  expect(run.text).toMatch(/content redirect\s+ok .*302 to 127\.0\.0\.1:\d+, 20000 bytes, same SHA-256/);
  expect((await t.client(0).files.list()).data.length).toBe(before);
});

test('a wrong key fails at once, with the 401 and what to check', async () => {
  const run = await smoke('sk-finops-not-issued', '--provider', 'openai');
  expect(run.passed).toBe(false);
  expect(run.log.records.map((r) => `${r.step} ${r.result}`)).toEqual(['key accepted FAIL']);
  expect(run.text).toMatch(/HTTP 401 invalid_api_key: Missing or invalid API key/);
  expect(run.text).toMatch(/check: the gateway refused the key: pass a key the gateway issued as --api-key \(npm run keys -- create/);
  expect(run.lines[run.lines.length - 1]).toMatch(/^smoke FAILED: 0 ok, 1 failed, 0 skipped .*\(failed: gateway key accepted\)$/);
});

test('nothing listening at the URL: a connection failure that names the URL to check', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  const lines: string[] = [];
  const code = await smokeCli(['--base-url', `http://127.0.0.1:${port}/openai`, '--api-key', 'k', '--provider', 'openai'], {}, (line) =>
    lines.push(line),
  );
  expect(code).toBe(1);
  expect(lines.join('\n')).toMatch(/could not connect \(ECONNREFUSED\)[\s\S]*check: nothing answered at --base-url/);
});

test('a provider that loses the batch: the batch ends failed, the smoke says so and still cleans up', async () => {
  const openai = t.gateway.providers.find((p) => p.provider === 'openai')!.simulator!;
  openai.faults.add({ kind: 'lose_batch', times: 100 });
  try {
    const run = await smoke(t.gateway.apiKeys[1], '--provider', 'openai', '--redirect-bytes', '0');
    expect(run.passed).toBe(false);
    const poll = run.log.records.find((r) => r.step === 'poll to terminal')!;
    expect(poll.result).toBe('FAIL');
    expect(poll.detail).toMatch(/ended failed/);
    expect(poll.hint).toMatch(/Step Functions execution/);
    expect(run.log.records.find((r) => r.step === 'cleanup')!.result).toBe('ok');
    expect(run.log.records.find((r) => r.step === 'content redirect')!.result).toBe('skip');
    expect((await t.client(1).files.list()).data).toEqual([]);
  } finally {
    openai.faults.clear();
  }
});

test('bad arguments are refused before anything runs (exit 2)', async () => {
  const lines: string[] = [];
  expect(await smokeCli(['--api-key', 'k'], {}, (line) => lines.push(line))).toBe(2);
  expect(lines[0]).toMatch(/--base-url is required/);
  expect(() => parseSmokeArgs(['--base-url', 'http://x/openai', '--api-key', 'k', '--provider', 'watsonx'], {})).toThrow(
    `--provider must be one of ${PROVIDER_NAMES.join(', ')}, got "watsonx"`,
  );
  expect(() => parseSmokeArgs(['--base-url', 'http://x/openai', '--api-key', 'k', '--model', 'gpt-4o'], {})).toThrow(
    /--model must look like/,
  );
});

test('line checks: a missing, doubled, failed or empty answer is a problem', () => {
  const ok = (id: string) => ({
    custom_id: id,
    response: { status_code: 200, body: { object: 'chat.completion', choices: [{ message: { content: 'OK' } }] } },
  });
  expect(outputProblems([ok('a'), ok('b')], [], ['a', 'b'])).toEqual([]);
  expect(outputProblems([ok('a')], [], ['a', 'b'])).toEqual(['b appears 0 times in the output']);
  expect(outputProblems([ok('a'), ok('a'), ok('b')], [], ['a', 'b'])).toEqual(['a appears 2 times in the output']);
  expect(outputProblems([ok('a')], [{ custom_id: 'b', error: { message: 'boom' } }], ['a', 'b'])).toEqual(['b is in the error file: boom']);
  const empty = {
    custom_id: 'a',
    response: { status_code: 200, body: { object: 'chat.completion', choices: [{ message: { content: '' } }] } },
  };
  expect(outputProblems([empty], [], ['a'])).toEqual(['a: no chat.completion with text']);
});

test('hints: what to check follows the gateway error code first, then the status', () => {
  const error = (status: number, code: string | null) =>
    APIError.generate(status, { error: { message: 'm', type: 't', code } }, undefined, new Headers({ 'x-request-id': 'req_1' }));
  expect(hintFor(error(502, 'provider_auth_error'))).toEqual({
    message: 'HTTP 502 provider_auth_error: m [x-request-id req_1]',
    hint: expect.stringMatching(/put a valid key in the stack's secret for that provider/),
  });
  expect(hintFor(error(400, 'provider_access_denied')).hint).toMatch(/enable the model in the Bedrock console/);
  expect(hintFor(error(402, 'budget_exceeded')).hint).toMatch(/budget is used up/);
  expect(hintFor(error(404, 'unknown_url')).hint).toMatch(/--base-url must end in \/openai/);
  expect(hintFor(error(500, null)).hint).toMatch(/search the function logs .* for request id req_1/);
  expect(hintFor(new Error('plain'))).toEqual({ message: 'plain' });
});

test('the redirect check file has exactly the size asked for and valid lines', () => {
  const file = largeFile('bedrock', 'amazon.nova-micro-v1:0', 100_001);
  expect(file.length).toBe(100_001);
  for (const line of file.toString().trim().split('\n')) expect(JSON.parse(line).url).toBe('/v1/chat/completions');
});

/** `npm run smoke` as an operator runs it: a child process, no AWS credentials anywhere. */
function smokeChild(args: string[]): Promise<{ code: number; stdout: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    NODE_OPTIONS: '--openssl-legacy-provider --require ./local/polyfills.js',
  };
  return new Promise((resolve) => {
    execFile(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['scripts/smoke.ts', ...args],
      { cwd: ROOT, env, timeout: 90_000 },
      (err, stdout) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout });
      },
    );
  });
}

test('the CLI passes against the local gateway and skips the execution check without AWS credentials', async () => {
  const { code, stdout } = await smokeChild(argsFor(t.gateway.apiKeys[0], '--provider', 'bedrock'));
  expect(stdout).toMatch(/^bedrock\s+execution\s+skip .*skipped: no AWS credentials/m);
  expect(stdout).toMatch(/^smoke PASSED: \d+ ok, 0 failed, 1 skipped/m);
  expect(code).toBe(0);
}, 120_000);

test('the CLI exits 1 with a wrong key', async () => {
  const { code, stdout } = await smokeChild(argsFor('sk-wrong', '--provider', 'openai'));
  expect(code).toBe(1);
  expect(stdout).toMatch(/check: the gateway refused the key/);
}, 120_000);
