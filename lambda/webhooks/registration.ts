// Registering, rotating and removing a tenant's webhook endpoints (the /finops/webhooks routes).
import { randomBytes } from 'node:crypto';
import { badRequest, notFound } from '#lambda/http/errors';
import { BATCH_EVENT_TYPES, toWebhookObject, type BatchEventType, type WebhookEndpointRecord } from './endpoints';
import { dnsResolver } from './http-post';
import { sealSecret } from './secrets';
import { newWebhookSecret } from './signing';
import { webhookEndpoints } from './store';
import { parseWebhookUrl, resolveAllowed, urlPolicyFromEnv, WebhookUrlError, type Resolver } from './url-policy';

export const WEBHOOK_ID_PATTERN = /^whk_[A-Za-z0-9_-]{24}$/;
export const MAX_ENDPOINTS_PER_TENANT = 20;
const MAX_DESCRIPTION = 512;
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600;

export interface EndpointSpec {
  url: string;
  events: BatchEventType[];
  description: string | null;
}

/** The body of POST /finops/webhooks, checked (URL rules included) before anything is stored. */
export async function parseEndpointSpec(body: Record<string, unknown>, resolve: Resolver = dnsResolver): Promise<EndpointSpec> {
  const unknown = Object.keys(body).find((k) => !['url', 'events', 'description'].includes(k));
  if (unknown)
    throw badRequest(
      `Unknown parameter: '${unknown.slice(0, 64)}'. A webhook endpoint takes url, events and description.`,
      unknown.slice(0, 64),
      'unknown_parameter',
    );
  const policy = urlPolicyFromEnv();
  try {
    const { host } = parseWebhookUrl(body.url, policy);
    await resolveAllowed(host, policy, resolve);
  } catch (err) {
    if (err instanceof WebhookUrlError) throw badRequest(err.message, 'url', 'invalid_url');
    throw err;
  }
  let events: BatchEventType[] = [...BATCH_EVENT_TYPES];
  if (body.events !== undefined) {
    if (
      !Array.isArray(body.events) ||
      body.events.length === 0 ||
      body.events.some((e) => !BATCH_EVENT_TYPES.includes(e as BatchEventType))
    ) {
      throw badRequest(`Invalid 'events': expected a non-empty list of ${BATCH_EVENT_TYPES.join(', ')}.`, 'events', 'invalid_events');
    }
    events = [...new Set(body.events as BatchEventType[])];
  }
  if (
    body.description !== undefined &&
    body.description !== null &&
    (typeof body.description !== 'string' || body.description.length > MAX_DESCRIPTION)
  ) {
    throw badRequest(
      `Invalid 'description': expected a string of at most ${MAX_DESCRIPTION} characters.`,
      'description',
      'invalid_description',
    );
  }
  return { url: body.url as string, events, description: (body.description as string | undefined) ?? null };
}

export async function registerEndpoint(tenantId: string, spec: EndpointSpec, now: number) {
  const store = webhookEndpoints();
  if ((await store.list(tenantId)).length >= MAX_ENDPOINTS_PER_TENANT) {
    throw badRequest(
      `A tenant may register at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints; delete one first.`,
      null,
      'too_many_webhooks',
    );
  }
  const id = `whk_${randomBytes(18).toString('base64url')}`;
  const secret = newWebhookSecret();
  const endpoint: WebhookEndpointRecord = {
    id,
    tenantId,
    ...spec,
    createdAt: now,
    status: 'enabled',
    failingSince: null,
    disabledAt: null,
    disabledReason: null,
    secrets: [await sealSecret(secret, id, tenantId, now)],
  };
  await store.put(endpoint);
  return toWebhookObject(endpoint, secret);
}

export function checkWebhookId(id: string): string {
  if (!WEBHOOK_ID_PATTERN.test(id))
    throw badRequest(`Invalid webhook endpoint id ${JSON.stringify(id.slice(0, 80))}.`, 'webhook_id', 'invalid_id');
  return id;
}

const noSuchEndpoint = (id: string) => notFound(`No such webhook endpoint: ${id}`, 'webhook_id');

/**
 * A new secret for the endpoint. The one it replaces goes on signing for the overlap
 * (FINOPS_WEBHOOK_ROTATION_OVERLAP_SECONDS, default 24 h): deliveries carry both signatures, so a
 * receiver can move to the new secret at its own pace.
 */
export async function rotateSecret(tenantId: string, id: string, now: number, overlapSeconds = overlapFromEnv()) {
  const store = webhookEndpoints();
  const endpoint = await store.get(tenantId, checkWebhookId(id));
  if (!endpoint) throw noSuchEndpoint(id);
  const secret = newWebhookSecret();
  const previous = endpoint.secrets
    .filter((s) => s.retiresAt === undefined || s.retiresAt > now)
    .map((s) => ({ ...s, retiresAt: Math.min(s.retiresAt ?? Infinity, now + overlapSeconds) }))
    .slice(0, 2);
  const updated = await store.update(tenantId, id, { secrets: [await sealSecret(secret, id, tenantId, now), ...previous] });
  if (!updated) throw noSuchEndpoint(id);
  return { ...toWebhookObject(updated, secret), previous_secret_expires_at: previous[0]?.retiresAt ?? null };
}

export async function removeEndpoint(tenantId: string, id: string) {
  if (!(await webhookEndpoints().delete(tenantId, checkWebhookId(id)))) throw noSuchEndpoint(id);
  return { id, object: 'webhook_endpoint' as const, deleted: true };
}

export async function listEndpoints(tenantId: string) {
  return { object: 'list' as const, data: (await webhookEndpoints().list(tenantId)).map((e) => toWebhookObject(e)) };
}

function overlapFromEnv(): number {
  const n = Number(process.env.FINOPS_WEBHOOK_ROTATION_OVERLAP_SECONDS);
  return Number.isInteger(n) && n >= 0 ? n : DEFAULT_ROTATION_OVERLAP_SECONDS;
}
