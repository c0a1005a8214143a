// File, batch and key metadata in one DynamoDB table (lib-dynamodb).
//   pk = FILE#<id> | BATCH#<id> | KEY#<sha256>      sk = the kind
//   GSI byOwner: gsi1pk = <tenant>#FILE | <tenant>#BATCH | KEYS, gsi1sk = <created_at>.<written at, ms>#<id> (zero-padded)
// Listing a tenant's files or batches newest first is a Query on byOwner, never a Scan; the `after`
// cursor is turned back into the exact ExclusiveStartKey, so pages neither repeat nor skip, even when
// the cursor's item was deleted meanwhile (pk = DELETED#<kind>#<id> keeps its place for a week).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord, BatchRecord, FileRecord } from '#contracts/records';
import { nowSeconds, utcDate } from '#lambda/time';
import { queryPages } from './query-pages';

export type Kind = 'FILE' | 'BATCH' | 'KEY';

const pk = (kind: Kind, id: string) => `${kind}#${id}`;
/**
 * Files that expire are also listed by the UTC day they expire on, so that the expiry sweep finds them
 * with one Query a day instead of reading every file:
 *   pk = EXPIRES#<yyyy-mm-dd>   sk = <expires_at, zero-padded>#<file id>
 */
export interface ExpiryEntry {
  day: string;
  fileId: string;
  expiresAt: number;
}
const expiryPartition = (day: string) => `EXPIRES#${day}`;
const expiryEntryKey = (day: string, expiresAt: number, fileId: string) => ({
  pk: expiryPartition(day),
  sk: `${String(expiresAt).padStart(12, '0')}#${fileId}`,
});
const expiryEntryItem = (file: FileRecord) => ({
  ...expiryEntryKey(utcDate(file.expiresAt!), file.expiresAt!, file.id),
  fileId: file.id,
  tenantId: file.tenantId,
  expiresAt: file.expiresAt,
});
const EXPIRY_SWEEP_KEY = { pk: 'EXPIRY_SWEEP', sk: 'EXPIRY_SWEEP' };
export const isExpired = (file: Pick<FileRecord, 'expiresAt'>, now: number) =>
  file.expiresAt !== null && file.expiresAt !== undefined && file.expiresAt <= now;
/** Deleted by its owner, kept only for an unfinished batch that still reads it: gone as far as the owner can tell. */
const isHidden = (file: Pick<FileRecord, 'expiresAt' | 'deletedAt'>, now: number) => isExpired(file, now) || Boolean(file.deletedAt);

/** Where a deleted item stood in its owner's list, kept a while for list cursors (see MetadataStore.delete). */
const deletedKey = (kind: Kind, id: string) => ({ pk: `DELETED#${kind}#${id}`, sk: 'DELETED' });
const DELETED_CURSOR_SECONDS = 7 * 24 * 3600;
/** What places an item in its owner's list. */
type ListedItem = Pick<FileRecord, 'id' | 'tenantId' | 'createdAt'>;
/** The primary key of an item; also used by the conditional writes kept beside their logic (file-registrations.ts). */
export const itemKey = (kind: Kind, id: string) => ({ pk: pk(kind, id), sk: kind });
const ownerKey = (tenantId: string, kind: Kind) => `${tenantId}#${kind}`;
/**
 * Where an item stands in its owner's list: its created_at second, then the millisecond it was written,
 * so that two batches created in the same second still list newest first (ids are random, so they
 * cannot break the tie). Items written before the millisecond was added (`<second>#<id>`) sort before
 * newer ones of the same second ('#' < '.'), and their cursors are kept as they were stored.
 */
const sortKey = (createdAt: number, id: string, writtenAtMs?: number) =>
  `${String(createdAt).padStart(12, '0')}${writtenAtMs === undefined ? '' : `.${String(writtenAtMs).padStart(13, '0')}`}#${id}`;
const KEY_FIELDS = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;

export interface ListOptions {
  limit: number;
  after?: string;
  /** Only items whose attribute equals the value (e.g. { provider: 'gemini' }). */
  where?: Record<string, string>;
  order?: 'asc' | 'desc';
}

