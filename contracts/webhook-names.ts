// Names the webhook runtime code and the stack (lib/webhooks/webhook-delivery.ts) must agree on. Plain data.

/** KMS key whose data keys encrypt the endpoints' whsec_ secrets (deployed). */
export const WEBHOOK_KMS_KEY_VARIABLE = 'FINOPS_WEBHOOK_KMS_KEY_ARN';
/** The delivery queue the fan-out sends one message per endpoint and event to. */
export const WEBHOOK_QUEUE_URL_VARIABLE = 'FINOPS_WEBHOOK_QUEUE_URL';
/** The `purpose` of every webhook secret's encryption context; the IAM grants require it. */
export const WEBHOOK_CONTEXT_PURPOSE = 'finops-webhook-secret';

/**
 * Seconds a message stays invisible after delivery attempt n (1-based) failed, before attempt n + 1.
 * Attempts at 0, 1 min, 6 min, 36 min, 1.6 h, 3.6 h, 7.6 h, 15.6 h, 27.6 h and 39.6 h: ten attempts over
 * more than 24 hours (each visibility at most SQS's 12 h). After the last, the queue moves the
 * message to its dead-letter queue.
 */
export const RETRY_SCHEDULE_SECONDS = [60, 300, 1800, 3600, 7200, 14_400, 28_800, 43_200, 43_200] as const;
export const MAX_DELIVERY_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length + 1;
