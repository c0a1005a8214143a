// Concatenating stored parts as one stream: order, byte count, MD5, prefetching, failures.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { concatenateParts } from '#lambda/uploads/concat';
import type { BlobLocation } from '#contracts/records';

const loc = (key: string): BlobLocation => ({ bucket: 'b', key });

/** A fake store: each part's bytes, served in small chunks, with a log of opens and reads. */
function fakeStore(parts: Record<string, Buffer>, chunkSize = 3) {
  const events: string[] = [];
  const open = async (location: BlobLocation) => {
    events.push(`open ${location.key}`);
    const bytes = parts[location.key];
    if (!bytes) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return Readable.from(
      (function* () {
        for (let i = 0; i < bytes.length; i += chunkSize) {
          if (i === 0) events.push(`read ${location.key}`);
          yield bytes.subarray(i, i + chunkSize);
        }
      })(),
    );
  };
  return { open, events };
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

test('yields the parts in the given order, with their byte count and MD5', async () => {
  const parts = { p1: Buffer.from('{"a":1}\n{"b"'), p2: Buffer.from(':2}\n'), p3: Buffer.from('{"c":3}\n') };
  const { open } = fakeStore(parts);
  const concatenation = concatenateParts([loc('p3'), loc('p1'), loc('p2')], open);
  const out = await drain(concatenation.stream);
  const expected = Buffer.concat([parts.p3, parts.p1, parts.p2]);
  expect(out.toString()).toBe(expected.toString());
  expect(concatenation.summary()).toEqual({ bytes: expected.length, md5: createHash('md5').update(expected).digest('hex') });
});

test('opens the next part before reading the current one to the end (one part of lookahead, no more)', async () => {
  const { open, events } = fakeStore({ a: Buffer.from('aaaaaa'), b: Buffer.from('bbbbbb'), c: Buffer.from('cccccc') });
  await drain(concatenateParts([loc('a'), loc('b'), loc('c')], open).stream);
  expect(events).toEqual(['open a', 'open b', 'read a', 'open c', 'read b', 'read c']);
});

test('summary() before the end is a programming error', () => {
  const { open } = fakeStore({ a: Buffer.from('x') });
  expect(() => concatenateParts([loc('a')], open).summary()).toThrow('before the concatenation ended');
});

test('a part that cannot be opened fails the stream', async () => {
  const { open } = fakeStore({ a: Buffer.from('abc') });
  await expect(drain(concatenateParts([loc('a'), loc('missing')], open).stream)).rejects.toThrow('NoSuchKey');
});

test('a large concatenation streams without holding the whole output', async () => {
  const part = Buffer.alloc(1024 * 1024, 0x61);
  const keys = Array.from({ length: 20 }, (_, i) => `p${i}`);
  const { open } = fakeStore(Object.fromEntries(keys.map((k) => [k, part])), 64 * 1024);
  const concatenation = concatenateParts(keys.map(loc), open);
  let total = 0;
  for await (const chunk of concatenation.stream) total += (chunk as Buffer).length;
  expect(total).toBe(20 * 1024 * 1024);
  expect(concatenation.summary().bytes).toBe(total);
});
