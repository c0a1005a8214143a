// The chunked resumable upload Gemini and Vertex AI share (lambda/providers/chunked-upload.ts).
import { byteLengthOf, requireChunkBytes, retryChunk, sendInChunks } from '#lambda/providers/chunked-upload';
import { ProviderUnavailableError } from '#lambda/providers/errors';

async function* from(lines: string[]): AsyncGenerator<string> {
  for (const line of lines) yield line;
}

/** What each send call saw (copied: the chunk buffer is reused after the call). */
async function sent(lines: string[], chunkBytes: number) {
  const calls: Array<{ text: string; offset: number; final: boolean }> = [];
  const result = await sendInChunks(from(lines), chunkBytes, async (chunk, offset, final) => {
    calls.push({ text: chunk.toString('utf8'), offset, final });
    return calls.length;
  });
  return { calls, result };
}

describe('chunked upload', () => {
  it.each([
    { name: 'lines within one chunk', lines: ['ab\n', 'c\n'], chunk: 8, texts: ['ab\nc\n'] },
    { name: 'a line split across chunks', lines: ['abcdef\n', 'gh\n'], chunk: 4, texts: ['abcd', 'ef\ng', 'h\n'] },
    // A full chunk waits until more bytes follow, so the last call is the one that ends the upload.
    { name: 'an exact multiple of the chunk size', lines: ['abcd', 'efgh'], chunk: 4, texts: ['abcd', 'efgh'] },
    { name: 'nothing to send', lines: [], chunk: 4, texts: [''] },
  ])('$name: chunks of the size in order, the last one final', async ({ lines, chunk, texts }) => {
    const { calls, result } = await sent(lines, chunk);
    expect(calls.map((c) => c.text)).toEqual(texts);
    expect(calls.map((c) => c.final)).toEqual(texts.map((_, i) => i === texts.length - 1));
    let offset = 0;
    for (const call of calls) {
      expect(call.offset).toBe(offset);
      offset += Buffer.byteLength(call.text);
    }
    expect(result).toEqual({ bytes: Buffer.byteLength(lines.join('')), last: calls.length });
  });

  it('counts UTF-8 bytes, not characters', async () => {
    expect(await byteLengthOf(from(['é\n', '€']))).toBe(3 + 3);
    // A character may be cut between chunks: the bytes arrive whole and in order.
    const chunks: Buffer[] = [];
    const offsets: number[] = [];
    await sendInChunks(from(['€€']), 4, async (chunk, offset) => {
      chunks.push(Buffer.from(chunk));
      offsets.push(offset);
    });
    expect(Buffer.concat(chunks).toString('utf8')).toBe('€€');
    expect(offsets).toEqual([0, 4]);
  });

  it('takes only positive multiples of the granularity', () => {
    expect(requireChunkBytes(512, 256)).toBe(512);
    expect(() => requireChunkBytes(300, 256)).toThrow('uploadChunkBytes must be a positive multiple of 256.');
    expect(() => requireChunkBytes(0, 256)).toThrow('positive multiple');
  });

  it('retries a chunk only while the provider is unavailable, up to the attempts, with the delay asked for', async () => {
    const delays: number[] = [];
    const attempts: number[] = [];
    const answer = await retryChunk(
      3,
      (attempt, err) => {
        delays.push(attempt * 10 + (err.retryAfterSeconds ?? 0));
        return 1;
      },
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw new ProviderUnavailableError('busy', attempt);
        return 'stored';
      },
    );
    expect(answer).toBe('stored');
    expect(attempts).toEqual([1, 2, 3]);
    expect(delays).toEqual([11, 22]);

    let tries = 0;
    const unavailable = retryChunk(
      2,
      () => 1,
      async () => {
        tries += 1;
        throw new ProviderUnavailableError('still busy');
      },
    );
    await expect(unavailable).rejects.toThrow('still busy');
    expect(tries).toBe(2);

    tries = 0;
    const refused = retryChunk(
      3,
      () => 1,
      async () => {
        tries += 1;
        throw new Error('bad offset');
      },
    );
    await expect(refused).rejects.toThrow('bad offset');
    expect(tries).toBe(1);
  });
});
