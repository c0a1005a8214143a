// Uploads API metadata, in the gateway's one DynamoDB table beside files and batches:
//   pk = UPLOAD#<upload id>   sk = UPLOAD          the upload (status, declared size, extras, …)
//   pk = UPLOAD#<upload id>   sk = PART#<part id>  one item per stored part
// Parts are separate items so parallel parts.create calls never rewrite one shared item; completing an
// upload reads them back with a single Query on the pk. Every status change is a conditional write, so
// a part can't be added to, or a second completion start on, an upload that has moved on. Items carry
// `ttl` (the table's TTL attribute), so DynamoDB forgets uploads a week after they expire.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BlobLocation, ProviderName } from '#contracts/records';
import { queryPages } from './query-pages';

/**
 * `completing` is internal (a complete call is writing the file); clients see it as `pending`.
 * `expired` is never stored: a pending upload past its expires_at is expired (lambda/uploads/objects.ts).
 */
export type StoredUploadStatus = 'pending' | 'completing' | 'completed' | 'cancelled';

export interface UploadRecord {
  id: string;
  tenantId: string;
  /** Key id of the gateway key that created it (never the key itself). */
  keyId: string;
  provider: ProviderName;
  filename: string;
  purpose: 'batch';
  /** The size the client declared; the completed parts must add up to exactly this. */
  bytes: number;
  mimeType: string;
  createdAt: number;
  expiresAt: number;
  status: StoredUploadStatus;
  /** The id the file gets on completion, fixed at creation so a repeated completion finds it. */
  fileId: string;
  /** Extra fields sent with uploads.create (storage_config, expires_after, …), passed on like files.create's. */
  /** The provider fields of the create request (providers/provider.ts Extras). */
  extras: Record<string, unknown>;
  /** Bytes of every part stored so far (including parts that will not be used). */
  receivedBytes: number;
  /** When the current completion attempt started (a stale one may be taken over). */
  completingSince?: number | null;
  completedAt?: number | null;
  /** Digest of the completing request's part_ids and md5, so that a retry of it gets the same answer. */
  completedRequestDigest?: string | null;
  cancelledAt?: number | null;
}

export interface UploadPartRecord {
  id: string;
  uploadId: string;
  tenantId: string;
  bytes: number;
  createdAt: number;
  blob: BlobLocation;
}

/** Why a conditional change of an upload did not happen; the caller turns it into the right HTTP error. */
export class UploadStateError extends Error {
  override readonly name = 'UploadStateError';
  constructor(readonly current: UploadRecord | null) {
    super(current ? `upload ${current.id} is ${current.status}` : 'upload does not exist');
  }
}

/** How long DynamoDB keeps an upload's items after it expired (then TTL removes them). */
export const UPLOAD_RECORD_RETENTION_SECONDS = 7 * 24 * 3600;

const pk = (uploadId: string) => `UPLOAD#${uploadId}`;
const UPLOAD_SK = 'UPLOAD';
const PART_SK_PREFIX = 'PART#';
const KEY_FIELDS = ['pk', 'sk', 'ttl'] as const;

function strip<T>(item: Record<string, unknown> | undefined): T | null {
  if (!item) return null;
  const copy = { ...item };
  for (const field of KEY_FIELDS) delete copy[field];
  return copy as T;
}

const isConditionFailure = (err: unknown) => (err as Error)?.name === 'ConditionalCheckFailedException';

