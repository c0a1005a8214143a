// The conditional writes that registering a direct upload needs on its file record (see
// lambda/files/direct-upload.ts): S3 may deliver one event twice at the same moment, so a delivery
// first claims the file, then records the outcome only while its own claim still holds. Same table
// and item layout as MetadataStore, whose key and SET builders it uses.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { itemKey, setClauses, WriteConflictError } from './metadata';
import type { FileRecord } from '#contracts/records';

/** A file record while its direct upload waits to be registered. */
export interface PendingRegistration extends FileRecord {
  /** The extra fields of the request (storage_config, expires_after, …), for the ingestion. */
  directUpload?: { extras: Record<string, unknown> };
  /** When a registration claimed the file (epoch milliseconds, so that each claim is its own); absent while nobody is registering it. */
  registeringSinceMs?: number;
  /** Registrations started so far, including the current one. */
  registerAttempts?: number;
}

export class RegistrationStore {
  private readonly db: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } });
  }

  /** Claims a file still `uploaded` that nobody is registering (or whose registration went stale); null otherwise. */
  async claim(fileId: string, nowMs: number, staleBeforeMs: number): Promise<PendingRegistration | null> {
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: itemKey('FILE', fileId),
          UpdateExpression: 'SET #since = :now, #attempts = if_not_exists(#attempts, :zero) + :one',
          ConditionExpression: '#status = :uploaded AND (attribute_not_exists(#since) OR #since < :stale)',
          ExpressionAttributeNames: { '#since': 'registeringSinceMs', '#attempts': 'registerAttempts', '#status': 'status' },
          ExpressionAttributeValues: { ':now': nowMs, ':zero': 0, ':one': 1, ':uploaded': 'uploaded', ':stale': staleBeforeMs },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return res.Attributes as PendingRegistration;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return null;
      throw err;
    }
  }

  /** Records the outcome of the claim made at `since`, and forgets what registration needed. */
  async finish(fileId: string, since: number, patch: Partial<FileRecord>): Promise<void> {
    const names: Record<string, string> = {
      '#since': 'registeringSinceMs',
      '#attempts': 'registerAttempts',
      '#direct': 'directUpload',
      '#status': 'status',
    };
    const values: Record<string, unknown> = { ':since': since, ':uploaded': 'uploaded' };
    const sets = setClauses(patch, names, values);
    await this.conditional(
      {
        UpdateExpression: `SET ${sets.join(', ')} REMOVE #since, #attempts, #direct`,
        ConditionExpression: '#status = :uploaded AND #since = :since',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
      fileId,
    );
  }

  /** Lets a later delivery of the event try again. */
  async release(fileId: string, since: number): Promise<void> {
    await this.conditional(
      {
        UpdateExpression: 'REMOVE #since',
        ConditionExpression: '#since = :since',
        ExpressionAttributeNames: { '#since': 'registeringSinceMs' },
        ExpressionAttributeValues: { ':since': since },
      },
      fileId,
    );
  }

  private async conditional(
    update: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
    fileId: string,
  ) {
    try {
      await this.db.send(new UpdateCommand({ TableName: this.table, Key: itemKey('FILE', fileId), ...update }));
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException')
        throw new WriteConflictError(`FILE ${fileId} is no longer being registered by this delivery`);
      throw err;
    }
  }
}
