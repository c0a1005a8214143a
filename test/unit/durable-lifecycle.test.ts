// The pure rules of the durable lifecycle (issue 12): the record batches.create writes, what Submit
// adds, which errors are refusals, queue-full requeues, the request hash, the in-flight pools, the
// transient-error wait, and the result sink answering every request from the custom_id snapshot.
import { newValidatingRecord, submittedPatch } from '#lambda/batches/record';
import { hashRequest } from '#lambda/batches/service';
import { rejectionOf } from '#lambda/handlers/tracker-submit-batch';
import { decideAfterCheck, isQueueFull } from '#lambda/tracker/decide';
import { poolsFor } from '#lambda/tracker/in-flight';
import { deadlineOf, isSubmitted, isTransient, retryWaitSeconds } from '#lambda/tracker/lifecycle';
import { ResultFiles } from '#lambda/tracker/result-files';
import { customIdsLocation, snapshotCustomIds } from '#lambda/tracker/custom-ids';
import { InputFileGoneError } from '#lambda/tracker/submission';
import { GatewayError, badRequest } from '#lambda/http/errors';
import { ProviderQueueFullError, ProviderUnavailableError } from '#lambda/providers/errors';
import type { BatchRecord } from '#contracts/records';
import { MemoryBlobStore } from '#test/support/memory-blobs';
import { batchInput, batchInputFile } from '#test/support/records';

const FILE = batchInputFile({
  id: 'file-in',
  tenantId: 't1',
  provider: 'openai',
  filename: 'in.jsonl',
  bytes: 10,
  blob: { bucket: 'files', key: 'in' },
  lineCount: 3,
  model: 'gpt-4o-mini',
});
const INPUT = batchInput({ batchId: 'batch_1', tenantId: 't1', inputFile: FILE, createdAt: 1_000, expiresAt: 87_400 });

function validating(over: Partial<BatchRecord> = {}): BatchRecord {
  return {
    ...newValidatingRecord(INPUT, {
      owner: { tenantId: 't1', provider: 'openai', keyId: 'key_1' },
      requestHash: 'h',
      submission: { extras: { foo: 1 } },
      providerCredentialRef: null,
      budgetReservation: null,
      outputExpiresAfterSeconds: null,
    }),
    ...over,
  };
}

describe('the record batches.create writes', () => {
  test('validating, not submitted, no tracker yet, counts from the upload, nothing at the provider', () => {
    const batch = validating();
    expect(batch).toMatchObject({
      id: 'batch_1',
      status: 'validating',
      providerBatchId: null,
      submittedAt: null,
      trackerStartedAt: null,
      requestHash: 'h',
      model: 'gpt-4o-mini',
      inputFileId: 'file-in',
      requestCounts: { total: 3, completed: 0, failed: 0 },
      submission: { extras: { foo: 1 } },
      keyId: 'key_1',
    });
    expect(isSubmitted(batch)).toBe(false);
    expect('providerCredentialRef' in batch).toBe(false);
  });

  test('Submit adds the provider batch; a provider that reports it finished still leaves it for the tracker to collect', () => {
    const patch = submittedPatch(
      validating(),
      {
        providerBatchId: 'pb',
        model: 'm2',
        status: 'completed',
        requestCounts: { total: 3, completed: 3, failed: 0 },
        metadata: { run_mode: 'x' },
      },
      2_000,
    );
    expect(patch).toMatchObject({
      status: 'in_progress',
      providerBatchId: 'pb',
      model: 'm2',
      submittedAt: 2_000,
      inProgressAt: 2_000,
      metadata: { run_mode: 'x' },
      lastProviderError: null,
    });
    expect(isSubmitted({ ...validating(), ...patch })).toBe(true);
    // Counts the provider does not know yet (0) keep the snapshot's.
    expect(
      submittedPatch(
        validating(),
        { providerBatchId: 'pb', model: null, status: 'validating', requestCounts: { total: 0, completed: 0, failed: 0 } },
        2_000,
      ).requestCounts,
    ).toEqual({ total: 3, completed: 0, failed: 0 });
  });

  test('records made before the workflow submitted (no submittedAt at all) count as submitted', () => {
    const legacy = validating();
    delete (legacy as Partial<BatchRecord>).submittedAt;
    expect(isSubmitted(legacy)).toBe(true);
  });
});

