// Mixed-model batches run as one provider job per model (lambda/tracker/jobs.ts): the pure rules —
// the batch status from its jobs', the split by model (lines kept byte for byte, in order), what an
// adapter sees of a job, and the original line number a job's refusal is reported at.
import {
  batchStatusOf,
  commonMetadata,
  jobBatch,
  jobErrors,
  jobFile,
  jobInput,
  jobKey,
  runsAsJobs,
  splitByModel,
  sumCounts,
} from '#lambda/tracker/jobs';
import { jobsSubmittedPatch, originalLineOf } from '#lambda/tracker/jobs-steps';
import type { BatchStatus } from '#contracts/openai-types';
import type { BatchRecord, ProviderJob } from '#contracts/records';
import { MemoryBlobStore } from '#test/support/memory-blobs';
import { batchInput, batchInputFile } from '#test/support/records';

const line = (id: string, model: string) =>
  JSON.stringify({
    custom_id: id,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content: id }] },
  });
const FILE = batchInputFile({
  id: 'file-mixed',
  tenantId: 't1',
  provider: 'bedrock',
  filename: 'in.jsonl',
  bytes: 1,
  blob: { bucket: 'in', key: 'files/t1/file-mixed/in.jsonl' },
  lineCount: 5,
  model: null,
  models: ['m-a', 'm-b'],
  providerData: { region: 'us-west-2' },
});

function batch(over: Partial<BatchRecord> = {}): BatchRecord {
  return {
    id: 'batch_x',
    tenantId: 't1',
    provider: 'bedrock',
    endpoint: '/v1/chat/completions',
    completionWindow: '24h',
    inputFileId: FILE.id,
    model: null,
    status: 'in_progress',
    createdAt: 1,
    expiresAt: 2,
    inProgressAt: null,
    finalizingAt: null,
    completedAt: null,
    failedAt: null,
    expiredAt: null,
    cancellingAt: null,
    cancelledAt: null,
    requestCounts: { total: 5, completed: 0, failed: 0 },
    outputFileId: null,
    errorFileId: null,
    errors: null,
    metadata: { team: 'a' },
    usage: null,
    providerBatchId: null,
    ...over,
  };
}

function job(model: string, status: BatchStatus, over: Partial<ProviderJob> = {}): ProviderJob {
  return {
    key: `batch_x-${model}`,
    model,
    input: { blob: { bucket: 'in', key: model }, lineCount: 2, bytes: 10 },
    providerBatchId: `arn-${model}`,
    providerData: {},
    submittedAt: 5,
    status,
    requestCounts: { total: 2, completed: 0, failed: 0 },
    ...over,
  };
}

describe('the batch status from its jobs', () => {
  test.each<[BatchStatus[], BatchStatus]>([
    [['validating', 'validating'], 'validating'],
    [['validating', 'in_progress'], 'in_progress'],
    [['completed', 'validating'], 'in_progress'],
    [['completed', 'in_progress'], 'in_progress'],
    [['finalizing', 'completed'], 'in_progress'],
    [['cancelling', 'cancelling'], 'cancelling'],
    [['cancelled', 'cancelling'], 'cancelling'],
    [['completed', 'completed'], 'completed'],
    // One job refused or failed, the other ran: the batch completed, the failed lines in the error file.
    [['completed', 'failed'], 'completed'],
    [['failed', 'failed'], 'failed'],
    [['completed', 'cancelled'], 'cancelled'],
    [['failed', 'cancelled'], 'cancelled'],
    [['completed', 'expired'], 'expired'],
    [['cancelled', 'expired'], 'cancelled'],
  ])('%j → %s', (statuses, expected) => {
    expect(batchStatusOf(statuses)).toBe(expected);
  });
});

describe('which batches run as jobs', () => {
  test.each([
    [{ oneModelPerJob: true }, { model: null }, null, true],
    [{ oneModelPerJob: true }, { model: 'm-a' }, null, false],
    [{ oneModelPerJob: true }, { model: null }, 'm-a', false],
    [{}, { model: null }, null, false],
    [{ oneModelPerJob: true }, null, null, false],
  ])('%j file %j model %j → %s', (adapter, file, model, expected) => {
    expect(runsAsJobs(adapter, file, model)).toBe(expected);
  });
});

