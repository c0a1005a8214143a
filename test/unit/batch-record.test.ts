import { newBatchRecord, type BatchOwner } from '#lambda/batches/record';
import type { CreateBatchInput, CreatedBatch } from '#lambda/providers/provider';
import type { BatchRecord, FileRecord } from '#contracts/records';

const FILE: FileRecord = {
  id: 'file-abc',
  tenantId: 'tenant-1',
  provider: 'openai',
  filename: 'in.jsonl',
  purpose: 'batch',
  bytes: 10,
  createdAt: 100,
  expiresAt: null,
  status: 'processed',
  statusDetails: null,
  blob: { bucket: 'files', key: 'tenant-1/file-abc' },
};

const INPUT: CreateBatchInput = {
  batchId: 'batch_1',
  tenantId: 'tenant-1',
  endpoint: '/v1/chat/completions',
  completionWindow: '24h',
  inputFile: FILE,
  model: 'model-from-the-request',
  extras: {},
  metadata: null,
  createdAt: 1_000,
  expiresAt: 1_000 + 86_400,
};

const CREATED: CreatedBatch = {
  providerBatchId: 'provider-batch-1',
  model: 'model-the-adapter-chose',
  status: 'validating',
  requestCounts: { total: 3, completed: 0, failed: 0 },
  providerData: { jobArn: 'arn:job' },
};

const OWNER: BatchOwner = { tenantId: 'tenant-1', provider: 'openai' };

test('a batch the provider is validating: everything still to happen is null', () => {
  expect(newBatchRecord(INPUT, CREATED, OWNER)).toStrictEqual<BatchRecord>({
    id: 'batch_1',
    tenantId: 'tenant-1',
    provider: 'openai',
    endpoint: '/v1/chat/completions',
    completionWindow: '24h',
    inputFileId: 'file-abc',
    model: 'model-the-adapter-chose',
    status: 'validating',
    createdAt: 1_000,
    expiresAt: 87_400,
    inProgressAt: null,
    finalizingAt: null,
    completedAt: null,
    failedAt: null,
    expiredAt: null,
    cancellingAt: null,
    cancelledAt: null,
    requestCounts: { total: 3, completed: 0, failed: 0 },
    outputFileId: null,
    errorFileId: null,
    errors: null,
    metadata: null,
    usage: null,
    providerBatchId: 'provider-batch-1',
    providerData: { jobArn: 'arn:job' },
  });
});

describe('fields that depend on the input, the adapter or the owner', () => {
  test.each<[string, Partial<CreateBatchInput>, Partial<CreatedBatch>, Partial<BatchOwner>, Partial<BatchRecord>]>([
    [
      'a provider that starts work on create is in progress since createdAt',
      {},
      { status: 'in_progress' },
      {},
      { status: 'in_progress', inProgressAt: 1_000 },
    ],
    [
      'a batch the provider calls finished at create still goes through the tracker',
      {},
      { status: 'completed' },
      {},
      { status: 'in_progress', inProgressAt: 1_000 },
    ],
    ['so does one it calls failed at create', {}, { status: 'failed' }, {}, { status: 'in_progress', inProgressAt: 1_000 }],
    ['an adapter deadline overrides the completion window', {}, { expiresAt: 5_000 }, {}, { expiresAt: 5_000 }],
    ['the client metadata alone', { metadata: { team: 'search' } }, {}, {}, { metadata: { team: 'search' } }],
    ['the adapter metadata alone', {}, { metadata: { run_mode: 'on_demand' } }, {}, { metadata: { run_mode: 'on_demand' } }],
    [
      'both, the adapter winning on a shared key',
      { metadata: { team: 'search', run_mode: 'client' } },
      { metadata: { run_mode: 'batch_job' } },
      {},
      { metadata: { team: 'search', run_mode: 'batch_job' } },
    ],
    [
      'inline requests kept as a file the adapter made',
      { inputFile: null },
      { inputFileId: 'file-inline' },
      {},
      { inputFileId: 'file-inline' },
    ],
    ['inline requests without any file', { inputFile: null }, {}, {}, { inputFileId: '' }],
    [
      'the gateway itself runs the work',
      {},
      { providerBatchId: null, providerData: undefined },
      {},
      { providerBatchId: null, providerData: undefined },
    ],
    [
      'the owner names tenant, provider and key',
      {},
      {},
      { tenantId: 'tenant-2', provider: 'bedrock', keyId: 'key_9' },
      { tenantId: 'tenant-2', provider: 'bedrock', keyId: 'key_9' },
    ],
  ])('%s', (_name, input, created, owner, expected) => {
    const record = newBatchRecord({ ...INPUT, ...input }, { ...CREATED, ...created }, { ...OWNER, ...owner });
    expect(record).toMatchObject(expected);
  });

  test('a record without a key id has no keyId property at all', () => {
    expect(Object.keys(newBatchRecord(INPUT, CREATED, OWNER))).not.toContain('keyId');
  });

  test("the model is the adapter's, not the request's", () => {
    expect(newBatchRecord({ ...INPUT, model: 'asked-for' }, { ...CREATED, model: null }, OWNER).model).toBeNull();
  });
});
