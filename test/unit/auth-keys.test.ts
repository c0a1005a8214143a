// Gateway keys: what is stored for a key, what an operator may name, how keys are compared, and how
// `npm run keys` reads its arguments and shows keys.
import {
  bearerToken,
  hashesEqual,
  hashKey,
  keyIdOf,
  KeySpecError,
  newApiKey,
  newKeyRecord,
  ownTenantOf,
  summarizeKey,
  validateKeySpec,
} from '#lambda/auth/keys';
import { formatKeyTable, parseKeysArgs, UsageError } from '#scripts/keys';

const KEY_BODY_START = 'sk-finops-'.length;

describe('newKeyRecord', () => {
  test('stores the hash and an id derived from it, never the key', () => {
    const { key, record } = newKeyRecord({ name: 'team-a' }, 1_700_000_000);
    expect(key).toMatch(/^sk-finops-[A-Za-z0-9_-]{32}$/);
    expect(record.keyHash).toBe(hashKey(key));
    expect(record.keyId).toBe(keyIdOf(record.keyHash));
    expect(record.keyId).toMatch(/^key_[0-9a-f]{12}$/);
    expect(JSON.stringify(record)).not.toContain(key);
    expect(JSON.stringify(record)).not.toContain(key.slice(KEY_BODY_START));
    expect(record).toMatchObject({ name: 'team-a', createdAt: 1_700_000_000, revokedAt: null, monthlyBudgetUsd: null });
  });

  test('a key gets a tenant of its own unless it joins a named one', () => {
    const own = newKeyRecord({ name: 'a' }, 1).record;
    expect(own.tenantId).toBe(ownTenantOf(own.keyId));
    expect(own.tenantId).toBe(`tenant_${own.keyId.slice(4)}`);
    expect(newKeyRecord({ name: 'b', tenantId: 'team_x' }, 1).record.tenantId).toBe('team_x');
  });

  test('records the monthly budget', () => {
    expect(newKeyRecord({ name: 'a', monthlyBudgetUsd: 12.5 }, 1).record.monthlyBudgetUsd).toBe(12.5);
  });

  test('two keys never repeat', () => {
    const keys = new Set(Array.from({ length: 200 }, () => newApiKey()));
    expect(keys.size).toBe(200);
  });
});

describe('validateKeySpec', () => {
  test.each([
    [{ name: 'team-a' }],
    [{ name: 'Data Science 2' }],
    [{ name: 'ops@example.com' }],
    [{ name: 'a', tenantId: 'tenant_abc-123' }],
    [{ name: 'a', monthlyBudgetUsd: 0 }],
    [{ name: 'a', monthlyBudgetUsd: null }],
  ])('accepts %j', (spec) => {
    expect(() => validateKeySpec(spec)).not.toThrow();
  });

  test.each([
    [{ name: '' }, /key name/],
    [{ name: '-leading-dash' }, /key name/],
    [{ name: 'x'.repeat(65) }, /key name/],
    [{ name: 'line\nbreak' }, /key name/],
    [{ name: 'a', tenantId: '' }, /tenant/],
    [{ name: 'a', tenantId: 'a/b' }, /tenant/], // would become part of an S3 key path
    [{ name: 'a', tenantId: 'a#FILE' }, /tenant/], // would forge an index key
    [{ name: 'a', tenantId: 't'.repeat(65) }, /tenant/],
    [{ name: 'a', monthlyBudgetUsd: -1 }, /budget/],
    [{ name: 'a', monthlyBudgetUsd: Number.NaN }, /budget/],
    [{ name: 'a', monthlyBudgetUsd: Number.POSITIVE_INFINITY }, /budget/],
  ])('refuses %j', (spec, message) => {
    expect(() => validateKeySpec(spec)).toThrow(KeySpecError);
    expect(() => validateKeySpec(spec)).toThrow(message);
  });
});

