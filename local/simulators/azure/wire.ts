// The Azure simulator's HTTP edge: Azure's error body, its key / Entra ID check, and the Entra ID
// token endpoint (client credentials) a service principal gets its bearer token from.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpError } from '#local/simulators/kit/index';
import { ApiError } from '#local/simulators/openai/account';
import { asApiError, discard, sendJson } from '#local/simulators/openai/wire';

export const ACCESS_DENIED =
  'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';

/** Azure's error body; the OpenAI simulator's ApiError carries the same fields. */
export function azureErrorBody(error: HttpError) {
  const err = asApiError(error);
  return { error: { code: err.code ?? String(err.status), message: err.message, param: err.param, type: err.type } };
}

/** A fault's answer: {"error":{"code":"429",…}} (type `requests`) or Azure's 500. */
export const azureFaultError = (status: number, message: string) =>
  new ApiError(status, message, status === 429 ? 'requests' : 'server_error', null, String(status));

/** Azure's 404 for a path or api-version it does not serve. */
export const resourceNotFound = () => new ApiError(404, 'Resource not found', 'invalid_request_error', null, '404');

export interface AzureCredentials {
  apiKey: string;
  entraToken: string;
  principal: { tenantId: string; clientId: string; clientSecret: string };
}

/** An `api-key` header with the key, or `Authorization: Bearer` with the Entra ID token; else Azure's 401. */
export async function authorize(req: IncomingMessage, { apiKey, entraToken }: AzureCredentials): Promise<void> {
  const key = req.headers['api-key'];
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  const ok = typeof key === 'string' ? key === apiKey : bearer !== null && bearer[1].trim() === entraToken;
  if (ok) return;
  await discard(req);
  throw new ApiError(401, ACCESS_DENIED, 'invalid_request_error', null, '401');
}

/** POST /{tenant}/oauth2/v2.0/token: the client-credentials grant of the configured service principal. */
export async function tokenGrant(req: IncomingMessage, res: ServerResponse, tenant: string, credentials: AzureCredentials): Promise<void> {
  const { principal, entraToken } = credentials;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  const ok =
    tenant === principal.tenantId &&
    form.get('grant_type') === 'client_credentials' &&
    form.get('client_id') === principal.clientId &&
    form.get('client_secret') === principal.clientSecret &&
    form.get('scope') === 'https://cognitiveservices.azure.com/.default';
  if (ok) return sendJson(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: entraToken });
  const description =
    'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.';
  sendJson(res, 401, { error: 'invalid_client', error_description: description, error_codes: [7000215] });
}
