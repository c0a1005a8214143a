// Local webhook delivery: the queue stand-in (local/webhook-queue.ts) started, bound to the real
// fan-out and delivery handlers, and subscribed to the tracker's events. Under npm start, http:// and
// loopback receivers are allowed (FINOPS_WEBHOOK_ALLOW_LOCAL_RECEIVERS, unless set to false);
// private and link-local addresses never are.
import { LocalWebhookQueue } from './webhook-queue';
import type { LocalStepFunctions } from './step-functions';
import { WEBHOOK_QUEUE_URL_VARIABLE } from '#contracts/webhook-names';
import { DELIVERY_VISIBILITY_TIMEOUT_SECONDS } from '#lib/webhooks/webhook-delivery';

export type { LocalWebhookQueue };

export async function startLocalWebhooks(options: {
  dataDir: string;
  stepFunctions: LocalStepFunctions;
  msPerSecond: number;
  retryMs: number;
}): Promise<LocalWebhookQueue> {
  const { deliverWebhooks } = await import('#lambda/handlers/webhooks-deliver');
  const { fanOutBatchEvent } = await import('#lambda/handlers/webhooks-fan-out');
  const queue = new LocalWebhookQueue({
    dataDir: options.dataDir,
    msPerSecond: options.msPerSecond,
    visibilityTimeoutSeconds: DELIVERY_VISIBILITY_TIMEOUT_SECONDS,
  });
  await queue.start(deliverWebhooks);
  process.env.AWS_ENDPOINT_URL_SQS = queue.endpoint;
  process.env[WEBHOOK_QUEUE_URL_VARIABLE] = queue.queueUrl;
  process.env.FINOPS_WEBHOOK_ALLOW_LOCAL_RECEIVERS ??= 'true';
  queue.subscribe(options.stepFunctions, (event) => fanOutBatchEvent(event as never), options.retryMs);
  return queue;
}
