// Uploads API request parameters: what uploads.create and uploads.complete accept and how they refuse.
import { maxReceivedBytes, MAX_UPLOAD_BYTES, parseUploadComplete, parseUploadCreate, parseUploadId } from '#lambda/uploads/params';
import { GatewayError } from '#lambda/http/errors';
import { thrownBy } from '#test/support/errors';

const NOW = 1_750_000_000;
const valid = { filename: 'big.jsonl', purpose: 'batch', bytes: 31_457_280, mime_type: 'application/jsonl' };

const errorOf = (fn: () => unknown) => thrownBy(fn, GatewayError);

describe('parseUploadCreate', () => {
  test('the SDK body: fields mapped, provider defaulted, nothing else in extras', () => {
    expect(parseUploadCreate({ ...valid }, 'openai', NOW)).toEqual({
      filename: 'big.jsonl',
      purpose: 'batch',
      bytes: 31_457_280,
      mimeType: 'application/jsonl',
      provider: 'openai',
      extras: {},
    });
  });

  test('provider and extra fields (storage_config, expires_after) are kept for ingestion', () => {
    const storage = { s3: { bucket: 'b', region: 'us-east-1' } };
    const expires = { anchor: 'created_at', seconds: 7200 };
    const params = parseUploadCreate({ ...valid, provider: 'bedrock', storage_config: storage, expires_after: expires }, 'openai', NOW);
    expect(params.provider).toBe('bedrock');
    expect(params.extras).toEqual({ storage_config: storage, expires_after: expires });
  });

  test('bytes as a digit string (hand-written clients) is accepted', () => {
    expect(parseUploadCreate({ ...valid, bytes: '1024' }, 'openai', NOW).bytes).toBe(1024);
  });

  test.each([
    ['missing filename', { ...valid, filename: undefined }, 400, 'filename', 'missing_required_parameter'],
    ['filename with control characters', { ...valid, filename: 'a\nb.jsonl' }, 400, 'file', 'invalid_filename'],
    ['missing purpose', { ...valid, purpose: undefined }, 400, 'purpose', 'missing_required_parameter'],
    ['purpose other than batch', { ...valid, purpose: 'fine-tune' }, 400, 'purpose', 'invalid_purpose'],
    ['missing bytes', { ...valid, bytes: undefined }, 400, 'bytes', 'missing_required_parameter'],
    ['zero bytes', { ...valid, bytes: 0 }, 400, 'bytes', 'invalid_bytes'],
    ['negative bytes', { ...valid, bytes: -5 }, 400, 'bytes', 'invalid_bytes'],
    ['fractional bytes', { ...valid, bytes: 1.5 }, 400, 'bytes', 'invalid_bytes'],
    ['bytes not a number', { ...valid, bytes: 'lots' }, 400, 'bytes', 'invalid_bytes'],
    ['bytes above 200 MB', { ...valid, bytes: MAX_UPLOAD_BYTES + 1 }, 400, 'bytes', 'file_too_large'],
    ['missing mime_type', { ...valid, mime_type: undefined }, 400, 'mime_type', 'missing_required_parameter'],
    ['mime_type not a MIME type', { ...valid, mime_type: 'jsonl' }, 400, 'mime_type', 'invalid_mime_type'],
    ['unknown provider', { ...valid, provider: 'mistral' }, 400, 'provider', 'invalid_provider'],
    [
      'expires_after out of range',
      { ...valid, expires_after: { anchor: 'created_at', seconds: 60 } },
      400,
      'expires_after',
      'invalid_expires_after',
    ],
    ['huge extras', { ...valid, notes: 'x'.repeat(20_000) }, 400, null, 'extras_too_large'],
  ])('%s is refused', (_name, body, status, param, code) => {
    const err = errorOf(() => parseUploadCreate(body as Record<string, unknown>, 'openai', NOW));
    expect({ status: err.status, param: err.param, code: err.code }).toEqual({ status, param, code });
  });

  test('exactly 200 MB is allowed', () => {
    expect(parseUploadCreate({ ...valid, bytes: MAX_UPLOAD_BYTES }, 'openai', NOW).bytes).toBe(MAX_UPLOAD_BYTES);
  });

  test('a MIME type with parameters is allowed', () => {
    expect(parseUploadCreate({ ...valid, mime_type: 'text/jsonl; charset=utf-8' }, 'openai', NOW).mimeType).toBe(
      'text/jsonl; charset=utf-8',
    );
  });
});

describe('parseUploadComplete', () => {
  test('ordered part ids and an md5 (normalised to lower case)', () => {
    expect(parseUploadComplete({ part_ids: ['part_b', 'part_a'], md5: 'D41D8CD98F00B204E9800998ECF8427E' })).toEqual({
      partIds: ['part_b', 'part_a'],
      md5: 'd41d8cd98f00b204e9800998ecf8427e',
    });
  });

  test('md5 is optional', () => {
    expect(parseUploadComplete({ part_ids: ['part_a'] }).md5).toBeNull();
  });

  test.each([
    ['missing part_ids', {}, 'part_ids', 'missing_required_parameter'],
    ['empty part_ids', { part_ids: [] }, 'part_ids', 'invalid_part_ids'],
    ['part_ids not an array', { part_ids: 'part_a' }, 'part_ids', 'invalid_part_ids'],
    ['a part id of another kind', { part_ids: ['part_a', 'file-abc'] }, 'part_ids', 'invalid_part_ids'],
    ['a part id listed twice', { part_ids: ['part_a', 'part_a'] }, 'part_ids', 'invalid_part_ids'],
    ['md5 not hex', { part_ids: ['part_a'], md5: 'not-a-digest' }, 'md5', 'invalid_md5'],
  ])('%s → 400', (_name, body, param, code) => {
    const err = errorOf(() => parseUploadComplete(body));
    expect({ status: err.status, param: err.param, code: err.code }).toEqual({ status: 400, param, code });
  });

  test('the message names the offending entry', () => {
    expect(errorOf(() => parseUploadComplete({ part_ids: ['part_a', 'file-abc'] })).message).toContain("'part_ids[1]'");
  });
});

describe('parseUploadId', () => {
  test('accepts our ids, refuses anything else before a lookup', () => {
    expect(parseUploadId('upload_abcDEF123')).toBe('upload_abcDEF123');
    expect(errorOf(() => parseUploadId('upload_../x')).code).toBe('invalid_id');
    expect(errorOf(() => parseUploadId('file-abc')).status).toBe(400);
  });
});

describe('maxReceivedBytes', () => {
  test.each([
    [30_000_000, 4_500_000, 60_000_000],
    [1_000, 4_500_000, 4_501_000],
  ])('declared %i with parts up to %i → at most %i received', (declared, part, max) => {
    expect(maxReceivedBytes(declared, part)).toBe(max);
  });
});
