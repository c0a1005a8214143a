// What ships beside a function's index.js and is loaded on first use only (lib/bundling.ts): the tokenizer
// encodings of a bundle that counts tokens (lambda/finops/tokens.ts), and the provider SDKs of a bundle
// that reaches the provider registry. Built with esbuild as NodejsFunction builds a function.
import { execFile, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { PROJECT_ROOT } from '#lib/gateway-function';
import { besideCommands, FUNCTION_ESBUILD, PROVIDER_SDKS } from '#lib/bundling';
import { ENCODINGS_DIR, TOKENIZER_ENCODINGS } from '#contracts/bundles';
import { countInputTokens } from '#lambda/finops/tokens';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Bundles an entry like lib/gateway-function.ts does, then runs its after-bundling commands. */
function bundleLikeAFunction(entry: string): string {
  const outDir = mkdtempSync(join(tmpdir(), 'finops-bundle-test-'));
  dirs.push(outDir);
  buildSync({
    entryPoints: [join(PROJECT_ROOT, entry)],
    bundle: true,
    platform: 'node',
    ...FUNCTION_ESBUILD,
    mainFields: [...FUNCTION_ESBUILD.mainFields],
    external: [...FUNCTION_ESBUILD.external],
    outfile: join(outDir, 'index.js'),
    logLevel: 'silent',
  });
  for (const command of besideCommands(PROJECT_ROOT, outDir)) execFileSync('bash', ['-c', command]);
  return outDir;
}

/** Runs a script in a fresh process inside a bundle's folder, with no node_modules but the bundle's own to fall back on. */
function runBeside(outDir: string, script: string, ...args: string[]): unknown {
  const env = { PATH: process.env.PATH ?? '', NODE_PATH: '', AWS_REGION: 'us-east-1' };
  return JSON.parse(execFileSync(process.execPath, ['-e', script, ...args], { cwd: outDir, env }).toString());
}

const request = (model: string) => ({
  custom_id: 'a',
  method: 'POST',
  url: '/v1/chat/completions',
  body: {
    model,
    messages: [
      { role: 'system', content: 'You count tokens.' },
      { role: 'user', content: 'Tokenizers turn "unbelievable" text into sub-word pieces, 今日は晴れ.' },
    ],
  },
});

test('a bundle that counts tokens: encodings beside it, not in it, and the same counts as the sources', () => {
  const outDir = bundleLikeAFunction('lambda/finops/tokens.ts');
  expect(statSync(join(outDir, 'index.js')).size).toBeLessThan(200_000); // the encodings alone are 3.6 MB
  for (const name of TOKENIZER_ENCODINGS) expect(statSync(join(outDir, ENCODINGS_DIR, `${name}.js`)).size).toBeGreaterThan(500_000);
  // A fresh process with no node_modules to fall back on: only the files beside the bundle can answer.
  const script = `const t = require(${JSON.stringify(join(outDir, 'index.js'))}); const r = JSON.parse(process.argv[1]);
    process.stdout.write(JSON.stringify([t.countInputTokens(r[0], 'tokenizer:o200k_base'), t.countInputTokens(r[1], 'tokenizer:cl100k_base')]));`;
  const counts = runBeside(outDir, script, JSON.stringify([request('gpt-4o'), request('gpt-4')])) as number[];
  expect(counts).toEqual([
    countInputTokens(request('gpt-4o'), 'tokenizer:o200k_base'),
    countInputTokens(request('gpt-4'), 'tokenizer:cl100k_base'),
  ]);
  expect(counts[0]).toBeGreaterThan(20);
});

test('a bundle that does not count tokens gets no encodings', () => {
  const outDir = bundleLikeAFunction('lambda/time.ts');
  expect(existsSync(join(outDir, ENCODINGS_DIR))).toBe(false);
});

test('a bundle that reaches no adapter gets no provider SDKs', () => {
  const outDir = bundleLikeAFunction('lambda/time.ts');
  expect(existsSync(join(outDir, 'node_modules'))).toBe(false);
});

describe('a bundle that reaches the provider registry', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = bundleLikeAFunction('lambda/providers/registry.ts');
  }, 120_000);

  test('holds no provider SDK itself: each is one file beside it', () => {
    // With the SDKs inside (and CommonJS builds of the AWS SDK), this bundle was 1.84 MB (@anthropic-ai/sdk alone 0.43 MB).
    expect(statSync(join(outDir, 'index.js')).size).toBeLessThan(400_000);
    for (const name of PROVIDER_SDKS) expect(statSync(join(outDir, 'node_modules', name, 'index.js')).size).toBeGreaterThan(50_000);
  });

  test('loads no provider SDK with index.js, and on its first use only that provider’s', () => {
    const script = `const registry = require('./index.js');
      const sdks = JSON.parse(process.argv[1]);
      const loaded = () => sdks.filter((name) => Object.keys(require.cache).some((file) => file.startsWith(process.cwd() + '/node_modules/' + name + '/')));
      const seen = { atLoad: loaded() };
      for (const provider of JSON.parse(process.argv[2])) {
        const before = loaded();
        seen[provider] = { name: registry.adapterFor(provider).name, newlyLoaded: loaded().filter((name) => !before.includes(name)) };
      }
      process.stdout.write(JSON.stringify(seen));`;
    const order = ['gemini', 'anthropic', 'groq', 'azure', 'vertex', 'bedrock', 'openai'];
    expect(runBeside(outDir, script, JSON.stringify(PROVIDER_SDKS), JSON.stringify(order))).toEqual({
      atLoad: [],
      gemini: { name: 'gemini', newlyLoaded: [] }, // plain fetch
      anthropic: { name: 'anthropic', newlyLoaded: ['@anthropic-ai/sdk'] },
      groq: { name: 'groq', newlyLoaded: ['openai'] }, // the OpenAI adapter with Groq's quirks
      azure: { name: 'azure', newlyLoaded: [] }, // the same OpenAI SDK, already loaded
      vertex: { name: 'vertex', newlyLoaded: ['google-auth-library'] },
      bedrock: { name: 'bedrock', newlyLoaded: ['@aws-sdk/client-bedrock', '@aws-sdk/client-bedrock-runtime'] },
      openai: { name: 'openai', newlyLoaded: [] },
    });
  });

  test('its SDKs read as they did inside it: default and named exports behind the ES module marker', () => {
    // The bundle reads `import Anthropic from '@anthropic-ai/sdk'` as require(…).default when __esModule is set, else the whole module.
    const script = `const read = (name) => { const m = require(name); return { esModule: m.__esModule === true, default: typeof m.default, named: Object.keys(m).length > 5 }; };
      process.stdout.write(JSON.stringify(Object.fromEntries(JSON.parse(process.argv[1]).map((name) => [name, read(name)]))));`;
    const named = { esModule: true, default: 'undefined', named: true };
    expect(runBeside(outDir, script, JSON.stringify(PROVIDER_SDKS))).toEqual({
      '@anthropic-ai/sdk': { ...named, default: 'function' },
      openai: { ...named, default: 'function' },
      'google-auth-library': named,
      '@aws-sdk/client-bedrock': named,
      '@aws-sdk/client-bedrock-runtime': named,
    });
  });
});

