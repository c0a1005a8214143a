// Entra ID access tokens for Azure OpenAI from a service principal (tenant id, client id, client
// secret in the Azure secret): the OAuth 2.0 client credentials grant, POST
// {authority}/{tenant}/oauth2/v2.0/token with grant_type=client_credentials and the scope
// https://cognitiveservices.azure.com/.default (learn.microsoft.com "Microsoft identity platform and the
// OAuth 2.0 client credentials flow"; the scope from batch-python.md's Entra tab). One form POST and a
// cache; @azure/identity (MSAL) would do the same with authority discovery calls and a far larger bundle.
// A token is reused until five minutes before it expires; the principal needs the "Cognitive Services
// OpenAI User" role on the resource.
import { createHash } from 'node:crypto';
import { GatewayError } from '#lambda/http/errors';
import { ProviderUnavailableError, isTransientStatus } from '#lambda/providers/errors';

export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;

export interface ServicePrincipal {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Default https://login.microsoftonline.com (FINOPS_AZURE_AUTHORITY_HOST; a sovereign cloud's, or the simulator's). */
  authorityHost?: string;
}

type Fetch = typeof fetch;

const cache = new Map<string, { token: string; refreshAtMs: number }>();

/** Reads `{ access_token, expires_in }`; Entra's errors are `{ error, error_description }` (AADSTS… codes). */
async function requestToken(sp: ServicePrincipal, fetchImpl: Fetch): Promise<{ token: string; expiresInSeconds: number }> {
  const host = (sp.authorityHost || DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '');
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: sp.clientId,
    client_secret: sp.clientSecret,
    scope: COGNITIVE_SERVICES_SCOPE,
  });
  let res: Response;
  try {
    res = await fetchImpl(`${host}/${encodeURIComponent(sp.tenantId)}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  } catch (err) {
    throw new ProviderUnavailableError(`Entra ID could not be reached for an Azure OpenAI token: ${(err as Error).message}`);
  }
  const answer = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
  if (res.ok && typeof answer.access_token === 'string')
    return { token: answer.access_token, expiresInSeconds: Number(answer.expires_in) || 3600 };
  if (isTransientStatus(res.status))
    throw new ProviderUnavailableError(`Entra ID is unavailable for an Azure OpenAI token (HTTP ${res.status}).`, undefined, res.status);
  // The error code only: Entra's description may echo the client id, never anything the gateway should log.
  const code = typeof answer.error === 'string' ? answer.error : `HTTP ${res.status}`;
  throw new GatewayError(
    502,
    `Entra ID refused the gateway's service principal for Azure OpenAI (${code}). Check tenantId, clientId and clientSecret in the Azure secret.`,
    'server_error',
    null,
    'provider_auth_error',
  );
}

/** A token provider for the AzureOpenAI client (`azureADTokenProvider`), cached per principal. */
export function entraTokenProvider(sp: ServicePrincipal, fetchImpl: Fetch = fetch, now: () => number = Date.now): () => Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify([sp.authorityHost ?? '', sp.tenantId, sp.clientId, sp.clientSecret]))
    .digest('hex');
  return async () => {
    const hit = cache.get(key);
    if (hit && now() < hit.refreshAtMs) return hit.token;
    const { token, expiresInSeconds } = await requestToken(sp, fetchImpl);
    cache.set(key, { token, refreshAtMs: now() + Math.max(0, expiresInSeconds * 1000 - REFRESH_BEFORE_EXPIRY_MS) });
    return token;
  };
}

/** Tests start from an empty cache. */
export function clearEntraTokenCache(): void {
  cache.clear();
}
