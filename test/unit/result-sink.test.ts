// The result sink answers the requests no adapter wrote (issue 14 item 3): with the reason the
// adapter gives, from the custom_id snapshot, or (batches recorded before the snapshot existed) from
// the input file; and it attributes usage to the model of the job that wrote a line.
import { ResultFiles } from '#lambda/tracker/result-files';
import { snapshotCustomIds } from '#lambda/tracker/custom-ids';
import { newValidatingRecord } from '#lambda/batches/record';
import type { BatchRecord } from '#contracts/records';
import type { Outcome } from '#lambda/tracker/decide';
import type { UnansweredReason } from '#lambda/providers/provider';
import { MemoryBlobStore } from '#test/support/memory-blobs';
import { batchInput, batchInputFile } from '#test/support/records';

const INPUT_BLOB = { bucket: 'files', key: 'input.jsonl' };
const FILE = batchInputFile({
  id: 'file-sink',
  tenantId: 't1',
  provider: 'bedrock',
  filename: 'in.jsonl',
  bytes: 10,
  blob: INPUT_BLOB,
  lineCount: 3,
  model: null,
});

function batch(over: Partial<BatchRecord> = {}): BatchRecord {
  const input = batchInput({ batchId: 'batch_sink', tenantId: 't1', inputFile: FILE, createdAt: 1_000, expiresAt: 87_400 });
  const extras = {
    owner: { tenantId: 't1', provider: 'bedrock' as const },
    requestHash: 'h',
    submission: {},
    providerCredentialRef: null,
    budgetReservation: null,
    outputExpiresAfterSeconds: null,
  };
  return { ...newValidatingRecord(input, extras), ...over };
}

const ok = (id: string, model: string, tokens: number) => ({
  custom_id: id,
  response: {
    status_code: 200,
    request_id: `r-${id}`,
    body: { model, usage: { prompt_tokens: tokens, completion_tokens: 1, total_tokens: tokens + 1 } },
  },
  error: null,
});

async function setUp(snapshot: boolean) {
  const blobs = new MemoryBlobStore();
  await blobs.put(INPUT_BLOB, ['a', 'b', 'c'].map((id) => JSON.stringify({ custom_id: id, body: {} })).join('\n') + '\n');
  const record = batch();
  if (snapshot) record.customIdsBlob = (await snapshotCustomIds(blobs, record, FILE, 'files')).blob;
  return { blobs, record };
}

async function errorLines(blobs: MemoryBlobStore, location: { bucket: string; key: string } | undefined) {
  if (!location) return [];
  return (await blobs.getBuffer(location))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { custom_id: string; error: { code: string; message: string } });
}

describe('the result sink fills in what the adapters did not write', () => {
  test.each<[string, Outcome, UnansweredReason | undefined, { code: string; message: string }]>([
    [
      'the adapter reason, as the adapter gave it',
      'completed',
      { code: 'batch_failed', message: 'Bedrock reported the job complete but returned no result for this request.' },
      { code: 'batch_failed', message: 'Bedrock reported the job complete but returned no result for this request.' },
    ],
    [
      'the adapter code with its default message',
      'cancelled',
      { code: 'batch_cancelled' },
      { code: 'batch_cancelled', message: 'This request was not executed because the batch was cancelled.' },
    ],
    // The gateway expired the batch: a provider calling the rest "failed" is corrected by the outcome.
    [
      'the outcome over a provider that says failed',
      'expired',
      { code: 'batch_failed' },
      { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' },
    ],
    [
      'by outcome when the adapter gives no reason',
      'completed',
      undefined,
      { code: 'batch_failed', message: 'The provider returned no result for this request.' },
    ],
  ])('%s', async (_name, outcome, reason, expected) => {
    const { blobs, record } = await setUp(true);
    const sink = new ResultFiles(blobs, record, 'files', outcome);
    await sink.write(ok('b', 'm1', 5));
    const results = await sink.close(reason);
    const errors = await errorLines(blobs, results.errorFile?.blob);
    expect(errors.map((e) => e.custom_id)).toEqual(['a', 'c']);
    for (const e of errors) expect(e.error).toEqual(expected);
    expect(sink.filledInCount).toBe(2);
    expect(results.requestCounts).toEqual({ total: 3, completed: 1, failed: 2 });
  });

  test('a batch recorded before the snapshot existed answers from its input file', async () => {
    const { blobs, record } = await setUp(false);
    expect(record.customIdsBlob).toBeUndefined();
    const sink = new ResultFiles(blobs, record, 'files', 'completed', undefined, INPUT_BLOB);
    await sink.write(ok('c', 'm1', 5));
    const results = await sink.close({ code: 'batch_expired' });
    expect((await errorLines(blobs, results.errorFile?.blob)).map((e) => [e.custom_id, e.error.code])).toEqual([
      ['a', 'batch_expired'],
      ['b', 'batch_expired'],
    ]);
  });

  test('a line written through a job view is priced on that job model, whatever the body says', async () => {
    const { blobs, record } = await setUp(true);
    const sink = new ResultFiles(blobs, record, 'files', 'completed');
    await sink.forModel('amazon.nova-lite-v1:0').write(ok('a', 'nova-lite-reported-name', 10));
    await sink.forModel('anthropic.claude-3-5-haiku-20241022-v1:0').write(ok('b', 'claude', 20));
    await sink.forModel('anthropic.claude-3-5-haiku-20241022-v1:0').write(ok('b', 'claude', 20)); // a repeat is dropped
    const results = await sink.close();
    expect(Object.keys(results.usageByModel).sort()).toEqual(['amazon.nova-lite-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0']);
    expect(results.usageByModel['amazon.nova-lite-v1:0'].input_tokens).toBe(10);
    expect(results.usageByModel['anthropic.claude-3-5-haiku-20241022-v1:0'].input_tokens).toBe(20);
    expect(results.requestCounts).toEqual({ total: 3, completed: 2, failed: 1 });
  });
});
