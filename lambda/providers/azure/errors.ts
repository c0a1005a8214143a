// Azure OpenAI's errors that mean something else than OpenAI's same status, decided before the OpenAI
// adapter's mapping (../openai/errors.ts) handles the rest (429/5xx/timeouts retried, 404 on a batch =
// lost, other 4xx on a client's request = 400). Pure: reads the SDK error's status and body only.
// Azure's error body is {"error":{"code","message","param"?,"type"?,"inner_error"?}} (Azure REST spec
// 2024-10-21 `errorResponse`), with the HTTP status as a string code for gateway-level errors:
// - no or a wrong api-version / endpoint path: 404 {"code":"404","message":"Resource not found"}
//   (MicrosoftDocs/azure-docs#114602; langchain-ai/langchain#13284). Not a lost batch: every call
//   answers so until the configuration is fixed;
// - an api-version without the API: 400 {"code":"BadRequest","message":"API version not supported"}
//   (openai/codex#3725) — the gateway's configuration, not the client's request;
// - a wrong key / token or endpoint: 401 {"code":"401","message":"Access denied due to invalid
//   subscription key or wrong API endpoint. …"} (SciSharp/BotSharp#386);
// - an Entra ID principal without the "Cognitive Services OpenAI User" role: 403 (**unverified** body).
import { APIError } from 'openai';
import { GatewayError } from '#lambda/http/errors';

const CONFIG_HINT =
  'Check the endpoint (https://<resource>.openai.azure.com) and the api-version (one with the Batch API, e.g. 2024-10-21) the gateway is configured with.';

function bodyOf(err: APIError): { code?: unknown; message?: unknown } {
  const body = err.error as { code?: unknown; message?: unknown } | undefined;
  return body && typeof body === 'object' ? body : {};
}

/** The Azure-specific meaning of an error, or null when OpenAI's mapping applies. */
export function azureSpecificError(err: unknown, what: string): GatewayError | null {
  if (!(err instanceof APIError) || err.status === undefined) return null;
  const { code, message } = bodyOf(err);
  const text = typeof message === 'string' ? message : '';
  if (err.status === 404 && String(code) === '404' && /resource not found/i.test(text)) {
    return new GatewayError(
      502,
      `Azure OpenAI answered 404 "Resource not found" to ${what}. ${CONFIG_HINT}`,
      'server_error',
      null,
      'provider_config_error',
    );
  }
  if (err.status === 400 && /api version not supported/i.test(text)) {
    return new GatewayError(
      502,
      `Azure OpenAI does not support the configured api-version for ${what} ("API version not supported"). ${CONFIG_HINT}`,
      'server_error',
      null,
      'provider_config_error',
    );
  }
  if (err.status === 401) {
    return new GatewayError(
      502,
      `Azure OpenAI rejected the gateway's credentials during ${what} (HTTP 401). Check the API key or Entra ID token in the gateway's Azure secret, and its endpoint.`,
      'server_error',
      null,
      'provider_auth_error',
    );
  }
  if (err.status === 403) {
    return new GatewayError(
      502,
      `Azure OpenAI refused ${what} (HTTP 403). An Entra ID principal needs the "Cognitive Services OpenAI User" role on the resource.`,
      'server_error',
      null,
      'provider_permission_error',
    );
  }
  return null;
}
