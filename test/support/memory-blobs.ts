// A BlobStore in memory, for adapter tests that do not need a local S3: the same interface the
// adapters use against S3, with the shapes of S3's answers that they depend on (NoSuchKey, null size).
import { Readable } from 'node:stream';
import { readLines } from '#lambda/batch-files/lines';
import type { BlobStore, LineWriter } from '#lambda/store/blobs';
import type { BlobLocation } from '#contracts/records';

export interface MemoryBlobStoreOptions {
  /**
   * get() hands out the bytes in pieces of this size, so code that splits lines must cope with a line
   * cut across two pieces, as it must with S3's stream. Default 64 KiB.
   */
  chunkBytes?: number;
  /**
   * getBuffer() throws: a test then passes only if the code under test streams its batch files
   * instead of loading them whole.
   */
  streamOnly?: boolean;
}

export class MemoryBlobStore implements BlobStore {
  readonly objects = new Map<string, Buffer>();
  private readonly chunkBytes: number;
  private readonly streamOnly: boolean;

  constructor(options: MemoryBlobStoreOptions = {}) {
    this.chunkBytes = options.chunkBytes ?? 64 * 1024;
    this.streamOnly = options.streamOnly ?? false;
  }

  private id = (location: BlobLocation) => `${location.bucket}/${location.key}`;

  private stored(location: BlobLocation): Buffer {
    const body = this.objects.get(this.id(location));
    if (!body) throw Object.assign(new Error(`NoSuchKey ${this.id(location)}`), { name: 'NoSuchKey' });
    return body;
  }

  async put(location: BlobLocation, body: string | Buffer | Readable) {
    let bytes: Buffer;
    if (body instanceof Readable) {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk));
      bytes = Buffer.concat(chunks);
    } else bytes = Buffer.from(body);
    this.objects.set(this.id(location), bytes);
    return { bytes: bytes.length };
  }

  async get(location: BlobLocation): Promise<Readable> {
    const body = this.stored(location);
    const pieces: Buffer[] = [];
    for (let at = 0; at < body.length; at += this.chunkBytes) pieces.push(body.subarray(at, at + this.chunkBytes));
    return Readable.from(pieces);
  }

  async getBuffer(location: BlobLocation): Promise<Buffer> {
    if (this.streamOnly) throw new Error('getBuffer is off limits: batch files must be streamed');
    return this.stored(location);
  }

  async size(location: BlobLocation) {
    return this.objects.get(this.id(location))?.length ?? null;
  }

  async delete(location: BlobLocation) {
    this.objects.delete(this.id(location));
  }

  async list(bucket: string, prefix: string) {
    return [...this.objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`)).map((k) => k.slice(bucket.length + 1));
  }

  async *readLines(location: BlobLocation) {
    yield* readLines(await this.get(location));
  }

  /** Nothing is stored until close(), as with an S3 multipart upload; abort() leaves nothing behind. */
  openLineWriter(location: BlobLocation): LineWriter {
    const lines: string[] = [];
    return {
      writeLine: async (line) => void lines.push(line),
      close: async () => {
        const { bytes } = await this.put(location, lines.map((line) => line + '\n').join(''));
        return { bytes, lines: lines.length };
      },
      abort: async () => undefined,
    };
  }

  async presignGet(location: BlobLocation) {
    return `memory://${this.id(location)}`;
  }
}