describe('which errors end a batch before submission', () => {
  test.each([
    [
      'a conversion 400 naming a line',
      badRequest('Line 7: body.n: not supported', 'input_file_id', 'unsupported_for_provider'),
      { code: 'unsupported_for_provider', message: 'Line 7: body.n: not supported', param: 'input_file_id', line: 7 },
    ],
    [
      'a 413',
      new GatewayError(413, 'too big', 'invalid_request_error', 'requests[0]', 'request_too_large'),
      { code: 'request_too_large', message: 'too big', param: 'requests[0]', line: null },
    ],
    [
      'the input file gone',
      new InputFileGoneError('gone'),
      { code: 'input_file_deleted', message: 'gone', param: 'input_file_id', line: null },
    ],
  ])('%s is a refusal with OpenAI errors fields', (_name, err, expected) => {
    expect(rejectionOf(err)).toEqual(expected);
  });

  test.each([
    ['a 502 (provider auth)', new GatewayError(502, 'bad key', 'server_error')],
    ['a 429', new GatewayError(429, 'slow down', 'rate_limit_error')],
    ['a bug', new TypeError('x is undefined')],
  ])('%s is not', (_name, err) => {
    expect(rejectionOf(err)).toBeNull();
  });

  test('transient errors, a full queue included, are waited out with the poll wait and Retry-After', () => {
    expect(isTransient(new ProviderUnavailableError('503'))).toBe(true);
    expect(isTransient(new ProviderQueueFullError('quota', undefined, 429))).toBe(true);
    expect(isTransient(Object.assign(new Error('from another realm'), { name: 'ProviderUnavailable' }))).toBe(true);
    expect(isTransient(badRequest('no'))).toBe(false);
    const b = validating();
    expect(retryWaitSeconds(b, b.createdAt + 10, new ProviderUnavailableError('x'))).toBe(60);
    expect(retryWaitSeconds(b, b.createdAt + 10, new ProviderUnavailableError('x', 120))).toBe(120);
    expect(retryWaitSeconds(b, b.createdAt + 20 * 3600, new ProviderUnavailableError('x', 1))).toBe(900);
    expect(deadlineOf(b, 3600)).toBe(87_400 + 3600);
  });
});

describe('a full OpenAI queue after acceptance (token_limit_exceeded)', () => {
  const full = {
    status: 'failed' as const,
    errors: [{ code: 'token_limit_exceeded', message: 'Enqueued token limit reached', param: null, line: null }],
    requestCounts: { total: 3, completed: 0, failed: 0 },
  };
  test('sends the batch back to validating to be submitted again', () => {
    const b = validating({ status: 'in_progress', providerBatchId: 'pb', submittedAt: 1_100 });
    expect(isQueueFull(full)).toBe(true);
    const d = decideAfterCheck(b, full, 1_200);
    expect(d.result.next).toBe('resubmit');
    expect(d.patch).toMatchObject({ status: 'validating', providerBatchId: null, submittedAt: null, requeues: 1, errors: null });
  });

  test('is an ordinary failure when something ran, or for another error code', () => {
    expect(isQueueFull({ ...full, requestCounts: { total: 3, completed: 1, failed: 0 } })).toBe(false);
    expect(isQueueFull({ ...full, errors: [{ code: 'invalid_json', message: 'x', param: null, line: 1 }] })).toBe(false);
    expect(decideAfterCheck(validating({ status: 'in_progress' }), { ...full, errors: [] }, 1_200).result.next).toBe('collect');
  });
});

