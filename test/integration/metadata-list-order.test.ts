// The owner's list is newest first even among items created in the same second (created_at has
// one-second resolution and ids are random), and cursors keep their place across that change.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchRecord } from '#contracts/records';
import { MetadataStore } from '#lambda/store/metadata';
import { startDynamoDB, type RunningStandIn } from '#local/stand-ins';

const TABLE = 'list-order';
const SECOND = 1_800_000_000;
let dir: string;
let dynamo: RunningStandIn;
let client: DynamoDBClient;
let store: MetadataStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'list-order-'));
  dynamo = await startDynamoDB(dir, TABLE);
  client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  store = new MetadataStore(client, TABLE);
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
  rmSync(dir, { recursive: true, force: true });
});

const batch = (id: string, tenantId: string): BatchRecord => ({ id, tenantId, createdAt: SECOND }) as unknown as BatchRecord;
const ids = (items: { id: string }[]) => items.map((i) => i.id);
const pause = () => new Promise((resolve) => setTimeout(resolve, 3));

test('batches created in the same second list newest first, whatever their ids', async () => {
  // Ids chosen so that id order is the reverse of creation order.
  for (const id of ['batch_c', 'batch_b', 'batch_a']) {
    await store.putBatch(batch(id, 'tenant_same_second'));
    await pause();
  }
  const page = await store.listBatches('tenant_same_second', { limit: 10 });
  expect(ids(page.items)).toEqual(['batch_a', 'batch_b', 'batch_c']);
  const asc = await store.listBatches('tenant_same_second', { limit: 10, order: 'asc' });
  expect(ids(asc.items)).toEqual(['batch_c', 'batch_b', 'batch_a']);
});

test('a cursor in the same second goes on from its own place, also once that item is deleted', async () => {
  for (const id of ['batch_z3', 'batch_z2', 'batch_z1', 'batch_z0']) {
    await store.putBatch(batch(id, 'tenant_cursor'));
    await pause();
  }
  const first = await store.listBatches('tenant_cursor', { limit: 2 });
  expect(ids(first.items)).toEqual(['batch_z0', 'batch_z1']);
  expect(first.hasMore).toBe(true);
  await store.deleteBatch(batch('batch_z1', 'tenant_cursor'));
  const next = await store.listBatches('tenant_cursor', { limit: 2, after: 'batch_z1' });
  expect(ids(next.items)).toEqual(['batch_z2', 'batch_z3']);
  expect(next.hasMore).toBe(false);
});

test('items stored before the millisecond was part of the sort key still list and page in place', async () => {
  const doc = DynamoDBDocumentClient.from(client);
  const legacy = (id: string, createdAt: number) => ({
    pk: `BATCH#${id}`,
    sk: 'BATCH',
    gsi1pk: 'tenant_legacy#BATCH',
    gsi1sk: `${String(createdAt).padStart(12, '0')}#${id}`,
    id,
    tenantId: 'tenant_legacy',
    createdAt,
  });
  await doc.send(new PutCommand({ TableName: TABLE, Item: legacy('batch_old_earlier', SECOND - 5) }));
  await doc.send(new PutCommand({ TableName: TABLE, Item: legacy('batch_old_same', SECOND) }));
  await store.putBatch(batch('batch_new_same', 'tenant_legacy'));
  const all = await store.listBatches('tenant_legacy', { limit: 10 });
  expect(ids(all.items)).toEqual(['batch_new_same', 'batch_old_same', 'batch_old_earlier']);
  const after = await store.listBatches('tenant_legacy', { limit: 10, after: 'batch_old_same' });
  expect(ids(after.items)).toEqual(['batch_old_earlier']);
  await store.deleteBatch(batch('batch_old_same', 'tenant_legacy'));
  const afterDeleted = await store.listBatches('tenant_legacy', { limit: 10, after: 'batch_old_same' });
  expect(ids(afterDeleted.items)).toEqual(['batch_old_earlier']);
});
