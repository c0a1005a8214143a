// Blob storage on S3: whole objects and line-by-line streams, never a whole large file in memory.
import { PassThrough, Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BlobLocation } from '#contracts/records';
import { readLines, type Line } from '#lambda/batch-files/lines';

export interface LineWriter {
  /** Writes one line (a newline is appended). Resolves when the stream can take more. */
  writeLine(line: string): Promise<void>;
  /** Finishes the object. Resolves with what was written. */
  close(): Promise<{ bytes: number; lines: number }>;
  /** Abandons the object (nothing is stored). */
  abort(): Promise<void>;
}

export interface BlobStore {
  put(location: BlobLocation, body: string | Buffer | Readable, contentType?: string): Promise<{ bytes: number }>;
  get(location: BlobLocation): Promise<Readable>;
  getBuffer(location: BlobLocation): Promise<Buffer>;
  size(location: BlobLocation): Promise<number | null>;
  delete(location: BlobLocation): Promise<void>;
  list(bucket: string, prefix: string): Promise<string[]>;
  readLines(location: BlobLocation): AsyncIterable<Line>;
  openLineWriter(location: BlobLocation, contentType?: string): LineWriter;
  presignGet(location: BlobLocation, expiresInSeconds: number, downloadName?: string): Promise<string>;
}

export function s3ClientConfig(region: string): S3ClientConfig {
  return {
    region,
    // Checksums only where S3 requires them: streamed bodies are then sent as plain bodies, which both
    // S3 and the local S3 stand-in store verbatim (s3rver would keep aws-chunked framing otherwise).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    forcePathStyle: process.env.FINOPS_S3_FORCE_PATH_STYLE === 'true',
    // Bedrock files may live in another allowed region (bedrockJobRegions): follow S3's redirect there.
    followRegionRedirects: true,
  };
}

const PART_SIZE = 8 * 1024 * 1024;

export class S3BlobStore implements BlobStore {
  constructor(private readonly s3: S3Client) {}

  async put(location: BlobLocation, body: string | Buffer | Readable, contentType = 'application/octet-stream') {
    let bytes = 0;
    let stream: Readable | string | Buffer = body;
    if (body instanceof Readable) {
      const counter = new PassThrough();
      counter.on('data', (chunk: Buffer) => (bytes += chunk.length));
      body.on('error', (err) => counter.destroy(err));
      stream = body.pipe(counter);
    } else {
      bytes = Buffer.byteLength(body);
    }
    await new Upload({
      client: this.s3,
      params: { Bucket: location.bucket, Key: location.key, Body: stream, ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: 2,
    }).done();
    return { bytes };
  }

  async get(location: BlobLocation): Promise<Readable> {
    const res = await this.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return res.Body as Readable;
  }

  async getBuffer(location: BlobLocation): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.get(location)) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  }

  async size(location: BlobLocation): Promise<number | null> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(location: BlobLocation): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: location.key }));
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async *readLines(location: BlobLocation): AsyncIterable<Line> {
    yield* readLines(await this.get(location));
  }

  openLineWriter(location: BlobLocation, contentType = 'application/jsonl'): LineWriter {
    const stream = new PassThrough({ highWaterMark: 1024 * 1024 });
    let bytes = 0;
    let lines = 0;
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: location.bucket, Key: location.key, Body: stream, ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: 2,
    });
    const done = upload.done();
    // Surface upload failures through close()/writeLine() rather than as unhandled rejections.
    done.catch(() => undefined);
    return {
      async writeLine(line: string) {
        const chunk = line + '\n';
        bytes += Buffer.byteLength(chunk);
        lines += 1;
        if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once('drain', resolve));
      },
      async close() {
        stream.end();
        await done;
        return { bytes, lines };
      },
      async abort() {
        await upload.abort().catch(() => undefined);
        stream.destroy();
      },
    };
  }

  async presignGet(location: BlobLocation, expiresInSeconds: number, downloadName?: string): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: location.bucket,
      Key: location.key,
      ResponseContentDisposition: downloadName ? `attachment; filename="${downloadName.replace(/["\\\r\n]/g, '_')}"` : undefined,
    });
    return getSignedUrl(this.s3, command, { expiresIn: expiresInSeconds });
  }
}

export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
