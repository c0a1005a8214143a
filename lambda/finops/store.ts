// FinOps items in the gateway's one DynamoDB table (lib-dynamodb): the daily usage aggregates
// (lambda/finops/usage-rows.ts) and the per-batch markers that make applying a batch idempotent.
//
// Without transactions (dynalite has none, and a batch touches several items), exactly-once is built
// from conditional writes on a marker item per batch:
//   pk = USAGE_APPLIED#<batchId>   sk = USAGE_APPLIED
// 1. Take a short lease on the marker (condition: no marker yet, or an unfinished one whose lease ran
//    out). The first taker also fixes the day the usage is booked on.
// 2. For each row not yet listed in the marker's `doneRows`: ADD to the aggregate item, then add the
//    row to `doneRows` (condition: we still hold the lease).
// 3. Mark the marker complete. A batch finalized again finds it complete and adds nothing.
// A retry after an error resumes with the rows still missing. Only a crash between an aggregate ADD
// and its `doneRows` write can count that one row twice.
//
// Budget reservations: batches.create holds back a batch's estimated cost on its key's budget for the
// month, so that batches created at the same moment, or still running, cannot together overshoot it:
//   pk = BUDGET#<keyId>   sk = <yyyy-mm>   reservedMicros (atomic ADD, conditional on the room left)
// The reservation is given back as one more step of the batch's exactly-once usage application
// (after its real cost is booked, so the two never both go missing at once).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { getServices } from '#lambda/runtime';
import { queryPages } from '#lambda/store/query-pages';
import type { ApiKeyRecord, BudgetReservation } from '#contracts/records';
import { CHAT_ENDPOINT, COUNTER_FIELDS, usagePartitionKey, usageSortKey, type UsageDelta, type UsageRow } from './usage-rows';
import { traced } from '#lambda/tracer';

export const markerKey = (batchId: string) => ({ pk: `USAGE_APPLIED#${batchId}`, sk: 'USAGE_APPLIED' });
export const reservationKey = (keyId: string, month: string) => ({ pk: `BUDGET#${keyId}`, sk: month });
/** The marker's `doneRows` entry for giving back the batch's budget reservation. */
const RELEASE_STEP = 'budget-reservation-released';

/** How long one collector may hold a batch's marker before another may take over. */
export const LEASE_SECONDS = 60;
/** Markers expire (table TTL) long after any retry could come. */
const MARKER_TTL_SECONDS = 400 * 24 * 3600;

/** Another invocation is applying this batch's usage right now; retrying later is safe. */
export class UsageAccountingBusyError extends Error {
  override readonly name = 'UsageAccountingBusy';
}

const isConditionFailure = (err: unknown) => (err as Error)?.name === 'ConditionalCheckFailedException';

