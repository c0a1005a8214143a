// Webhook endpoints: what a tenant registered, as stored and as shown. Items in the gateway's table,
// one partition per tenant (a Query lists them, never a Scan):
//   pk = WEBHOOKS#<tenantId>   sk = <whk id>
// Secrets are stored only envelope-encrypted (lambda/webhooks/secrets.ts).
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Envelope } from '#lambda/auth/envelope';
import { setClauses } from '#lambda/store/metadata';

export const BATCH_EVENT_TYPES = ['batch.completed', 'batch.failed', 'batch.expired', 'batch.cancelled'] as const;
export type BatchEventType = (typeof BATCH_EVENT_TYPES)[number];

export interface SealedSecret extends Envelope {
  createdAt: number;
  /** A replaced secret still signs until then (rotation overlap); absent for the current one. */
  retiresAt?: number;
}

export interface WebhookEndpointRecord {
  id: string;
  tenantId: string;
  url: string;
  events: BatchEventType[];
  description: string | null;
  createdAt: number;
  status: 'enabled' | 'disabled';
  /** Since when every delivery has failed (null while deliveries succeed). */
  failingSince: number | null;
  disabledAt: number | null;
  disabledReason: string | null;
  /** Newest first. */
  secrets: SealedSecret[];
}

/** The OpenAI-style object a client sees (never a secret, except `secret` once on create and rotate). */
export function toWebhookObject(endpoint: WebhookEndpointRecord, secret?: string) {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint' as const,
    url: endpoint.url,
    events: endpoint.events,
    description: endpoint.description,
    status: endpoint.status,
    disabled_reason: endpoint.disabledReason,
    created_at: endpoint.createdAt,
    ...(secret ? { secret } : {}),
  };
}

const key = (tenantId: string, id: string) => ({ pk: `WEBHOOKS#${tenantId}`, sk: id });

export class WebhookEndpointStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(endpoint: WebhookEndpointRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...key(endpoint.tenantId, endpoint.id), ...endpoint },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpointRecord | null> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: key(tenantId, id), ConsistentRead: true }));
    return res.Item ? strip(res.Item) : null;
  }

  async list(tenantId: string): Promise<WebhookEndpointRecord[]> {
    const out: WebhookEndpointRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `WEBHOOKS#${tenantId}` },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of res.Items ?? []) out.push(strip(item));
      start = res.LastEvaluatedKey;
    } while (start);
    return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** Deletes an endpoint; false when there was none. */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const res = await this.db.send(new DeleteCommand({ TableName: this.table, Key: key(tenantId, id), ReturnValues: 'ALL_OLD' }));
    return Boolean(res.Attributes);
  }

  /** Updates fields of an endpoint that still exists; null when it was deleted meanwhile. */
  async update(tenantId: string, id: string, patch: Partial<WebhookEndpointRecord>): Promise<WebhookEndpointRecord | null> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = setClauses(patch, names, values);
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(tenantId, id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip(res.Attributes!);
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return null;
      throw err;
    }
  }
}

function strip(item: Record<string, unknown>): WebhookEndpointRecord {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as WebhookEndpointRecord;
}
