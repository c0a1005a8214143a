// Resumable uploads of converted batch input, shared by Gemini (its Files API) and Vertex AI (Cloud
// Storage): both protocols declare the total size up front, so the converted lines are measured in a
// first streaming pass and sent in a second, with one fixed-size chunk in memory at a time.
import { ProviderUnavailableError } from './errors';

/** A chunk size for Google's resumable protocols: a positive multiple of `granularity` (every chunk but the last must be one). */
export function requireChunkBytes(chunkBytes: number, granularity: number): number {
  if (chunkBytes <= 0 || chunkBytes % granularity !== 0) throw new Error(`uploadChunkBytes must be a positive multiple of ${granularity}.`);
  return chunkBytes;
}

/** The UTF-8 size of the lines. */
export async function byteLengthOf(lines: AsyncIterable<string>): Promise<number> {
  let total = 0;
  for await (const text of lines) total += Buffer.byteLength(text);
  return total;
}

/**
 * Sends the lines as chunks of `chunkBytes` (the last one shorter). A full chunk is sent only once
 * more bytes follow, so the last call (`final`) carries the end of the upload; `chunk` is reused after
 * each call returns. Returns the bytes sent and what the last call returned.
 */
export async function sendInChunks<T>(
  lines: AsyncIterable<string>,
  chunkBytes: number,
  send: (chunk: Buffer, offset: number, final: boolean) => Promise<T>,
): Promise<{ bytes: number; last: T }> {
  const chunk = Buffer.allocUnsafe(chunkBytes);
  let filled = 0;
  let offset = 0;
  const flush = async (final: boolean) => {
    const answer = await send(chunk.subarray(0, filled), offset, final);
    offset += filled;
    filled = 0;
    return answer;
  };
  for await (const text of lines) {
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length;) {
      if (filled === chunkBytes) await flush(false);
      const copied = bytes.copy(chunk, filled, at);
      filled += copied;
      at += copied;
    }
  }
  const last = await flush(true);
  return { bytes: offset, last };
}

/**
 * Runs one chunk's `send` up to `attempts` times while it fails with ProviderUnavailableError, waiting
 * `delayMs(attempt, err)` between tries; `send` gets the attempt number (from 1), so a retry can first
 * ask what the server already holds.
 */
export async function retryChunk<T>(
  attempts: number,
  delayMs: (attempt: number, err: ProviderUnavailableError) => number,
  send: (attempt: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send(attempt);
    } catch (err) {
      if (!(err instanceof ProviderUnavailableError) || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, delayMs(attempt, err)));
    }
  }
}
