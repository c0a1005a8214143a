// One delivery attempt of a queued event to its endpoint, and what it means for the endpoint: a
// success clears its failure streak; a failure starts or continues it, and an endpoint that has
// failed for FINOPS_WEBHOOK_DISABLE_AFTER_SECONDS (3 days) without one success is disabled and
// reported (an ERROR log line and the WebhookEndpointsDisabled metric). Retrying is the queue's job.
import { logger } from '#lambda/runtime';
import { emitMetrics } from '#lambda/finops/metrics';
import { FINOPS_METRIC_NAMESPACE } from '#contracts/metric-names';
import { MAX_DELIVERY_ATTEMPTS } from '#contracts/webhook-names';
import type { WebhookEndpointRecord } from './endpoints';
import type { DeliveryMessage } from './fan-out';
import { postWebhook, type AttemptResult } from './http-post';
import { openSecret } from './secrets';
import { signedHeaders } from './signing';
import { webhookEndpoints } from './store';
import { urlPolicyFromEnv, type Resolver } from './url-policy';

export type DeliveryOutcome = 'delivered' | 'dropped' | 'retry';

export const DEFAULT_DISABLE_AFTER_SECONDS = 3 * 24 * 3600;

function positiveNumber(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** The secrets that sign now: the current one and any replaced one still in its rotation overlap. */
async function signingSecrets(endpoint: WebhookEndpointRecord, now: number): Promise<string[]> {
  const live = endpoint.secrets.filter((s) => s.retiresAt === undefined || s.retiresAt > now);
  return Promise.all(live.map((s) => openSecret(s, endpoint.id, endpoint.tenantId)));
}

export async function deliverMessage(message: DeliveryMessage, attempt: number, now: number, resolve?: Resolver): Promise<DeliveryOutcome> {
  const store = webhookEndpoints();
  const log = {
    endpointId: message.endpointId,
    eventId: message.event.id,
    type: message.event.type,
    batchId: message.event.data.id,
    attempt,
  };
  const endpoint = await store.get(message.tenantId, message.endpointId);
  if (!endpoint || endpoint.status !== 'enabled') {
    logger.info('Webhook not delivered: the endpoint was deleted or disabled', { ...log, status: endpoint?.status ?? 'deleted' });
    return 'dropped';
  }
  const body = JSON.stringify(message.event);
  const headers = signedHeaders(await signingSecrets(endpoint, now), message.event.id, now, body);
  const env = process.env;
  const result = await postWebhook(endpoint.url, headers, body, {
    policy: urlPolicyFromEnv(env),
    timeoutMs: positiveNumber(env.FINOPS_WEBHOOK_TIMEOUT_MS, 10_000),
    resolve,
  });
  logger.info('Webhook delivery attempt', {
    ...log,
    ok: result.ok,
    httpStatus: result.status,
    error: result.error,
    durationMs: result.durationMs,
    lastAttempt: attempt >= MAX_DELIVERY_ATTEMPTS,
  });
  return recordOutcome(endpoint, result, now, positiveNumber(env.FINOPS_WEBHOOK_DISABLE_AFTER_SECONDS, DEFAULT_DISABLE_AFTER_SECONDS));
}

async function recordOutcome(
  endpoint: WebhookEndpointRecord,
  result: AttemptResult,
  now: number,
  disableAfterSeconds: number,
): Promise<DeliveryOutcome> {
  const store = webhookEndpoints();
  if (result.ok) {
    if (endpoint.failingSince !== null) await store.update(endpoint.tenantId, endpoint.id, { failingSince: null });
    return 'delivered';
  }
  const failingSince = endpoint.failingSince ?? now;
  if (now - failingSince >= disableAfterSeconds) {
    const reason = `Every delivery failed from ${new Date(failingSince * 1000).toISOString()} to ${new Date(now * 1000).toISOString()} (last: ${result.error ?? 'no answer'}).`;
    await store.update(endpoint.tenantId, endpoint.id, { status: 'disabled', disabledAt: now, disabledReason: reason });
    logger.error('Webhook endpoint disabled after failing for too long', {
      endpointId: endpoint.id,
      tenant: endpoint.tenantId,
      url: endpoint.url,
      reason,
    });
    emitMetrics([
      {
        _aws: {
          Timestamp: now * 1000,
          CloudWatchMetrics: [
            { Namespace: FINOPS_METRIC_NAMESPACE, Dimensions: [[]], Metrics: [{ Name: 'WebhookEndpointsDisabled', Unit: 'Count' }] },
          ],
        },
        WebhookEndpointsDisabled: 1,
        endpointId: endpoint.id,
        tenantId: endpoint.tenantId,
        message: 'webhook endpoint disabled',
      },
    ]);
    return 'dropped';
  }
  if (endpoint.failingSince === null) await store.update(endpoint.tenantId, endpoint.id, { failingSince });
  return 'retry';
}
