// SQS event source of the webhook delivery queue: one attempt per message. A failed attempt makes the
// message invisible for the next step of the retry schedule (RETRY_SCHEDULE_SECONDS) and is reported
// as a batch item failure; after MAX_DELIVERY_ATTEMPTS the queue's redrive policy moves it to the
// dead-letter queue. Retries are the queue's, never a loop in this function.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '#lambda/runtime';
import { nowSeconds } from '#lambda/time';
import { deliverMessage, type DeliveryOutcome } from '#lambda/webhooks/deliver';
import type { DeliveryMessage } from '#lambda/webhooks/fan-out';
import { MAX_DELIVERY_ATTEMPTS, RETRY_SCHEDULE_SECONDS } from '#contracts/webhook-names';
import { webhookQueue } from '#lambda/webhooks/store';

async function attempt(record: SQSRecord): Promise<DeliveryOutcome> {
  const attemptNumber = Number(record.attributes.ApproximateReceiveCount) || 1;
  let outcome: DeliveryOutcome;
  try {
    outcome = await deliverMessage(JSON.parse(record.body) as DeliveryMessage, attemptNumber, nowSeconds());
  } catch (err) {
    logger.error('Webhook delivery attempt failed inside the gateway', {
      messageId: record.messageId,
      attempt: attemptNumber,
      error: (err as Error).message,
    });
    outcome = 'retry';
  }
  if (outcome === 'retry' && attemptNumber < MAX_DELIVERY_ATTEMPTS) {
    const { sqs, queueUrl } = webhookQueue();
    const delay = RETRY_SCHEDULE_SECONDS[Math.min(attemptNumber, RETRY_SCHEDULE_SECONDS.length) - 1];
    await sqs
      .send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: delay }))
      .catch((err) => logger.warn('Could not set the retry delay; the queue default applies', { error: (err as Error).message }));
  } else if (outcome === 'retry') {
    logger.error('Webhook delivery failed on its last attempt; the message goes to the dead-letter queue', {
      messageId: record.messageId,
      attempt: attemptNumber,
    });
  }
  return outcome;
}

export async function deliverWebhooks(event: SQSEvent): Promise<SQSBatchResponse> {
  const outcomes = await Promise.all(event.Records.map(async (record) => ({ record, outcome: await attempt(record) })));
  return { batchItemFailures: outcomes.filter((o) => o.outcome === 'retry').map((o) => ({ itemIdentifier: o.record.messageId })) };
}

export const handler = middy(deliverWebhooks).use(injectLambdaContext(logger, { resetKeys: true }));
