// The server side of the web console: serving its built files (lambda/console/assets.ts) and the API
// additions it reads (execution links, budget use, ?status=, usage interval=day). Pure functions,
// plus one real esbuild build of the console.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildConsole, type BuiltConsole } from '#console/build';
import { CONSOLE_CSP, loadConsoleFiles, serveConsole, type ConsoleFiles } from '#lambda/console/assets';
import { awsConsoleLinksEnabled, executionUrlTemplate } from '#lambda/console/links';
import { budgetUse } from '#lambda/finops/budget-use';
import { buildUsageReport, parseUsageQuery } from '#lambda/finops/report';
import { zeroCounters, type UsageRow } from '#lambda/finops/usage-rows';
import { parseBatchStatus } from '#lambda/http/params';
import { GatewayError } from '#lambda/http/errors';
import type { ApiKeyRecord } from '#contracts/records';

describe('console files', () => {
  let dir: string;
  let built: BuiltConsole;
  let files: ConsoleFiles;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'finops-console-'));
    built = await buildConsole(dir);
    files = loadConsoleFiles(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const assetNamed = (ext: string) => [...files.assets.keys()].find((n) => n.endsWith(ext))!;

  test('the build: a hashed script, stylesheet and icon, a page that loads only those, no inline script or style', () => {
    const names = built.files.map((f) => f.name);
    expect(names).toHaveLength(4);
    expect(names).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^app-[A-Z0-9]{8}\.css$/),
        expect.stringMatching(/^app-[A-Z0-9]{8}\.js$/),
        expect.stringMatching(/^icon-[0-9a-f]{8}\.svg$/),
        'index.html',
      ]),
    );
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(refs).toEqual([...files.assets.keys()].map((n) => `console/${n}`).sort());
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]|<style|\sstyle=|\son\w+=/);
    // Small: the whole console stays well under 150 kB before compression.
    expect(built.files.reduce((sum, f) => sum + f.bytes, 0)).toBeLessThan(150_000);
  });

  test('the script never evaluates strings as code (the CSP has no unsafe-eval)', () => {
    const js = readFileSync(join(dir, assetNamed('.js')), 'utf8');
    expect(js).not.toMatch(/\beval\(|new Function\(|set(Timeout|Interval)\(["'`]/);
  });

  test('the page: CSP and security headers, not cached, gzip when asked', () => {
    const plain = serveConsole(files, { path: '/console' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers).toMatchObject({
      'content-security-policy': CONSOLE_CSP,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const gzipped = serveConsole(files, { path: '/console', acceptEncoding: 'gzip, deflate, br' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.body).equals(plain.body)).toBe(true);
  });

  test('CSP: own origin only, nothing inline, no eval, no wildcard or scheme sources', () => {
    const directives = Object.fromEntries(CONSOLE_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['default-src']).toEqual(["'none'"]);
    for (const name of ['script-src', 'style-src', 'connect-src', 'img-src']) expect(directives[name]).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(CONSOLE_CSP).not.toMatch(/unsafe|\*|https?:|data:|blob:/);
  });

  test('assets: immutable, right content type; unknown or crafted names are 404', () => {
    const js = serveConsole(files, { path: `/console/${assetNamed('.js')}`, asset: assetNamed('.js') });
    expect(js.statusCode).toBe(200);
    expect(js.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
      'content-security-policy': CONSOLE_CSP,
    });
    expect(serveConsole(files, { path: '/console/x', asset: assetNamed('.css') }).headers['content-type']).toBe('text/css; charset=utf-8');
    for (const asset of ['manifest.json', 'index.html', '../package.json', '..%2Fpackage.json', 'app.js', '']) {
      const res = serveConsole(files, { path: `/console/${asset}`, asset: asset || 'missing' });
      expect([asset, res.statusCode]).toEqual([asset, 404]);
    }
  });

  test('/console/ redirects to ../console, so relative addresses stay right', () => {
    const res = serveConsole(files, { path: '/console/' });
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('../console');
  });

  test('a manifest naming a file outside the folder is refused at load', () => {
    const bad = mkdtempSync(join(tmpdir(), 'finops-console-bad-'));
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ page: 'index.html', assets: { '../secret': 'text/plain' } }));
    expect(() => loadConsoleFiles(bad)).toThrow(/unsafe file/);
    rmSync(bad, { recursive: true, force: true });
  });
});

describe('execution links', () => {
  const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:FinOpsGateway-batch-tracker';
  test('deployed: the Step Functions console page of the execution named after the batch', () => {
    expect(executionUrlTemplate(arn, true)).toBe(
      'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:123456789012:execution:FinOpsGateway-batch-tracker:{batch_id}',
    );
  });
  test.each([
    [arn, false],
    ['arn:aws-cn:states:cn-north-1:123456789012:stateMachine:x', true],
    ['not an arn', true],
  ])('none for %s (deployed: %s)', (value, deployed) => expect(executionUrlTemplate(value, deployed)).toBeNull());
  test.each([
    [{ AWS_LAMBDA_FUNCTION_NAME: 'fn' }, true],
    [{}, false],
    [{ FINOPS_AWS_CONSOLE_LINKS: 'true' }, true],
    [{ AWS_LAMBDA_FUNCTION_NAME: 'fn', FINOPS_AWS_CONSOLE_LINKS: 'false' }, false],
  ])('links enabled with %j: %s', (env, enabled) => expect(awsConsoleLinksEnabled(env as NodeJS.ProcessEnv)).toBe(enabled));
});

describe('budget use', () => {
  const key = (keyId: string, createdAt: number, monthlyBudgetUsd?: number | null, revokedAt: number | null = null): ApiKeyRecord => ({
    keyHash: `h-${keyId}`,
    keyId,
    name: `name-${keyId}`,
    tenantId: 't',
    createdAt,
    revokedAt,
    monthlyBudgetUsd,
  });
  const row = (date: string, keyId: string, cost: number): UsageRow => ({
    ...zeroCounters(),
    date,
    provider: 'openai',
    model: 'm',
    keyId,
    cost_micro_usd: cost,
  });

  test('spent this month from the aggregates, reserved by running batches, what is left, as a fraction', () => {
    const report = budgetUse(
      '2026-12',
      [key('key_b', 2, 10), key('key_a', 1, 0.001), key('key_c', 3, null, 5)],
      [row('2026-12-01', 'key_a', 400), row('2026-12-03', 'key_a', 100), row('2026-11-30', 'key_a', 9999), row('2026-12-02', 'key_c', 7)],
      new Map([
        ['key_a', 300],
        ['key_b', 0],
      ]),
    );
    expect(report).toMatchObject({ object: 'list', month: '2026-12', currency: 'USD' });
    expect(report.data).toEqual([
      {
        object: 'finops.key_budget',
        key_id: 'key_a',
        name: 'name-key_a',
        revoked: false,
        monthly_budget_usd: 0.001,
        spent_usd: 0.0005,
        reserved_usd: 0.0003,
        remaining_usd: 0.0002,
        used_fraction: 0.8,
      },
      {
        object: 'finops.key_budget',
        key_id: 'key_b',
        name: 'name-key_b',
        revoked: false,
        monthly_budget_usd: 10,
        spent_usd: 0,
        reserved_usd: 0,
        remaining_usd: 10,
        used_fraction: 0,
      },
      {
        object: 'finops.key_budget',
        key_id: 'key_c',
        name: 'name-key_c',
        revoked: true,
        monthly_budget_usd: null,
        spent_usd: 0.000007,
        reserved_usd: 0,
        remaining_usd: null,
        used_fraction: null,
      },
    ]);
  });

  test('over budget: nothing left, fraction above 1', () => {
    const [line] = budgetUse('2026-12', [key('key_a', 1, 0.0001)], [row('2026-12-01', 'key_a', 250)], new Map()).data;
    expect(line).toMatchObject({ remaining_usd: 0, used_fraction: 2.5 });
  });
});

describe('API parameters the console sends', () => {
  const rejects = (fn: () => unknown, param: string, code: string | null) => {
    let error: unknown;
    try {
      fn();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(400);
    expect((error as GatewayError).toBody().error).toMatchObject({ param, code, type: 'invalid_request_error' });
  };

  test('?status= takes one of OpenAI batch statuses', () => {
    expect(parseBatchStatus(undefined)).toBeUndefined();
    expect(parseBatchStatus('')).toBeUndefined();
    expect(parseBatchStatus('in_progress')).toBe('in_progress');
    expect(parseBatchStatus('cancelled')).toBe('cancelled');
    rejects(() => parseBatchStatus('done'), 'status', 'invalid_status');
    rejects(() => parseBatchStatus(['completed']), 'status', null);
  });

  test('usage interval=day: parsed, and one line per day and group, days in order', () => {
    expect(parseUsageQuery({ start: '2026-12-01', end: '2026-12-03', group_by: 'model', interval: 'day' }, '2026-12-03')).toEqual({
      start: '2026-12-01',
      end: '2026-12-03',
      groupBy: 'model',
      interval: 'day',
    });
    rejects(() => parseUsageQuery({ interval: 'week' }, '2026-12-03'), 'interval', 'invalid_interval');
    const row = (date: string, provider: UsageRow['provider'], cost: number): UsageRow => ({
      ...zeroCounters(),
      date,
      provider,
      model: 'm',
      keyId: 'k',
      batches: 1,
      cost_micro_usd: cost,
      on_demand_cost_micro_usd: cost * 2,
    });
    const report = buildUsageReport(
      [row('2026-12-02', 'openai', 5), row('2026-12-01', 'openai', 3), row('2026-12-02', 'bedrock', 9), row('2026-12-02', 'openai', 1)],
      { start: '2026-12-01', end: '2026-12-03', groupBy: 'provider', interval: 'day' },
    );
    expect(report.interval).toBe('day');
    expect(report.data.map((l) => [l.date, l.provider, l.cost_micro_usd, l.savings_micro_usd])).toEqual([
      ['2026-12-01', 'openai', 3, 3],
      ['2026-12-02', 'bedrock', 9, 9],
      ['2026-12-02', 'openai', 6, 6],
    ]);
    expect(report.total.cost_micro_usd).toBe(18);
    expect('interval' in buildUsageReport([], { start: '2026-12-01', end: '2026-12-03', groupBy: 'provider' })).toBe(false);
  });
});
