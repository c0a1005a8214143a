// The webhook endpoint store and delivery queue beside the shared services (rebuilt with them).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { getServices } from '#lambda/runtime';
import { WebhookEndpointStore } from './endpoints';
import { WEBHOOK_QUEUE_URL_VARIABLE } from '#contracts/webhook-names';
import { traced } from '#lambda/tracer';

let cached: { for: ReturnType<typeof getServices>; store: WebhookEndpointStore; sqs: SQSClient } | undefined;

function build() {
  const services = getServices();
  if (cached?.for !== services) {
    const db = DynamoDBDocumentClient.from(traced(new DynamoDBClient({ region: services.config.region })), {
      marshallOptions: { removeUndefinedValues: true },
    });
    cached = {
      for: services,
      store: new WebhookEndpointStore(db, services.config.tableName),
      sqs: traced(new SQSClient({ region: services.config.region })),
    };
  }
  return cached;
}

export const webhookEndpoints = (): WebhookEndpointStore => build().store;
export const webhookQueue = (): { sqs: SQSClient; queueUrl: string } => {
  const queueUrl = process.env[WEBHOOK_QUEUE_URL_VARIABLE];
  if (!queueUrl) throw new Error(`${WEBHOOK_QUEUE_URL_VARIABLE} is not set: the webhook delivery queue is unknown.`);
  return { sqs: build().sqs, queueUrl };
};
