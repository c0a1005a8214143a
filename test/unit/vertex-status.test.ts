// Vertex AI JobState and completionStats → the gateway's statuses and counts (lambda/providers/vertex/status.ts).
import { parseCount, toBatchStatus, toProviderBatchState, toRequestCounts } from '#lambda/providers/vertex/status';

describe('Vertex AI job states', () => {
  test.each([
    ['JOB_STATE_UNSPECIFIED', 'validating'],
    ['JOB_STATE_QUEUED', 'validating'],
    ['JOB_STATE_PENDING', 'validating'],
    ['JOB_STATE_RUNNING', 'in_progress'],
    ['JOB_STATE_PAUSED', 'in_progress'],
    ['JOB_STATE_UPDATING', 'in_progress'],
    ['JOB_STATE_CANCELLING', 'cancelling'],
    ['JOB_STATE_SUCCEEDED', 'completed'],
    ['JOB_STATE_PARTIALLY_SUCCEEDED', 'completed'],
    ['JOB_STATE_FAILED', 'failed'],
    ['JOB_STATE_CANCELLED', 'cancelled'],
    ['JOB_STATE_EXPIRED', 'expired'],
    // A state added later, or none: keep polling rather than end the batch on a guess.
    ['JOB_STATE_SOMETHING_NEW', 'in_progress'],
  ])('%s → %s', (state, status) => {
    expect(toBatchStatus(state)).toBe(status);
  });

  test('no state at all is validating (the job has not been seen to start)', () => {
    expect(toBatchStatus(undefined)).toBe('validating');
  });
});

describe('completionStats', () => {
  test.each([
    ['12', 12],
    [7, 7],
    ['-1', undefined], // "unknown"
    ['', undefined],
    [undefined, undefined],
    ['1e3', undefined],
  ])('count %p → %p', (value, expected) => {
    expect(parseCount(value as string | number | undefined)).toBe(expected);
  });

  test('total is successful + failed + incomplete, never below what the input file holds', () => {
    expect(toRequestCounts({ successfulCount: '3', failedCount: '1', incompleteCount: '2' })).toEqual({
      total: 6,
      completed: 3,
      failed: 1,
    });
    expect(toRequestCounts({ successfulCount: '2', incompleteCount: '-1' }, 5)).toEqual({ total: 5, completed: 2, failed: 0 });
    expect(toRequestCounts(undefined, 4)).toEqual({ total: 4, completed: 0, failed: 0 });
  });
});

describe('toProviderBatchState', () => {
  test('a failed job carries its error, named by its google.rpc code', () => {
    const state = toProviderBatchState({
      state: 'JOB_STATE_FAILED',
      error: { code: 3, message: "Failed to import data. Please check 'Prepare input'." },
    });
    expect(state.status).toBe('failed');
    expect(state.errors).toEqual([
      {
        code: 'provider_error',
        message: "Vertex AI: Failed to import data. Please check 'Prepare input'. (INVALID_ARGUMENT)",
        param: null,
        line: null,
      },
    ]);
  });

  test('a failed job without an error still says it failed', () => {
    expect(toProviderBatchState({ state: 'JOB_STATE_FAILED' }).errors?.[0].message).toMatch(/failed without a reason/);
  });

  test('a cancelled job is not reported as an error (its error is CANCELED by design)', () => {
    const state = toProviderBatchState({ state: 'JOB_STATE_CANCELLED', error: { code: 1, message: 'CANCELED' } });
    expect(state.status).toBe('cancelled');
    expect(state.errors).toBeUndefined();
  });

  test('in progress from startTime; output directory and end time kept for the collect step', () => {
    const state = toProviderBatchState({
      state: 'JOB_STATE_SUCCEEDED',
      startTime: '2026-12-03T10:00:00.123456Z',
      endTime: '2026-12-03T10:05:00Z',
      outputInfo: { gcsOutputDirectory: 'gs://b/p/prediction-model-2026-12-03T10:00:00Z' },
      completionStats: { successfulCount: '2', failedCount: '1', incompleteCount: '0' },
    });
    expect(state).toMatchObject({
      status: 'completed',
      inProgressAt: Date.parse('2026-12-03T10:00:00Z') / 1000,
      requestCounts: { total: 3, completed: 2, failed: 1 },
      providerData: {
        state: 'JOB_STATE_SUCCEEDED',
        outputDirectory: 'gs://b/p/prediction-model-2026-12-03T10:00:00Z',
        endTime: Date.parse('2026-12-03T10:05:00Z') / 1000,
      },
    });
  });

  test('a pending job has no inProgressAt even when Vertex sent a startTime', () => {
    expect(toProviderBatchState({ state: 'JOB_STATE_PENDING', startTime: '2026-12-03T10:00:00Z' }).inProgressAt).toBeUndefined();
  });
});
