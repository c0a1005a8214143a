// A leading UTF-8 BOM is removed from a stored upload whatever the chunking; nothing else changes.
import { stripByteOrderMark } from '#lambda/files/byte-order-mark';
import { MemoryBlobStore } from '#test/support/memory-blobs';

const location = { bucket: 'files', key: 'files/t/file-1' };
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const jsonl = Buffer.from('{"custom_id":"é"}\n{"custom_id":"日本"}\n');

describe('stripByteOrderMark', () => {
  it.each([1, 2, 3, 5, 64 * 1024])('removes the BOM read in chunks of %i bytes, and only it', async (chunkBytes) => {
    const blobs = new MemoryBlobStore({ chunkBytes, streamOnly: true });
    await blobs.put(location, Buffer.concat([BOM, jsonl]));
    expect(await stripByteOrderMark(blobs, location, BOM.length + jsonl.length)).toBe(jsonl.length);
    expect(blobs.objects.get('files/files/t/file-1')).toEqual(jsonl);
    expect([...blobs.objects.keys()]).toEqual(['files/files/t/file-1']); // no scratch object left
  });

  it.each([
    ['a file without a BOM', jsonl],
    ['a BOM that is not at the start', Buffer.concat([jsonl, BOM])],
    ['a file shorter than a BOM', Buffer.from([0xef, 0xbb])],
  ])('leaves %s as it is', async (_name, body) => {
    const blobs = new MemoryBlobStore({ chunkBytes: 2 });
    await blobs.put(location, body);
    expect(await stripByteOrderMark(blobs, location, body.length)).toBe(body.length);
    expect(blobs.objects.get('files/files/t/file-1')).toEqual(body);
  });
});
