// Standard Webhooks signatures (standardwebhooks.com; the scheme OpenAI signs its webhooks with and
// the OpenAI SDKs verify in client.webhooks.unwrap). Pure.
//   headers:   webhook-id, webhook-timestamp (Unix seconds), webhook-signature
//   signature: "v1," + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)), where the key is the
//              base64 part of the `whsec_…` secret; several space-separated during a secret rotation.
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** A new signing secret: `whsec_` + 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

export function signature(secret: string, id: string, timestamp: number, body: string): string {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('Not a whsec_ secret.');
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The three headers of one delivery attempt, signed with every secret given (newest first). */
export function signedHeaders(secrets: readonly string[], id: string, timestamp: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => signature(s, id, timestamp, body)).join(' '),
  };
}
