// From the tracker's terminal event to one queued delivery per matching endpoint. The tracker puts
// `Batch Finished` (detail = the OpenAI batch object) on EventBridge at every terminal state; a rule
// invokes this. The event id is derived from the batch and its outcome, so a repeated invocation
// queues the same event (same webhook-id) again rather than a new one.
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { stableToken } from '#lambda/ids';
import { getServices, logger } from '#lambda/runtime';
import type { OpenAIBatch } from '#contracts/openai-types';
import { toOpenAIBatch } from '#lambda/openai/objects';
import { BATCH_EVENT_TYPES, type BatchEventType } from './endpoints';
import { webhookEndpoints, webhookQueue } from './store';

export interface BatchWebhookEvent {
  id: string;
  object: 'event';
  created_at: number;
  type: BatchEventType;
  data: { id: string };
}

/** One queue message: an event for one endpoint of one tenant. */
export interface DeliveryMessage {
  tenantId: string;
  endpointId: string;
  event: BatchWebhookEvent;
}

const TERMINAL_AT: Record<BatchEventType, keyof OpenAIBatch> = {
  'batch.completed': 'completed_at',
  'batch.failed': 'failed_at',
  'batch.expired': 'expired_at',
  'batch.cancelled': 'cancelled_at',
};

/** The OpenAI event body for a batch in a terminal state; null for any other state. */
export function batchEvent(
  batch: Pick<OpenAIBatch, 'id' | 'status' | 'completed_at' | 'failed_at' | 'expired_at' | 'cancelled_at'>,
  now: number,
): BatchWebhookEvent | null {
  const type = `batch.${batch.status}` as BatchEventType;
  if (!BATCH_EVENT_TYPES.includes(type)) return null;
  const at = batch[TERMINAL_AT[type] as 'completed_at'];
  return {
    id: `evt_${stableToken(24, 'batch-webhook', batch.id, type)}`,
    object: 'event',
    created_at: typeof at === 'number' ? at : now,
    type,
    data: { id: batch.id },
  };
}

/** Queues the batch's event for every enabled endpoint of its tenant that wants it; returns how many. */
export async function fanOut(detail: Pick<OpenAIBatch, 'id'>, now: number): Promise<number> {
  const batch = typeof detail?.id === 'string' ? await getServices().metadata.getBatchById(detail.id) : null;
  if (!batch) {
    logger.warn('Terminal event for a batch that is not in the table; no webhook', { batchId: detail?.id });
    return 0;
  }
  // The event is built from the batch as recorded, never from the event's detail: anyone in the
  // account may put an event with this source on the default bus.
  const event = batchEvent(toOpenAIBatch(batch), now);
  if (!event) {
    logger.warn('Batch event for a batch that has not ended; no webhook', { batchId: batch.id, status: batch.status });
    return 0;
  }
  const endpoints = (await webhookEndpoints().list(batch.tenantId)).filter((e) => e.status === 'enabled' && e.events.includes(event.type));
  const { sqs, queueUrl } = webhookQueue();
  for (let i = 0; i < endpoints.length; i += 10) {
    const chunk = endpoints.slice(i, i + 10);
    const res = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((e, j) => ({
          Id: String(j),
          MessageBody: JSON.stringify({ tenantId: batch.tenantId, endpointId: e.id, event } satisfies DeliveryMessage),
        })),
      }),
    );
    // A partial failure fails the invocation; EventBridge retries it, and endpoints already queued get the same event id again.
    if (res.Failed?.length)
      throw new Error(`Could not queue ${res.Failed.length} webhook deliveries: ${res.Failed.map((f) => f.Code).join(', ')}`);
  }
  logger.info('Webhook deliveries queued', { batchId: batch.id, eventId: event.id, type: event.type, endpoints: endpoints.length });
  return endpoints.length;
}
