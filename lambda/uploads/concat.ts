// The parts of an upload, in the client's order, as one byte stream: each stored part is read and piped
// through in turn, so completing a 200 MB upload holds a few chunks in memory, never the file. The next
// part is already being opened while the current one streams (one request's latency hidden per part).
// Bytes and MD5 are counted on the way, for the size and checksum checks.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobLocation } from '#contracts/records';

export interface ConcatenationSummary {
  bytes: number;
  /** Lower-case hex MD5 of everything streamed. */
  md5: string;
}

export interface Concatenation {
  stream: Readable;
  /** What went through; complete once `stream` has ended. */
  summary(): ConcatenationSummary;
}

export function concatenateParts(parts: readonly BlobLocation[], open: (location: BlobLocation) => Promise<Readable>): Concatenation {
  const hash = createHash('md5');
  let bytes = 0;
  let digest: string | null = null;

  async function* chunks(): AsyncGenerator<Buffer> {
    let current: Readable | null = null;
    let next: Promise<Readable> | null = parts.length ? open(parts[0]) : null;
    try {
      for (let i = 0; i < parts.length; i++) {
        current = await next!;
        next = i + 1 < parts.length ? open(parts[i + 1]) : null;
        // A prefetched part that is never read (the current one failed) must not become an unhandled rejection.
        next?.catch(() => undefined);
        for await (const raw of current) {
          const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as Uint8Array);
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      }
      digest = hash.digest('hex');
    } finally {
      // Stopped early (a failed part, or the writer gave up): release the connections still open.
      if (digest === null) {
        current?.destroy();
        next?.then((stream) => stream.destroy()).catch(() => undefined);
      }
    }
  }

  return {
    stream: Readable.from(chunks(), { objectMode: false }),
    summary() {
      if (digest === null) throw new Error('summary() called before the concatenation ended');
      return { bytes, md5: digest };
    },
  };
}