test('an adapter and the code around it share the one SDK beside the bundle: its error classes are recognised', () => {
  // mapOpenAIError decides by `instanceof APIError`: a second copy of the SDK would pass the error through unmapped.
  const outDir = bundleLikeAFunction('lambda/providers/openai/errors.ts');
  const script = `const { mapOpenAIError } = require('./index.js');
    const { APIError } = require('openai');
    const err = new APIError(503, { message: 'busy' }, 'busy', new Headers({ 'retry-after': '7' }));
    const mapped = mapOpenAIError(err, { operation: 'check_batch' });
    process.stdout.write(JSON.stringify({ sdk: require.resolve('openai'), name: mapped.name, retryAfterSeconds: mapped.retryAfterSeconds }));`;
  expect(runBeside(outDir, script)).toEqual({
    sdk: join(outDir, 'node_modules', 'openai', 'index.js'),
    name: 'ProviderUnavailable',
    retryAfterSeconds: 7,
  });
});

test('a Bedrock client built from the SDK beside the bundle signs, sends and reads a call', async () => {
  const outDir = bundleLikeAFunction('lambda/providers/bedrock/clients.ts');
  const seen: Array<{ method?: string; url?: string; signed: boolean }> = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, signed: /^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? '') });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ jobArn: 'arn:aws:bedrock:us-east-1:000000000000:model-invocation-job/abc', status: 'InProgress', jobName: 'j1' }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const script = `const { bedrockClient } = require('./index.js');
      const { GetModelInvocationJobCommand } = require('@aws-sdk/client-bedrock');
      bedrockClient('us-east-1').send(new GetModelInvocationJobCommand({ jobIdentifier: 'abc' }))
        .then((job) => process.stdout.write(JSON.stringify({ status: job.status, jobName: job.jobName, http: job.$metadata.httpStatusCode })));`;
    const env = { PATH: process.env.PATH ?? '', NODE_PATH: '', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_BEDROCK: endpoint };
    const credentials = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', POWERTOOLS_TRACE_ENABLED: 'false' };
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: outDir, env: { ...env, ...credentials } });
    expect(JSON.parse(stdout)).toEqual({ status: 'InProgress', jobName: 'j1', http: 200 });
    expect(seen).toEqual([{ method: 'GET', url: '/model-invocation-job/abc', signed: true }]);
  } finally {
    server.close();
  }
}, 60_000);
