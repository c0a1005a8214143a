import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import { combinedState, requestCountsOf, statusOf, toUnixSeconds } from '#lambda/providers/anthropic/status';

const counts = (c: Partial<MessageBatch['request_counts']> = {}) => ({
  processing: 0,
  succeeded: 0,
  errored: 0,
  canceled: 0,
  expired: 0,
  ...c,
});

function batch(overrides: Partial<MessageBatch> = {}): MessageBatch {
  return {
    id: 'msgbatch_1',
    type: 'message_batch',
    processing_status: 'in_progress',
    request_counts: counts({ processing: 2 }),
    created_at: '2024-09-24T18:37:24.100435Z',
    expires_at: '2024-09-25T18:37:24.100435Z',
    ended_at: null,
    cancel_initiated_at: null,
    archived_at: null,
    results_url: null,
    ...overrides,
  };
}

const ended = (c: Partial<MessageBatch['request_counts']>, cancelled = false) =>
  batch({
    processing_status: 'ended',
    request_counts: counts(c),
    ended_at: '2024-09-24T19:00:00Z',
    cancel_initiated_at: cancelled ? '2024-09-24T18:40:00Z' : null,
  });

describe('toUnixSeconds', () => {
  it.each([
    ['2024-09-24T18:37:24.100435Z', 1727203044],
    ['2024-09-24T18:37:24Z', 1727203044],
    ['2024-09-24T20:37:24+02:00', 1727203044],
    [null, null],
    ['not a date', null],
  ] as const)('%s → %s', (input, expected) => {
    expect(toUnixSeconds(input)).toBe(expected);
  });
});

describe('statusOf: one Message Batch → OpenAI status', () => {
  it.each([
    ['in_progress', batch(), 'in_progress'],
    ['canceling', batch({ processing_status: 'canceling', cancel_initiated_at: '2024-09-24T18:40:00Z' }), 'cancelling'],
    ['ended after a cancel', ended({ succeeded: 1, canceled: 1 }, true), 'cancelled'],
    ['ended with every request expired', ended({ expired: 3 }), 'expired'],
    ['ended with some expired, some run', ended({ succeeded: 1, expired: 2 }), 'completed'],
    ['ended normally with errors', ended({ succeeded: 1, errored: 1 }), 'completed'],
  ] as const)('%s → %s', (_name, b, status) => {
    expect(statusOf(b)).toBe(status);
  });
});

describe('requestCountsOf', () => {
  it('total = all five, completed = succeeded, failed = errored + canceled + expired', () => {
    expect(requestCountsOf(counts({ processing: 1, succeeded: 2, errored: 3, canceled: 4, expired: 5 }))).toEqual({
      total: 15,
      completed: 2,
      failed: 12,
    });
  });
});

describe('combinedState: several Message Batches seen as one batch', () => {
  it.each([
    ['all running', [batch(), batch()], 'in_progress'],
    ['one still running', [ended({ succeeded: 2 }), batch()], 'in_progress'],
    ['one being cancelled', [batch(), batch({ processing_status: 'canceling' })], 'cancelling'],
    ['all cancelled', [ended({ canceled: 2 }, true), ended({ canceled: 2 }, true)], 'cancelled'],
    ['cancelled and completed', [ended({ succeeded: 2 }), ended({ canceled: 2 }, true)], 'completed'],
    ['all expired', [ended({ expired: 2 }), ended({ expired: 1 })], 'expired'],
    ['expired and completed', [ended({ expired: 2 }), ended({ succeeded: 1 })], 'completed'],
    ['all completed', [ended({ succeeded: 2 }), ended({ errored: 1, succeeded: 1 })], 'completed'],
  ] as const)('%s → %s', (_name, parts, status) => {
    expect(combinedState(parts).status).toBe(status);
  });

  it('sums counts and starts at the earliest creation', () => {
    const state = combinedState([
      ended({ succeeded: 2, errored: 1 }),
      batch({ created_at: '2024-09-24T18:00:00Z', request_counts: counts({ processing: 4 }) }),
    ]);
    expect(state).toEqual({ status: 'in_progress', requestCounts: { total: 7, completed: 2, failed: 1 }, inProgressAt: 1727200800 });
  });
});
