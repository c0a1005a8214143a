// Embedded stand-ins for the AWS services the gateway uses, all on 127.0.0.1:
//   DynamoDB  → dynalite (on disk under the data folder, so a restart loses nothing)
//   S3        → s3rver   (on disk)
//   Step Functions → a small server speaking the SFN JSON protocol that runs the synthesized state
//                    machine with aws-local-stepfunctions (local/step-functions.ts)
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { pipeline, Transform } from 'node:stream';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Event } from 'aws-lambda';
import { closeServer, listenOnLoopback } from './loopback';
import { TABLE_KEYS as K } from '#lib/storage/table-keys';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- dynalite has no types and no ES module entry
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver has no types; typed here by what we use
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  /** s3rver (a Koa app) emits 'event' with an S3 notification (AWS's format) for every object created or deleted. */
  on(name: 'event', listener: (event: S3Event) => void): void;
};

export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * s3rver 3.7 answers a PutObject before the object's bytes are on disk (it resolves when its hashing
 * stream finishes, not when the file write does), so a GetObject right after a PutObject can read an
 * empty or partial object under load. Real S3 is read-after-write consistent; make the stand-in so too.
 */
function makeS3rverReadAfterWriteConsistent(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver's internal store module, patched in place (no types)
  const FilesystemStore = require('s3rver/lib/stores/filesystem') as { prototype: Record<string, unknown> & { __consistent?: boolean } };
  if (FilesystemStore.prototype.__consistent) return;
  type Store = {
    getResourcePath(bucket: string, key: string, kind: string): string;
    putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  };
  FilesystemStore.prototype.putObject = async function putObject(
    this: Store,
    object: { bucket: string; key: string; content: Buffer | NodeJS.ReadableStream; metadata: unknown },
  ) {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await fs.promises.mkdir(dirname(objectPath), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const source = Buffer.isBuffer(object.content) ? [object.content] : object.content;
    await new Promise<void>((resolve, reject) =>
      pipeline(source as NodeJS.ReadableStream, counter, fs.createWriteStream(objectPath), (err) => (err ? reject(err) : resolve())),
    );
    const digest = md5.digest('hex');
    await this.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
  FilesystemStore.prototype.__consistent = true;
}

export interface RunningStandIn {
  endpoint: string;
  close(): Promise<void>;
}

/** DynamoDB-compatible server with the gateway's table (same keys and index as lib/storage). */
export async function startDynamoDB(dataDir: string, tableName: string, port = 0): Promise<RunningStandIn> {
  const dir = join(dataDir, 'dynamodb');
  mkdirSync(dir, { recursive: true });
  const server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = await listenOnLoopback(server, port);
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [K.partitionKey, K.sortKey, K.ownerPartitionKey, K.ownerSortKey].map((name) => ({
          AttributeName: name,
          AttributeType: 'S' as const,
        })),
        KeySchema: [
          { AttributeName: K.partitionKey, KeyType: 'HASH' },
          { AttributeName: K.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: K.ownerIndex,
            KeySchema: [
              { AttributeName: K.ownerPartitionKey, KeyType: 'HASH' },
              { AttributeName: K.ownerSortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  }
  client.destroy();
  return { endpoint, close: () => closeServer(server) };
}

export interface RunningS3 extends RunningStandIn {
  /** Calls the listener with the S3 event notification of every object created or deleted, as S3 would send it. */
  onEvent(listener: (event: S3Event) => void): void;
}

/** S3-compatible server with the given buckets. */
export async function startS3(dataDir: string, buckets: string[], port = 0): Promise<RunningS3> {
  makeS3rverReadAfterWriteConsistent();
  const dir = join(dataDir, 's3');
  mkdirSync(dir, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory: dir,
    silent: true,
    allowMismatchedSignatures: true,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  const address = await server.run();
  return { endpoint: `http://127.0.0.1:${address.port}`, close: () => server.close(), onEvent: (listener) => server.on('event', listener) };
}