describe('Idempotency-Key parameters hash', () => {
  test('ignores key order, sees every value', () => {
    expect(hashRequest({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(hashRequest({ b: { d: [1, 2], c: 2 }, a: 1 }));
    expect(hashRequest({ a: 1, b: { c: 2, d: [1, 2] } })).not.toBe(hashRequest({ a: 1, b: { c: 2, d: [2, 1] } }));
    expect(hashRequest({ input_file_id: 'file-a' })).not.toBe(hashRequest({ input_file_id: 'file-b' }));
  });
});

describe('in-flight pools', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  });
  test('none without caps; the provider pool and, with a model, the per-model pool', () => {
    expect(poolsFor({ provider: 'bedrock', model: 'm' })).toEqual([]);
    process.env.FINOPS_MAX_IN_FLIGHT_BEDROCK = '20';
    process.env.FINOPS_MAX_IN_FLIGHT_PER_MODEL_BEDROCK = '10';
    expect(poolsFor({ provider: 'bedrock', model: 'm' })).toEqual([
      { name: 'bedrock', cap: 20 },
      { name: 'bedrock#m', cap: 10 },
    ]);
    expect(poolsFor({ provider: 'bedrock', model: null })).toEqual([{ name: 'bedrock', cap: 20 }]);
    expect(poolsFor({ provider: 'openai', model: 'm' })).toEqual([]);
    process.env.FINOPS_MAX_IN_FLIGHT_OPENAI = 'lots';
    expect(poolsFor({ provider: 'openai', model: 'm' })).toEqual([]);
  });
});

describe('the result sink answers every request from the snapshot', () => {
  async function collect(outcome: 'completed' | 'expired' | 'failed', written: string[], message?: string) {
    const blobs = new MemoryBlobStore();
    const input = { ...FILE, blob: { bucket: 'files', key: 'input.jsonl' } };
    await blobs.put(input.blob, ['a', 'b', 'c', 'a'].map((id) => JSON.stringify({ custom_id: id, body: {} })).join('\n') + '\n');
    const batch = validating();
    const snapshot = await snapshotCustomIds(blobs, batch, input, 'files');
    expect(snapshot).toEqual({ blob: customIdsLocation(batch, 'files'), count: 3 });
    await blobs.delete(input.blob); // the owner deleted the input: the snapshot is all that is needed
    const sink = new ResultFiles(blobs, { ...batch, customIdsBlob: snapshot.blob }, 'files', outcome, message);
    for (const id of written) await sink.write({ custom_id: id, response: { status_code: 200, request_id: 'r', body: {} }, error: null });
    const results = await sink.close();
    const errors = results.errorFile
      ? (await blobs.getBuffer(results.errorFile.blob))
          .toString('utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))
      : [];
    return { results, errors, filledIn: sink.filledInCount };
  }

  test('a batch that never reached the provider: every request once, with the refusal as the reason', async () => {
    const { results, errors, filledIn } = await collect('failed', [], 'Line 2: cannot convert');
    expect(filledIn).toBe(3);
    expect(errors.map((e) => [e.custom_id, e.error])).toEqual([
      ['a', { code: 'batch_failed', message: 'Line 2: cannot convert' }],
      ['b', { code: 'batch_failed', message: 'Line 2: cannot convert' }],
      ['c', { code: 'batch_failed', message: 'Line 2: cannot convert' }],
    ]);
    expect(results.requestCounts).toEqual({ total: 3, completed: 0, failed: 3 });
  });

  test('an expired batch keeps what finished and answers the rest batch_expired; nothing twice', async () => {
    const { results, errors } = await collect('expired', ['b']);
    expect(results.outputFile?.lineCount).toBe(1);
    expect(errors.map((e) => [e.custom_id, e.error.code])).toEqual([
      ['a', 'batch_expired'],
      ['c', 'batch_expired'],
    ]);
    expect(results.requestCounts).toEqual({ total: 3, completed: 1, failed: 2 });
  });

  test('a completed batch whose provider left a request out gets an error line for it', async () => {
    const { errors } = await collect('completed', ['a', 'b']);
    expect(errors).toEqual([
      expect.objectContaining({
        custom_id: 'c',
        error: { code: 'batch_failed', message: 'The provider returned no result for this request.' },
      }),
    ]);
  });
});
