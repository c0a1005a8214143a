import { decideAfterCheck, isPastDeadline } from '#lambda/tracker/decide';
import { explainNotRun } from '#lambda/tracker/result-files';
import { batchRequestId } from '#lambda/ids';
import { nextWaitSeconds, MAX_WAIT_SECONDS, MIN_WAIT_SECONDS } from '#contracts/schedule';
import type { BatchRecord } from '#contracts/records';

const batch = (over: Partial<BatchRecord> = {}): BatchRecord => ({
  id: 'batch_x',
  tenantId: 't',
  provider: 'openai',
  endpoint: '/v1/chat/completions',
  completionWindow: '24h',
  inputFileId: 'file-x',
  model: 'm',
  status: 'validating',
  createdAt: 1000,
  expiresAt: 1000 + 86400,
  inProgressAt: null,
  finalizingAt: null,
  completedAt: null,
  failedAt: null,
  expiredAt: null,
  cancellingAt: null,
  cancelledAt: null,
  requestCounts: { total: 2, completed: 0, failed: 0 },
  outputFileId: null,
  errorFileId: null,
  errors: null,
  metadata: null,
  usage: null,
  providerBatchId: 'p1',
  ...over,
});

describe('nextWaitSeconds', () => {
  test.each([
    [0, undefined, MIN_WAIT_SECONDS],
    [120, undefined, MIN_WAIT_SECONDS],
    [3600, undefined, 360],
    [86400, undefined, MAX_WAIT_SECONDS],
    [120, 300, 300], // a provider's retry hint wins when longer
    [120, 100000, MAX_WAIT_SECONDS], // but never past the cap
  ])('age %is, hint %s → %is', (age, hint, expected) => {
    expect(nextWaitSeconds(age, hint)).toBe(expected);
  });
});

describe('decideAfterCheck', () => {
  const now = 1600;
  test.each([
    ['still validating → wait, nothing changes', batch(), { status: 'validating' as const }, 'wait', null, {}],
    [
      'running → in_progress recorded with its time',
      batch(),
      { status: 'in_progress' as const },
      'wait',
      null,
      { status: 'in_progress', inProgressAt: now },
    ],
    [
      'provider done → finalizing, collect as completed',
      batch({ status: 'in_progress', inProgressAt: 1100 }),
      { status: 'completed' as const },
      'collect',
      'completed',
      { status: 'finalizing', finalizingAt: now },
    ],
    ['provider failed → collect as failed', batch(), { status: 'failed' as const }, 'collect', 'failed', {}],
    [
      'provider cancelled → collect as cancelled',
      batch({ status: 'cancelling', cancelRequested: true, cancellingAt: 1500, inProgressAt: 1100 }),
      { status: 'cancelled' as const },
      'collect',
      'cancelled',
      {},
    ],
    [
      'provider expired → collect as expired',
      batch({ status: 'in_progress', inProgressAt: 1100 }),
      { status: 'expired' as const },
      'collect',
      'expired',
      {},
    ],
  ])('%s', (_name, b, state, next, outcome, patch) => {
    const d = decideAfterCheck(b, state, now);
    expect(d.result.next).toBe(next);
    expect(d.result.outcome).toBe(outcome);
    expect(d.patch).toEqual(patch);
  });

  test('a cancel the provider has not seen yet is asked again, and the client keeps seeing cancelling', () => {
    const d = decideAfterCheck(
      batch({ status: 'cancelling', cancelRequested: true, cancellingAt: 1500, inProgressAt: 1100 }),
      { status: 'in_progress' },
      now,
    );
    expect(d.repeatCancel).toBe(true);
    expect(d.patch.status).toBeUndefined();
    expect(d.result.next).toBe('wait');
  });

  test('request counts and provider data from the check are recorded', () => {
    const d = decideAfterCheck(
      batch({ providerData: { a: 1 } }),
      { status: 'validating', requestCounts: { total: 5, completed: 1, failed: 0 }, providerData: { b: 2 } },
      now,
    );
    expect(d.patch.requestCounts).toEqual({ total: 5, completed: 1, failed: 0 });
    expect(d.patch.providerData).toEqual({ a: 1, b: 2 });
  });

  test('the wait honours the provider retry hint', () => {
    expect(decideAfterCheck(batch(), { status: 'in_progress', retryAfterSeconds: 120 }, now).result.waitSeconds).toBe(120);
  });
});

test('isPastDeadline counts the grace period', () => {
  const b = batch();
  expect(isPastDeadline(b, b.expiresAt + 3600, 3600)).toBe(false);
  expect(isPastDeadline(b, b.expiresAt + 3601, 3600)).toBe(true);
});

describe('explainNotRun: a request that never ran takes its reason from how the batch ended', () => {
  const notRun = (code: string) => ({ custom_id: 'r', response: null, error: { code, message: 'm' } });
  test.each([
    ['expired', 'batch_failed', 'batch_expired'],
    ['expired', 'batch_cancelled', 'batch_expired'],
    ['cancelled', 'batch_failed', 'batch_cancelled'],
    ['failed', 'batch_cancelled', 'batch_failed'],
    ['completed', 'batch_expired', 'batch_expired'], // e.g. a Bedrock job that ran out of time
    ['expired', 'rate_limit', 'rate_limit'], // a request that ran and failed keeps its own error
  ] as const)('outcome %s: %s → %s', (outcome, from, to) => {
    expect(explainNotRun(notRun(from), outcome).error?.code).toBe(to);
  });
  test('an HTTP error line is never rewritten', () => {
    const line = { custom_id: 'r', response: { status_code: 400, request_id: 'q', body: {} }, error: null };
    expect(explainNotRun(line, 'expired')).toBe(line);
  });
});

describe('batchRequestId', () => {
  test('stable per batch and request, distinct across requests and batches', () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => batchRequestId('batch_a', `request-${i}`));
    expect(new Set(ids).size).toBe(50_000);
    expect(batchRequestId('batch_a', 'request-7')).toBe(ids[7]);
    expect(batchRequestId('batch_b', 'request-7')).not.toBe(ids[7]);
    expect(batchRequestId('batch_a', 'request-7')).toBe(ids[7]); // after switching batches
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^batch_req_[A-Za-z0-9]{24}$/);
  });
});