export class FinOpsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Adds a finished batch's usage to the daily aggregates, once. Returns 'applied' when this call
   * added it, 'already_applied' when an earlier call did.
   */
  async applyBatchUsage(input: {
    batchId: string;
    tenantId: string;
    date: string;
    deltas: UsageDelta[];
    nowSeconds: number;
    /** Given back after the deltas are booked, in the same exactly-once protocol. */
    reservation?: BudgetReservation | null;
  }): Promise<'applied' | 'already_applied'> {
    const owner = randomUUID();
    const marker = markerKey(input.batchId);
    let lease: Record<string, unknown>;
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: marker,
          UpdateExpression:
            'SET leaseOwner = :me, leaseUntil = :until, tenantId = :tenant, #date = if_not_exists(#date, :date), #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(pk) OR (attribute_not_exists(completedAt) AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#date': 'date', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':me': owner,
            ':until': input.nowSeconds + LEASE_SECONDS,
            ':tenant': input.tenantId,
            ':date': input.date,
            ':ttl': input.nowSeconds + MARKER_TTL_SECONDS,
            ':now': input.nowSeconds,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      lease = res.Attributes ?? {};
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const existing = await this.db.send(new GetCommand({ TableName: this.table, Key: marker, ConsistentRead: true }));
      if (existing.Item?.completedAt !== undefined) return 'already_applied';
      throw new UsageAccountingBusyError(`Usage of batch ${input.batchId} is being recorded by another invocation`);
    }

    // A resumed batch books on the day the first attempt chose, so a retry after midnight adds to the same item.
    const date = typeof lease.date === 'string' ? lease.date : input.date;
    const done = new Set<string>(lease.doneRows instanceof Set ? [...(lease.doneRows as Set<string>)] : []);
    for (const delta of input.deltas) {
      if (done.has(delta.rowId)) continue;
      await this.addToAggregate(input.tenantId, date, delta);
      await this.updateMarker(marker, owner, 'ADD doneRows :row', { ':row': new Set([delta.rowId]) }, input.batchId);
    }
    if (input.reservation && !done.has(RELEASE_STEP)) {
      await this.releaseReservation(input.reservation);
      await this.updateMarker(marker, owner, 'ADD doneRows :row', { ':row': new Set([RELEASE_STEP]) }, input.batchId);
    }
    await this.updateMarker(
      marker,
      owner,
      'SET completedAt = :at REMOVE leaseOwner, leaseUntil',
      { ':at': input.nowSeconds },
      input.batchId,
    );
    return 'applied';
  }

  private async updateMarker(
    key: Record<string, string>,
    owner: string,
    expression: string,
    values: Record<string, unknown>,
    batchId: string,
  ): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: expression,
          ConditionExpression: 'leaseOwner = :me',
          ExpressionAttributeValues: { ...values, ':me': owner },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new UsageAccountingBusyError(`Lost the usage lease of batch ${batchId} to another invocation`);
      throw err;
    }
  }

  private async addToAggregate(tenantId: string, date: string, delta: UsageDelta): Promise<void> {
    const { provider, model, keyId, endpoint } = delta.row;
    const names: Record<string, string> = {
      '#tenantId': 'tenantId',
      '#date': 'date',
      '#provider': 'provider',
      '#model': 'model',
      '#keyId': 'keyId',
      '#endpoint': 'endpoint',
    };
    const values: Record<string, unknown> = {
      ':tenantId': tenantId,
      ':date': date,
      ':provider': provider,
      ':model': model,
      ':keyId': keyId,
      ':endpoint': endpoint ?? CHAT_ENDPOINT,
    };
    const adds: string[] = [];
    COUNTER_FIELDS.forEach((field, i) => {
      const amount = delta.row[field];
      if (!amount) return;
      names[`#c${i}`] = field;
      values[`:c${i}`] = amount;
      adds.push(`#c${i} :c${i}`);
    });
    const sets = [
      '#tenantId = :tenantId',
      '#date = :date',
      '#provider = :provider',
      '#model = :model',
      '#keyId = :keyId',
      '#endpoint = :endpoint',
    ];
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: usagePartitionKey(tenantId), sk: usageSortKey(date, provider, model, keyId, endpoint) },
        UpdateExpression: `SET ${sets.join(', ')}${adds.length ? ` ADD ${adds.join(', ')}` : ''}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** A tenant's aggregate rows for the days start..end (inclusive, yyyy-mm-dd): one paginated Query. */
  async usageRows(tenantId: string, start: string, end: string, onlyKeyId?: string): Promise<UsageRow[]> {
    const input: QueryCommandInput = {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': usagePartitionKey(tenantId), ':from': start, ':to': `${end}#\uffff` },
    };
    if (onlyKeyId) {
      input.FilterExpression = '#keyId = :keyId';
      input.ExpressionAttributeNames = { '#keyId': 'keyId' };
      input.ExpressionAttributeValues![':keyId'] = onlyKeyId;
    }
    const rows: UsageRow[] = [];
    for await (const item of queryPages(this.db, input)) rows.push(toUsageRow(item));
    return rows;
  }

  /**
   * Reserves `micros` on the key's month, only while what is reserved already stays at or below
   * `maxReservedBefore` (the budget minus what was spent, minus this reservation): one conditional ADD,
   * so of two creates racing for the last of a budget only one gets it. Returns what was reserved
   * before: this call's reservation is made when that is at most `maxReservedBefore`.
   */
  async reserveBudget(
    reservation: BudgetReservation,
    maxReservedBefore: number,
    nowSeconds: number,
  ): Promise<{ reserved: boolean; reservedBeforeMicros: number }> {
    const key = reservationKey(reservation.keyId, reservation.month);
    if (maxReservedBefore >= 0) {
      try {
        const res = await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: key,
            UpdateExpression: 'ADD reservedMicros :micros SET #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(reservedMicros) OR reservedMicros <= :max',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':micros': reservation.micros,
              ':max': maxReservedBefore,
              ':ttl': nowSeconds + MARKER_TTL_SECONDS,
            },
            ReturnValues: 'UPDATED_OLD',
          }),
        );
        return { reserved: true, reservedBeforeMicros: Number(res.Attributes?.reservedMicros ?? 0) };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    }
    return { reserved: false, reservedBeforeMicros: await this.reservedMicros(reservation.keyId, reservation.month) };
  }

  /** Gives a reservation back (a create that failed, or a batch whose cost is now booked). */
  async releaseReservation(reservation: BudgetReservation): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: reservationKey(reservation.keyId, reservation.month),
        UpdateExpression: 'ADD reservedMicros :minus',
        ExpressionAttributeValues: { ':minus': -reservation.micros },
      }),
    );
  }

  /** Micro-dollars reserved by the key's running batches for a UTC month (yyyy-mm). */
  async reservedMicros(keyId: string, month: string): Promise<number> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: reservationKey(keyId, month), ConsistentRead: true }));
    return Number(res.Item?.reservedMicros ?? 0);
  }

  /** Micro-dollars a key spent in a UTC month (yyyy-mm), from the aggregates. */
  async monthSpendMicros(tenantId: string, keyId: string, month: string): Promise<number> {
    const rows = await this.usageRows(tenantId, `${month}-01`, `${month}-31`, keyId);
    return rows.reduce((sum, row) => sum + row.cost_micro_usd, 0);
  }

  /**
   * A gateway key by its public id. Keys are stored under their hash (KEY#<sha256>); the byOwner
   * index lists them under KEYS, so this is one Query on that index, filtered, never a Scan.
   */
  async keyById(keyId: string): Promise<ApiKeyRecord | null> {
    const query = {
      TableName: this.table,
      IndexName: 'byOwner',
      KeyConditionExpression: 'gsi1pk = :keys',
      FilterExpression: 'keyId = :keyId',
      ExpressionAttributeValues: { ':keys': 'KEYS', ':keyId': keyId },
    };
    for await (const item of queryPages(this.db, query)) return item as unknown as ApiKeyRecord;
    return null;
  }
}

function toUsageRow(item: Record<string, unknown>): UsageRow {
  // Rows from before the endpoint was recorded are chat rows (the only endpoint then).
  const row = {
    date: String(item.date),
    provider: item.provider,
    model: String(item.model),
    keyId: String(item.keyId),
    endpoint: typeof item.endpoint === 'string' ? item.endpoint : CHAT_ENDPOINT,
  } as UsageRow;
  for (const field of COUNTER_FIELDS) row[field] = Number(item[field] ?? 0);
  return row;
}

const stores = new WeakMap<object, FinOpsStore>();

/** The store on the runtime's table, rebuilt whenever the runtime's services are (new endpoint, new table). */
export function finopsStore(): FinOpsStore {
  const services = getServices();
  let store = stores.get(services);
  if (!store) {
    const client = traced(new DynamoDBClient({ region: services.config.region }));
    store = new FinOpsStore(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      services.config.tableName,
    );
    stores.set(services, store);
  }
  return store;
}