export class UploadStore {
  private readonly db: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } });
  }

  async putUpload(upload: UploadRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: pk(upload.id), sk: UPLOAD_SK, ttl: upload.expiresAt + UPLOAD_RECORD_RETENTION_SECONDS, ...upload },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** The upload if it exists and belongs to the tenant; another tenant's upload is indistinguishable from none. */
  async getUpload(tenantId: string, id: string): Promise<UploadRecord | null> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: pk(id), sk: UPLOAD_SK }, ConsistentRead: true }));
    const upload = strip<UploadRecord>(res.Item);
    return upload && upload.tenantId === tenantId ? upload : null;
  }

  /**
   * Counts a part's bytes against the upload before the part is stored, atomically: only while the
   * upload is pending and unexpired, and only while the running total stays within `maxReceivedBytes`.
   * Throws UploadStateError (with the current record) otherwise.
   */
  async reservePartBytes(upload: UploadRecord, partBytes: number, maxReceivedBytes: number, now: number): Promise<UploadRecord> {
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: pk(upload.id), sk: UPLOAD_SK },
          UpdateExpression: 'ADD receivedBytes :n',
          ConditionExpression: '#status = :pending AND expiresAt > :now AND receivedBytes <= :room',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':n': partBytes, ':pending': 'pending', ':now': now, ':room': maxReceivedBytes - partBytes },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<UploadRecord>(res.Attributes)!;
    } catch (err) {
      if (isConditionFailure(err)) throw new UploadStateError(await this.getUpload(upload.tenantId, upload.id));
      throw err;
    }
  }

  /** Gives back a reservation whose part could not be stored. */
  async releasePartBytes(uploadId: string, partBytes: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: pk(uploadId), sk: UPLOAD_SK },
        UpdateExpression: 'ADD receivedBytes :n',
        ExpressionAttributeValues: { ':n': -partBytes },
      }),
    );
  }

  async putPart(part: UploadPartRecord, uploadExpiresAt: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: pk(part.uploadId), sk: PART_SK_PREFIX + part.id, ttl: uploadExpiresAt + UPLOAD_RECORD_RETENTION_SECONDS, ...part },
      }),
    );
  }

  async listParts(uploadId: string): Promise<UploadPartRecord[]> {
    const parts: UploadPartRecord[] = [];
    const query = {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :part)',
      ExpressionAttributeValues: { ':pk': pk(uploadId), ':part': PART_SK_PREFIX },
      ConsistentRead: true,
    };
    for await (const item of queryPages(this.db, query)) parts.push(strip<UploadPartRecord>(item)!);
    return parts;
  }

  async deletePart(uploadId: string, partId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: pk(uploadId), sk: PART_SK_PREFIX + partId } }));
  }

  /**
   * Claims the upload for one completion: pending and unexpired → completing, or takes over a
   * completion that started before `staleBefore` (its Lambda timed out). Throws UploadStateError otherwise.
   */
  async startCompleting(upload: UploadRecord, now: number, staleBefore: number): Promise<UploadRecord> {
    return this.transition(
      upload,
      { status: 'completing', completingSince: now },
      '(#status = :pending AND expiresAt > :now) OR (#status = :completing AND completingSince < :stale)',
      {
        ':pending': 'pending',
        ':completing': 'completing',
        ':now': now,
        ':stale': staleBefore,
      },
    );
  }

  /** A completion that failed (bad md5, invalid JSONL, provider down): the upload is pending again. */
  async abandonCompleting(upload: UploadRecord, since: number): Promise<void> {
    await this.transition(upload, { status: 'pending', completingSince: null }, '#status = :completing AND completingSince = :since', {
      ':completing': 'completing',
      ':since': since,
    }).catch((err) => {
      if (!(err instanceof UploadStateError)) throw err;
    });
  }

  /** completing (by the attempt that started at `since`) → completed. */
  async markCompleted(upload: UploadRecord, since: number, now: number, requestDigest: string): Promise<UploadRecord> {
    return this.transition(
      upload,
      { status: 'completed', completedAt: now, completingSince: null, completedRequestDigest: requestDigest },
      '#status = :completing AND completingSince = :since',
      { ':completing': 'completing', ':since': since },
    );
  }

  /** pending and unexpired → cancelled. Throws UploadStateError otherwise. */
  async markCancelled(upload: UploadRecord, now: number): Promise<UploadRecord> {
    return this.transition(upload, { status: 'cancelled', cancelledAt: now }, '#status = :pending AND expiresAt > :now', {
      ':pending': 'pending',
      ':now': now,
    });
  }

  private async transition(
    upload: UploadRecord,
    patch: Partial<UploadRecord>,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<UploadRecord> {
    const names: Record<string, string> = { '#status': 'status' };
    const sets = Object.entries(patch).map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: pk(upload.id), sk: UPLOAD_SK },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<UploadRecord>(res.Attributes)!;
    } catch (err) {
      if (isConditionFailure(err)) throw new UploadStateError(await this.getUpload(upload.tenantId, upload.id));
      throw err;
    }
  }
}
