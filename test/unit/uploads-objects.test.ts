// Upload records → OpenAI Upload / UploadPart objects, the status clients see, and the errors for
// acting on an upload that has moved on.
import { toOpenAIUpload, toOpenAIUploadPart, uploadStatusOf } from '#lambda/uploads/objects';
import { uploadStateError } from '#lambda/uploads/state-errors';
import { orderParts } from '#lambda/uploads/operations';
import type { UploadPartRecord, UploadRecord } from '#lambda/store/uploads';
import { GatewayError } from '#lambda/http/errors';

const CREATED = 1_750_000_000;
const upload: UploadRecord = {
  id: 'upload_abc',
  tenantId: 'tenant_1',
  keyId: 'key_1',
  provider: 'openai',
  filename: 'big.jsonl',
  purpose: 'batch',
  bytes: 1234,
  mimeType: 'application/jsonl',
  createdAt: CREATED,
  expiresAt: CREATED + 3600,
  status: 'pending',
  fileId: 'file-xyz',
  extras: {},
  receivedBytes: 0,
};

describe('uploadStatusOf', () => {
  test.each([
    ['pending', CREATED + 10, 'pending'],
    ['pending', CREATED + 3600, 'expired'],
    ['completing', CREATED + 10, 'pending'],
    ['completing', CREATED + 4000, 'expired'],
    ['completed', CREATED + 99_999, 'completed'],
    ['cancelled', CREATED + 99_999, 'cancelled'],
  ] as const)('stored %s at t+%i → %s', (status, now, shown) => {
    expect(uploadStatusOf({ status, expiresAt: upload.expiresAt }, now)).toBe(shown);
  });
});

test('toOpenAIUpload has exactly the SDK Upload fields', () => {
  expect(toOpenAIUpload(upload, CREATED + 1)).toEqual({
    id: 'upload_abc',
    object: 'upload',
    bytes: 1234,
    created_at: CREATED,
    expires_at: CREATED + 3600,
    filename: 'big.jsonl',
    purpose: 'batch',
    status: 'pending',
    file: null,
  });
});

test('toOpenAIUploadPart', () => {
  const part: UploadPartRecord = {
    id: 'part_1',
    uploadId: 'upload_abc',
    tenantId: 't',
    bytes: 10,
    createdAt: CREATED,
    blob: { bucket: 'b', key: 'k' },
  };
  expect(toOpenAIUploadPart(part)).toEqual({ id: 'part_1', object: 'upload.part', created_at: CREATED, upload_id: 'upload_abc' });
});

describe('uploadStateError', () => {
  test.each([
    ['gone', null, 404, null],
    ['completed', { ...upload, status: 'completed' }, 400, 'upload_already_completed'],
    ['cancelled', { ...upload, status: 'cancelled' }, 400, 'upload_cancelled'],
    ['expired', { ...upload, expiresAt: CREATED }, 400, 'upload_expired'],
    ['being completed', { ...upload, status: 'completing' }, 409, 'upload_completing'],
  ] as const)('%s → %i', (_name, current, status, code) => {
    const err = uploadStateError('upload_abc', current as UploadRecord | null, 'complete', CREATED + 10);
    expect(err).toBeInstanceOf(GatewayError);
    expect({ status: err.status, code: err.code }).toEqual({ status, code });
  });

  test('an unknown upload reads like OpenAI’s not-found', () => {
    expect(uploadStateError('upload_abc', null, 'cancel', CREATED).toBody().error).toEqual({
      message: 'No such Upload object: upload_abc',
      type: 'invalid_request_error',
      param: 'upload_id',
      code: null,
    });
  });

  test('an expired upload says when it expired', () => {
    expect(uploadStateError('upload_abc', { ...upload, expiresAt: CREATED }, 'add a part to', CREATED + 5).message).toContain(
      new Date(CREATED * 1000).toISOString(),
    );
  });
});

describe('orderParts', () => {
  const part = (id: string): UploadPartRecord => ({
    id,
    uploadId: 'upload_abc',
    tenantId: 't',
    bytes: 1,
    createdAt: CREATED,
    blob: { bucket: 'b', key: id },
  });
  const stored = [part('part_a'), part('part_b'), part('part_c')];

  test('returns the listed parts in the listed order, leaving unlisted ones out', () => {
    expect(orderParts('upload_abc', ['part_c', 'part_a'], stored).map((p) => p.id)).toEqual(['part_c', 'part_a']);
  });

  test('an id that is not a part of this upload is a 400 naming it', () => {
    let err: GatewayError | undefined;
    try {
      orderParts('upload_abc', ['part_a', 'part_zz'], stored);
    } catch (e) {
      err = e as GatewayError;
    }
    expect(err?.status).toBe(400);
    expect(err?.message).toContain('part_zz is not a part of upload upload_abc (it has 3 part(s))');
  });
});
