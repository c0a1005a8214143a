// OAuth access tokens for Vertex AI and Cloud Storage, minted from a service account key with
// google-auth-library (JWT bearer grant, scope cloud-platform; tokens are cached by the library until
// shortly before they expire, and one client is kept per key).
//
// The key's `token_uri` is honoured: google-auth-library 10.x posts every grant to
// https://oauth2.googleapis.com/token whatever the key says (gtoken/getToken.js), so that one request
// is sent to the key's token_uri instead when it names another endpoint (https anywhere, or http on
// loopback only: the local simulator). The signed assertion's audience stays Google's token URL.
//
// The key never appears in a log or an error message.
import { createHash } from 'node:crypto';
import { JWT } from 'google-auth-library';
import { GatewayError } from '#lambda/http/errors';
import { ProviderUnavailableError } from '#lambda/providers/errors';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

export interface ServiceAccountKey {
  type: 'service_account';
  project_id?: string;
  private_key: string;
  client_email: string;
  token_uri?: string;
}

/**
 * The key from the secret or VERTEX_API_KEY (the parsed object, or its JSON text), checked; a 502
 * naming what is wrong (never the key).
 */
export function parseServiceAccountKey(input: string | Record<string, unknown> | null | undefined): ServiceAccountKey {
  const fail = (why: string) =>
    new GatewayError(
      502,
      `The gateway's Vertex AI credentials are not usable: ${why}. Store the service account's JSON key in the Vertex AI secret (docs/vertex.md).`,
      'server_error',
      null,
      'provider_auth_error',
    );
  let key: Partial<ServiceAccountKey>;
  if (input !== null && typeof input === 'object') key = input as Partial<ServiceAccountKey>;
  else {
    const text = (input ?? '').trim();
    if (!text) throw fail('no service account key is configured');
    try {
      key = JSON.parse(text) as Partial<ServiceAccountKey>;
    } catch {
      throw fail('the key is not JSON');
    }
  }
  if (key?.type !== 'service_account') throw fail('the key is not a service account key (type must be "service_account")');
  if (typeof key.client_email !== 'string' || !key.client_email) throw fail('the key has no client_email');
  if (typeof key.private_key !== 'string' || !key.private_key.includes('PRIVATE KEY')) throw fail('the key has no private_key');
  if (key.token_uri !== undefined && !allowedTokenUri(key.token_uri)) throw fail('its token_uri must be an https URL');
  return key as ServiceAccountKey;
}

function allowedTokenUri(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}

const clients = new Map<string, JWT>();

function clientFor(key: ServiceAccountKey, timeoutMs: number): JWT {
  const id = createHash('sha256')
    .update(key.client_email)
    .update('\0')
    .update(key.private_key)
    .update('\0')
    .update(key.token_uri ?? '')
    .digest('hex');
  let client = clients.get(id);
  if (!client) {
    // Node's own fetch: gaxios would otherwise import node-fetch dynamically (which jest's VM and a
    // bundled Lambda need not carry).
    const transporterOptions = { timeout: timeoutMs, fetchImplementation: fetch };
    client = new JWT({ email: key.client_email, key: key.private_key, scopes: [CLOUD_PLATFORM_SCOPE], transporterOptions });
    const tokenUri = key.token_uri;
    if (tokenUri && tokenUri !== GOOGLE_TOKEN_URL) {
      client.transporter.interceptors.request.add({
        resolved: async (options) => {
          if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(tokenUri);
          return options;
        },
      });
    }
    clients.set(id, client);
  }
  return client;
}

/** A bearer token for the key. Token endpoint down → ProviderUnavailableError; grant refused → 502 provider_auth_error. */
export async function accessToken(key: ServiceAccountKey, timeoutMs: number): Promise<string> {
  try {
    const { token } = await clientFor(key, timeoutMs).getAccessToken();
    if (!token) throw new ProviderUnavailableError('The Google token endpoint answered without an access token.');
    return token;
  } catch (err) {
    if (err instanceof ProviderUnavailableError) throw err;
    const e = err as { response?: { status?: number; data?: { error?: string; error_description?: string } }; message?: string };
    const status = e.response?.status;
    if (status === undefined || status === 429 || status >= 500) {
      return Promise.reject(
        new ProviderUnavailableError(`The Google token endpoint could not be reached (${status ?? 'no answer'}).`, undefined, status),
      );
    }
    const reason = [e.response?.data?.error, e.response?.data?.error_description].filter(Boolean).join(': ') || `HTTP ${status}`;
    throw new GatewayError(
      502,
      `Google refused the gateway's Vertex AI service account (${reason}).`,
      'server_error',
      null,
      'provider_auth_error',
    );
  }
}

/** Tests drop cached clients between simulators. */
export function resetAccessTokens(): void {
  clients.clear();
}
