// A UTF-8 byte order mark (EF BB BF) at the start of an upload is no part of its JSONL: editors on
// Windows add it, JSON parsers that read the bytes as they are refuse it (Python's json: "Unexpected
// UTF-8 BOM"), and a provider that is handed the bytes unchanged (OpenAI's Files API) would refuse or
// fail the batch. Ingestion removes it once, for every provider, so what is stored, counted, converted
// and forwarded is the JSONL itself.
import { Readable } from 'node:stream';
import type { BlobStore } from '#lambda/store/blobs';
import type { BlobLocation } from '#contracts/records';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function startsWithByteOrderMark(blobs: BlobStore, location: BlobLocation): Promise<boolean> {
  let head = Buffer.alloc(0);
  // Leaving the loop early destroys the stream: only the first chunk is read.
  for await (const chunk of await blobs.get(location)) {
    head = Buffer.concat([head, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array)]);
    if (head.length >= BOM.length) break;
  }
  return head.subarray(0, BOM.length).equals(BOM);
}

/** The stream without its first `count` bytes. */
function skipBytes(source: Readable, count: number): Readable {
  let left = count;
  async function* rest() {
    for await (const raw of source) {
      const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as Uint8Array);
      if (left >= chunk.length) {
        left -= chunk.length;
        continue;
      }
      yield left > 0 ? chunk.subarray(left) : chunk;
      left = 0;
    }
  }
  return Readable.from(rest(), { objectMode: false });
}

/**
 * Removes a leading byte order mark from a stored upload; returns the byte count without it. The bytes
 * go through a scratch object beside the upload (an object store may not read and rewrite one key at
 * once), which only a file that starts with a BOM pays for.
 */
export async function stripByteOrderMark(blobs: BlobStore, location: BlobLocation, bytes: number): Promise<number> {
  if (bytes < BOM.length || !(await startsWithByteOrderMark(blobs, location))) return bytes;
  const scratch = { bucket: location.bucket, key: `${location.key}.without-bom` };
  try {
    await blobs.put(scratch, skipBytes(await blobs.get(location), BOM.length), 'application/jsonl');
    await blobs.put(location, await blobs.get(scratch), 'application/jsonl');
  } finally {
    await blobs.delete(scratch).catch(() => undefined);
  }
  return bytes - BOM.length;
}
