// Reading the `data` field of uploads.parts.create the way the OpenAI SDK encodes it.
import { readPartData } from '#lambda/uploads/part-form';
import { GatewayError } from '#lambda/http/errors';
import { rejectionOf } from '#test/support/errors';

const BOUNDARY = 'openai-test-boundary';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

function form(parts: Array<{ name: string; filename?: string; body: Buffer | string }>): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"` + (part.filename ? `; filename="${part.filename}"` : '');
    const type = part.filename ? 'Content-Type: application/octet-stream\r\n' : '';
    pieces.push(
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`),
      Buffer.from(part.body),
      Buffer.from('\r\n'),
    );
  }
  pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(pieces);
}

const errorOf = (promise: Promise<unknown>) => rejectionOf(promise, GatewayError);

test('the bytes of the data file part, exactly (binary-safe, CRLF kept)', async () => {
  const bytes = Buffer.concat([Buffer.from('{"x":"é"}\r\n'), Buffer.from([0xff, 0x00, 0x0a]), Buffer.from(`--${BOUNDARY.slice(0, 5)}`)]);
  expect(await readPartData(CONTENT_TYPE, form([{ name: 'data', filename: 'blob', body: bytes }]), 1000)).toEqual(bytes);
});

test('a plain text data field (curl -F data=<file) is accepted', async () => {
  expect((await readPartData(CONTENT_TYPE, form([{ name: 'data', body: '{"a":1}\n' }]), 1000)).toString()).toBe('{"a":1}\n');
});

test('a part exactly at the limit is accepted; one byte more is a 413 that states the limit', async () => {
  expect((await readPartData(CONTENT_TYPE, form([{ name: 'data', filename: 'b', body: Buffer.alloc(500, 1) }]), 500)).length).toBe(500);
  const err = await errorOf(readPartData(CONTENT_TYPE, form([{ name: 'data', filename: 'b', body: Buffer.alloc(501, 1) }]), 500));
  expect(err.status).toBe(413);
  expect(err.code).toBe('part_too_large');
  expect(err.message).toContain('larger than 500 bytes');
});

test('a body far above the limit is refused before parsing', async () => {
  const err = await errorOf(readPartData(CONTENT_TYPE, Buffer.alloc(200_000), 1000));
  expect(err.status).toBe(413);
});

test.each([
  ['no data field', form([{ name: 'other', filename: 'x', body: 'abc' }]), CONTENT_TYPE, 'missing_required_parameter'],
  ['an empty part', form([{ name: 'data', filename: 'x', body: '' }]), CONTENT_TYPE, 'empty_part'],
  ['a JSON body', Buffer.from('{"data":"abc"}'), 'application/json', 'invalid_content_type'],
  ['multipart without a boundary', Buffer.from('abc'), 'multipart/form-data', 'invalid_multipart'],
])('%s → 400', async (_name, body, contentType, code) => {
  const err = await errorOf(readPartData(contentType, body, 1000));
  expect({ status: err.status, code: err.code }).toEqual({ status: 400, code });
});
