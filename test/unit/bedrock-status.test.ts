import { BEDROCK_JOB_STATUSES, notRunCodeFor, notRunCodeForBatch, toOpenAIStatus } from '#lambda/providers/bedrock/status';
import { jobRequestCounts } from '#lambda/providers/bedrock/adapter';

describe('Bedrock job status → OpenAI batch status (spec bedrock.md §2)', () => {
  const table: Array<[string, string]> = [
    ['Submitted', 'validating'],
    ['Validating', 'validating'],
    ['Scheduled', 'in_progress'],
    ['InProgress', 'in_progress'],
    ['Completed', 'completed'],
    ['PartiallyCompleted', 'completed'],
    ['Failed', 'failed'],
    ['Stopping', 'cancelling'],
    ['Stopped', 'cancelled'],
    ['Expired', 'expired'],
  ];

  it.each(table)('%s → %s', (bedrock, openai) => {
    expect(toOpenAIStatus(bedrock)).toBe(openai);
  });

  it('covers every status of the enum', () => {
    expect(table.map(([s]) => s).sort()).toEqual([...BEDROCK_JOB_STATUSES].sort());
  });

  it('keeps polling a status it does not know yet', () => {
    expect(toOpenAIStatus('SomethingNew')).toBe('in_progress');
    expect(toOpenAIStatus(undefined)).toBe('in_progress');
  });
});

describe('why a record has no result, by the status the job ended in', () => {
  it.each([
    ['Stopped', 'batch_cancelled'],
    ['Stopping', 'batch_cancelled'],
    ['PartiallyCompleted', 'batch_expired'],
    ['Expired', 'batch_expired'],
    ['Failed', 'batch_failed'],
    ['Completed', 'batch_failed'],
  ])('%s → %s', (status, code) => {
    expect(notRunCodeFor(status)).toBe(code);
  });
});

describe('why a record has no result, knowing the batch', () => {
  const NOW = 1_000_000;
  const running = { cancelRequested: false, expiresAt: NOW + 100, status: 'in_progress' as const };
  it.each([
    ['the client cancelled (job Stopped)', { ...running, cancelRequested: true }, 'Stopped', 'batch_cancelled'],
    ['the tracker stopped the job at the deadline', { ...running, expiresAt: NOW - 1 }, 'Stopped', 'batch_expired'],
    ['the job ran out of time by itself', running, 'PartiallyCompleted', 'batch_expired'],
    ['the job failed', running, 'Failed', 'batch_failed'],
    ['on demand, cancelled', { ...running, status: 'cancelling' as const }, undefined, 'batch_cancelled'],
    ['on demand, past the deadline', { ...running, expiresAt: NOW - 1 }, undefined, 'batch_expired'],
    ['on demand, failed', { ...running, status: 'failed' as const }, undefined, 'batch_failed'],
  ])('%s → %s', (_name, batch, jobStatus, code) => {
    expect(notRunCodeForBatch(batch, jobStatus, NOW)).toBe(code);
  });
});

describe('jobRequestCounts', () => {
  const counters = { totalRecordCount: 150, processedRecordCount: 100, successRecordCount: 95, errorRecordCount: 5 };
  it.each([
    ['running, with counters: failures so far', counters, false, { total: 150, completed: 95, failed: 5 }],
    ['done with records never run: they count as failed', counters, true, { total: 150, completed: 95, failed: 55 }],
    [
      'done, all processed',
      { ...counters, processedRecordCount: 150, successRecordCount: 149, errorRecordCount: 1 },
      true,
      { total: 150, completed: 149, failed: 1 },
    ],
    ['running without counters', null, false, { total: 150, completed: 0, failed: 0 }],
    ['done without counters or manifest: nothing came back', null, true, { total: 150, completed: 0, failed: 150 }],
  ])('%s', (_name, source, done, expected) => {
    expect(jobRequestCounts(150, source, done)).toEqual(expected);
  });
});