describe('splitting a mixed-model input', () => {
  test('one file per model beside the input, lines byte for byte and in order; blank lines dropped', async () => {
    const blobs = new MemoryBlobStore();
    const lines = [line('a1', 'm-a'), line('b1', 'm-b'), '', line('a2', 'm-a'), line('b2', 'm-b'), line('a3', 'm-a')];
    await blobs.put(FILE.blob, lines.join('\n') + '\n');
    const jobs = await splitByModel(blobs, batch(), FILE);
    expect(jobs.map((j) => [j.key, j.model, j.input.lineCount, j.status, j.submittedAt])).toEqual([
      ['batch_x-m1', 'm-a', 3, 'validating', null],
      ['batch_x-m2', 'm-b', 2, 'validating', null],
    ]);
    expect(jobs[0].input.blob).toEqual({ bucket: 'in', key: 'files/t1/file-mixed/by-model/batch_x/1.jsonl' });
    expect((await blobs.getBuffer(jobs[0].input.blob)).toString()).toBe([lines[0], lines[3], lines[5]].join('\n') + '\n');
    expect((await blobs.getBuffer(jobs[1].input.blob)).toString()).toBe([lines[1], lines[4]].join('\n') + '\n');
    expect(jobs[0].input.bytes).toBe(Buffer.byteLength([lines[0], lines[3], lines[5]].join('\n') + '\n'));
    expect(sumCounts(jobs)).toEqual({ total: 5, completed: 0, failed: 0 });
    // A refusal at a job's line 3 is the input's line 6.
    expect(await originalLineOf(blobs, FILE, 'm-a', 3)).toBe(6);
    expect(await originalLineOf(blobs, FILE, 'm-b', 2)).toBe(5);
    expect(await originalLineOf(blobs, FILE, 'm-b', 3)).toBeNull();
  });

  test('more models than a batch may mix is a 400 before anything is kept', async () => {
    const blobs = new MemoryBlobStore();
    await blobs.put(FILE.blob, Array.from({ length: 11 }, (_, i) => line(`x${i}`, `m-${i}`)).join('\n'));
    await expect(splitByModel(blobs, batch(), FILE)).rejects.toMatchObject({ status: 400, code: 'too_many_models' });
    expect(await blobs.list('in', 'files/t1/file-mixed/by-model/')).toEqual([]);
  });
});

describe('what an adapter sees of a job', () => {
  test('a single-model batch under the job key; the job file is the split file, never the mixed file’s provider copy', () => {
    const j = job('m-b', 'in_progress', {
      key: jobKey('batch_x', 1),
      input: { blob: { bucket: 'in', key: 'k2' }, lineCount: 2, bytes: 20, providerFileId: 'file-openai-2', staged: true },
      metadata: { run_mode: 'batch_job' },
    });
    const view = jobBatch(batch({ cancelRequested: true, jobs: [j] }), j);
    expect(view).toMatchObject({
      id: 'batch_x-m2',
      model: 'm-b',
      providerBatchId: 'arn-m-b',
      jobs: null,
      cancelRequested: true,
      metadata: { team: 'a', run_mode: 'batch_job' },
    });
    const input = jobInput(
      batchInput({ batchId: 'batch_x', tenantId: 't1', inputFile: { ...FILE, providerFileId: 'file-openai-mixed' } }),
      j,
    );
    expect(input.batchId).toBe('batch_x-m2');
    expect(input.model).toBe('m-b');
    expect(input.inputFile).toMatchObject({
      blob: { bucket: 'in', key: 'k2' },
      model: 'm-b',
      lineCount: 2,
      bytes: 20,
      providerFileId: 'file-openai-2',
      providerData: { region: 'us-west-2' },
    });
    expect(
      jobFile(batch(), { ...j, input: { ...j.input, providerFileId: undefined } }, { ...FILE, providerFileId: 'file-openai-mixed' })
        .providerFileId,
    ).toBeUndefined();
  });
});

describe('the record once every job was submitted', () => {
  test('combined status and counts, a refused job in errors naming its model, metadata every job shares', () => {
    const jobs = [
      job('m-a', 'in_progress', { metadata: { run_mode: 'batch_job' } }),
      job('m-b', 'failed', {
        providerBatchId: null,
        providerData: undefined,
        errors: [{ code: 'invalid_request', message: 'Line 3: bad', param: null, line: 3 }],
      }),
    ];
    const patch = jobsSubmittedPatch(batch({ metadata: null }), jobs, 100);
    expect(patch).toMatchObject({
      status: 'in_progress',
      submittedAt: 100,
      inProgressAt: 100,
      providerBatchId: null,
      requestCounts: { total: 4, completed: 0, failed: 0 },
      metadata: { run_mode: 'batch_job' },
    });
    expect(patch.errors).toEqual([{ code: 'invalid_request', message: 'm-b: Line 3: bad', param: null, line: 3 }]);
    expect(jobErrors(jobs)).toEqual(patch.errors);
    expect(
      commonMetadata([
        job('a', 'in_progress', { metadata: { run_mode: 'batch_job' } }),
        job('b', 'in_progress', { metadata: { run_mode: 'on_demand' } }),
      ]),
    ).toEqual({});
  });
});

describe('in-flight pools of a mixed-model batch', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  });
  test('a place in the pool of each model it runs (Bedrock counts concurrent jobs per model)', async () => {
    const { poolsFor } = await import('#lambda/tracker/in-flight');
    process.env.FINOPS_MAX_IN_FLIGHT_BEDROCK = '20';
    process.env.FINOPS_MAX_IN_FLIGHT_PER_MODEL_BEDROCK = '10';
    expect(poolsFor({ provider: 'bedrock', model: null, models: ['m-a', 'm-b'] })).toEqual([
      { name: 'bedrock', cap: 20 },
      { name: 'bedrock#m-a', cap: 10 },
      { name: 'bedrock#m-b', cap: 10 },
    ]);
  });
});