describe('hashesEqual (constant time)', () => {
  const h = hashKey('sk-finops-one');
  test.each([
    [h, h, true],
    [h, hashKey('sk-finops-two'), false],
    [h, h.slice(0, 62), false], // different lengths never throw
    [h, '', false],
    [h.toUpperCase(), h, true], // hex case does not matter
  ])('%s vs %s → %s', (a, b, equal) => {
    expect(hashesEqual(a, b)).toBe(equal);
  });
});

describe('bearerToken', () => {
  test.each([
    ['Bearer sk-finops-abc', 'sk-finops-abc'],
    ['bearer sk-finops-abc', 'sk-finops-abc'],
    ['Bearer   sk-finops-abc  ', 'sk-finops-abc'],
    ['Basic dXNlcjpwYXNz', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    ['sk-finops-abc', undefined],
    [undefined, undefined],
  ])('%j → %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

test('summarizeKey shows everything but the hash', () => {
  const { record } = newKeyRecord({ name: 'a', monthlyBudgetUsd: 5 }, 7);
  const summary = summarizeKey(record);
  expect(summary).toEqual({
    keyId: record.keyId,
    name: 'a',
    tenantId: record.tenantId,
    createdAt: 7,
    revokedAt: null,
    monthlyBudgetUsd: 5,
  });
  expect(JSON.stringify(summary)).not.toContain(record.keyHash);
});

describe('parseKeysArgs (npm run keys)', () => {
  test.each([
    [['create', '--name', 'team-a'], { command: 'create', name: 'team-a', tenantId: undefined, monthlyBudgetUsd: undefined }],
    [
      ['create', '--name', 'team-a', '--tenant', 't1', '--budget-usd', '25.5'],
      { command: 'create', name: 'team-a', tenantId: 't1', monthlyBudgetUsd: 25.5 },
    ],
    [['list'], { command: 'list' }],
    [['revoke', 'key_0123456789ab'], { command: 'revoke', keyId: 'key_0123456789ab' }],
  ])('%j', (argv, run) => {
    expect(parseKeysArgs(argv).run).toEqual(run);
  });

  test('targets: local data dir by default, a deployed table with --table/--region', () => {
    expect(parseKeysArgs(['list']).target).toMatchObject({ table: undefined, dataDir: expect.stringMatching(/\.finops$/) });
    expect(parseKeysArgs(['list', '--table', 'Stack-Records', '--region', 'eu-west-1']).target).toMatchObject({
      table: 'Stack-Records',
      region: 'eu-west-1',
    });
  });

  test.each([
    [[], /Name a command/],
    [['rotate'], /Unknown command "rotate"/],
    [['create'], /--name/],
    [['create', '--name', 'a', '--budget-usd', 'ten'], /--budget-usd/],
    [['create', '--name', 'a', '--budget-usd', '-5'], /--budget-usd/],
    [['create', '--name', 'a', 'extra'], /Unexpected/],
    [['revoke'], /exactly one key id/],
    [['revoke', 'sk-finops-abc'], /not a key id/], // a key pasted instead of its id
    [['list', '--region', 'us-east-1'], /--region goes with --table/],
    [['list', '--bogus'], /bogus/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseKeysArgs(argv)).toThrow(UsageError);
    expect(() => parseKeysArgs(argv)).toThrow(message);
  });
});

test('formatKeyTable: one row per key, status and budget, no hashes', () => {
  const a = { ...summarizeKey(newKeyRecord({ name: 'team-a' }, 1_700_000_000).record) };
  const b = { ...summarizeKey(newKeyRecord({ name: 'team-b', monthlyBudgetUsd: 40 }, 1_700_000_100).record), revokedAt: 1_700_000_200 };
  const lines = formatKeyTable([a, b]).split('\n');
  expect(lines[0]).toMatch(/^KEY ID\s+NAME\s+TENANT\s+CREATED\s+STATUS\s+BUDGET$/);
  expect(lines[1]).toContain(a.keyId);
  expect(lines[1]).toMatch(/active\s+-$/);
  expect(lines[2]).toMatch(/revoked 2023-11-14 22:16:40Z\s+\$40\/month$/);
  expect(formatKeyTable([])).toBe('No keys.');
});