export interface ListResult<T> {
  items: T[];
  hasMore: boolean;
}

/** A conditional write lost a race (another request changed the item first). */
export class WriteConflictError extends Error {
  override readonly name = 'WriteConflict';
}

/**
 * `#f0 = :v0`, … for the defined fields of `patch` (for an UpdateExpression's SET), adding their
 * placeholders to `names` and `values`. Placeholders keep any field name (even a reserved word) safe.
 */
export function setClauses(patch: object, names: Record<string, string>, values: Record<string, unknown>): string[] {
  return Object.entries(patch)
    .filter(([, value]) => value !== undefined)
    .map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
}

function strip<T>(item: Record<string, unknown> | undefined): T | null {
  if (!item) return null;
  const copy = { ...item };
  for (const field of KEY_FIELDS) delete copy[field];
  delete copy.ttl;
  return copy as T;
}

export class MetadataStore {
  private readonly db: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } });
  }

  // ---- files ----
  async putFile(file: FileRecord): Promise<void> {
    // The expiry entry first: a file is never stored without the entry that will remove it.
    if (file.expiresAt !== null) await this.db.send(new PutCommand({ TableName: this.table, Item: expiryEntryItem(file) }));
    await this.put('FILE', file.id, file.tenantId, file.createdAt, file, true);
  }

  /**
   * The file if it exists, belongs to the tenant and has not expired; another tenant's file, and one
   * past its expires_at (which the expiry sweep removes soon after), are indistinguishable from none.
   */
  async getFile(tenantId: string, id: string, now = nowSeconds()): Promise<FileRecord | null> {
    const file = await this.get<FileRecord>('FILE', id);
    return file && file.tenantId === tenantId && !isHidden(file, now) ? file : null;
  }

  /** Expiry entries of one UTC day (yyyy-mm-dd) whose time has come by `now`, soonest first. */
  async dueExpiries(day: string, now: number): Promise<ExpiryEntry[]> {
    const out: ExpiryEntry[] = [];
    const query = {
      TableName: this.table,
      KeyConditionExpression: 'pk = :day AND sk <= :due',
      ExpressionAttributeValues: { ':day': expiryPartition(day), ':due': `${String(now).padStart(12, '0')}#~` },
    };
    for await (const item of queryPages(this.db, query)) out.push({ day, fileId: String(item.fileId), expiresAt: Number(item.expiresAt) });
    return out;
  }

  async forgetExpiry(entry: ExpiryEntry): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: expiryEntryKey(entry.day, entry.expiresAt, entry.fileId) }));
  }

  /** The first UTC day the expiry sweep has not finished (null before its first run). */
  async expirySweepFrom(): Promise<string | null> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: EXPIRY_SWEEP_KEY, ConsistentRead: true }));
    return typeof res.Item?.nextDay === 'string' ? res.Item.nextDay : null;
  }

  async setExpirySweepFrom(day: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...EXPIRY_SWEEP_KEY, nextDay: day } }));
  }

  async updateFile(id: string, patch: Partial<FileRecord>): Promise<FileRecord> {
    return this.update<FileRecord>('FILE', id, patch);
  }

  async deleteFile(file: ListedItem): Promise<void> {
    await this.delete('FILE', file);
  }

  /** A tenant's files, expired ones left out (as getFile leaves them out). */
  listFiles(tenantId: string, options: ListOptions, now = nowSeconds()): Promise<ListResult<FileRecord>> {
    return this.list<FileRecord>('FILE', tenantId, options, (file) => !isHidden(file, now));
  }

  // ---- batches ----
  async putBatch(batch: BatchRecord): Promise<void> {
    await this.put('BATCH', batch.id, batch.tenantId, batch.createdAt, batch, true);
  }

  async getBatch(tenantId: string, id: string): Promise<BatchRecord | null> {
    const batch = await this.get<BatchRecord>('BATCH', id);
    return batch && batch.tenantId === tenantId ? batch : null;
  }

  /** For the tracker, which acts for whoever owns the batch. */
  getBatchById(id: string): Promise<BatchRecord | null> {
    return this.get<BatchRecord>('BATCH', id);
  }

  getFileById(id: string): Promise<FileRecord | null> {
    return this.get<FileRecord>('FILE', id);
  }

  /**
   * Updates a batch. With `unlessStatusIn`, the write only happens while the stored status is none of
   * those (e.g. never overwrite a terminal status); otherwise WriteConflictError.
   */
  updateBatch(id: string, patch: Partial<BatchRecord>, unlessStatusIn?: readonly string[]): Promise<BatchRecord> {
    return this.update<BatchRecord>('BATCH', id, patch, unlessStatusIn);
  }

  async deleteBatch(batch: ListedItem): Promise<void> {
    await this.delete('BATCH', batch);
  }

  listBatches(tenantId: string, options: ListOptions): Promise<ListResult<BatchRecord>> {
    return this.list<BatchRecord>('BATCH', tenantId, options);
  }

  // ---- batches in flight at a provider (lambda/tracker/in-flight.ts) ----
  /**
   * Takes a place for the batch in a pool of at most `cap` (pk = INFLIGHT#<pool>, a string set of batch
   * ids). Idempotent: a batch already in the pool keeps its place. False when the pool is full.
   */
  async takeSlot(pool: string, batchId: string, cap: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `INFLIGHT#${pool}`, sk: 'INFLIGHT' },
          UpdateExpression: 'ADD #b :id',
          ConditionExpression: 'attribute_not_exists(#b) OR size(#b) < :cap OR contains(#b, :one)',
          ExpressionAttributeNames: { '#b': 'batches' },
          ExpressionAttributeValues: { ':id': new Set([batchId]), ':cap': cap, ':one': batchId },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** Gives a batch's place back (idempotent). */
  async releaseSlot(pool: string, batchId: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `INFLIGHT#${pool}`, sk: 'INFLIGHT' },
        UpdateExpression: 'DELETE #b :id',
        ExpressionAttributeNames: { '#b': 'batches' },
        ExpressionAttributeValues: { ':id': new Set([batchId]) },
      }),
    );
  }

  // ---- gateway keys ----
  async putKey(key: ApiKeyRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: pk('KEY', key.keyHash), sk: 'KEY', gsi1pk: 'KEYS', gsi1sk: sortKey(key.createdAt, key.keyId, Date.now()), ...key },
      }),
    );
  }

  getKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    return this.get<ApiKeyRecord>('KEY', keyHash);
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    const out: ApiKeyRecord[] = [];
    const query = {
      TableName: this.table,
      IndexName: 'byOwner',
      KeyConditionExpression: 'gsi1pk = :k',
      ExpressionAttributeValues: { ':k': 'KEYS' },
    };
    for await (const item of queryPages(this.db, query)) out.push(strip<ApiKeyRecord>(item)!);
    return out;
  }

  async updateKey(keyHash: string, patch: Partial<ApiKeyRecord>): Promise<ApiKeyRecord> {
    return this.update<ApiKeyRecord>('KEY', keyHash, patch);
  }

  // ---- generic ----
  private async put(kind: Kind, id: string, tenantId: string, createdAt: number, record: object, mustBeNew: boolean) {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: pk(kind, id), sk: kind, gsi1pk: ownerKey(tenantId, kind), gsi1sk: sortKey(createdAt, id, Date.now()), ...record },
          ConditionExpression: mustBeNew ? 'attribute_not_exists(pk)' : undefined,
        }),
      );
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') throw new WriteConflictError(`${kind} ${id} already exists`);
      throw err;
    }
  }

  private async get<T>(kind: Kind, id: string): Promise<T | null> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: itemKey(kind, id), ConsistentRead: true }));
    return strip<T>(res.Item);
  }

  private async update<T>(kind: Kind, id: string, patch: object, unlessStatusIn?: readonly string[]): Promise<T> {
    const names: Record<string, string> = { '#pk': 'pk' };
    const values: Record<string, unknown> = {};
    const sets = setClauses(patch, names, values);
    let condition = 'attribute_exists(#pk)';
    if (unlessStatusIn?.length) {
      names['#status'] = 'status';
      const placeholders = unlessStatusIn.map((status, i) => {
        values[`:s${i}`] = status;
        return `:s${i}`;
      });
      condition += ` AND NOT #status IN (${placeholders.join(', ')})`;
    }
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: itemKey(kind, id),
          UpdateExpression: sets.length ? `SET ${sets.join(', ')}` : undefined,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<T>(res.Attributes)!;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException')
        throw new WriteConflictError(`${kind} ${id} changed concurrently or does not exist`);
      throw err;
    }
  }

  /**
   * Deletes an item, leaving a short-lived note of where it stood in its owner's list: a client that
   * deletes what it lists (`for f in files.list(): files.delete(f.id)`) asks for the next page after an
   * id that is gone, and the list goes on from there instead of ending early.
   */
  private async delete(kind: Kind, item: ListedItem): Promise<void> {
    const stored = await this.db.send(new GetCommand({ TableName: this.table, Key: itemKey(kind, item.id), ConsistentRead: true }));
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...deletedKey(kind, item.id),
          tenantId: item.tenantId,
          createdAt: item.createdAt,
          listKey: stored.Item?.gsi1sk ?? sortKey(item.createdAt, item.id),
          ttl: nowSeconds() + DELETED_CURSOR_SECONDS,
        },
      }),
    );
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: itemKey(kind, item.id) }));
  }

  /** Where `after` stands in the owner's list: the item, or the note its deletion left. */
  private async cursorOf(kind: Kind, id: string): Promise<{ tenantId: string; listKey: string } | null> {
    const live = await this.db.send(new GetCommand({ TableName: this.table, Key: itemKey(kind, id), ConsistentRead: true }));
    if (live.Item) return { tenantId: String(live.Item.tenantId), listKey: String(live.Item.gsi1sk) };
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: deletedKey(kind, id), ConsistentRead: true }));
    if (!res.Item) return null;
    const listKey = res.Item.listKey ?? sortKey(Number(res.Item.createdAt), id);
    return { tenantId: String(res.Item.tenantId), listKey: String(listKey) };
  }

  private async list<T extends { id: string; createdAt: number }>(
    kind: Kind,
    tenantId: string,
    options: ListOptions,
    keep: (item: T) => boolean = () => true,
  ): Promise<ListResult<T>> {
    let start: Record<string, unknown> | undefined;
    if (options.after) {
      const cursor = await this.cursorOf(kind, options.after);
      if (!cursor || cursor.tenantId !== tenantId) return { items: [], hasMore: false };
      start = { pk: pk(kind, options.after), sk: kind, gsi1pk: ownerKey(tenantId, kind), gsi1sk: cursor.listKey };
    }
    const filters = Object.entries(options.where ?? {});
    const input: QueryCommandInput = {
      TableName: this.table,
      IndexName: 'byOwner',
      KeyConditionExpression: 'gsi1pk = :owner',
      ExpressionAttributeValues: { ':owner': ownerKey(tenantId, kind) },
      ScanIndexForward: options.order === 'asc',
    };
    if (filters.length) {
      input.ExpressionAttributeNames = {};
      input.FilterExpression = filters
        .map(([field, value], i) => {
          input.ExpressionAttributeNames![`#w${i}`] = field;
          input.ExpressionAttributeValues![`:w${i}`] = value;
          return `#w${i} = :w${i}`;
        })
        .join(' AND ');
    }
    // Read one more than asked to know whether there is a next page.
    const wanted = options.limit + 1;
    const items: T[] = [];
    do {
      const page = await this.db.send(new QueryCommand({ ...input, ExclusiveStartKey: start, Limit: Math.max(wanted - items.length, 25) }));
      for (const item of page.Items ?? []) {
        const record = strip<T>(item)!;
        if (items.length < wanted && keep(record)) items.push(record);
      }
      start = page.LastEvaluatedKey;
    } while (start && items.length < wanted);
    return { items: items.slice(0, options.limit), hasMore: items.length > options.limit };
  }
}
