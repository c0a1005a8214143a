// The OpenAI SDK's errors → the errors the gateway acts on. Pure: decides from the error's class,
// HTTP status and headers only.
//   429 / 408 / 409 / 5xx / timeouts / connection failures → ProviderUnavailableError (the tracker
//     retries with backoff; a handler answers 503/429), carrying Retry-After when OpenAI sent one.
//   404 on a batch we created → ProviderLostBatchError (permanent).
//   401 / 403 → a 502 GatewayError: the gateway's own key is wrong, not the client's request.
//   Other 4xx on a client's request (upload, create) → a 400 GatewayError with OpenAI's message.
// Messages never carry API keys: OpenAI's 401 text echoes a masked key, so it is dropped, and
// anything key-shaped in other messages is redacted.
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { GatewayError } from '#lambda/http/errors';
import {
  ProviderLostBatchError,
  ProviderUnavailableError,
  isNetworkError,
  isTransientStatus,
  retryAfterSeconds,
} from '#lambda/providers/errors';

// The provider-error kit's readings, re-exported where the OpenAI mapping has always offered them.
export { isNetworkError, retryAfterSeconds };

export type OpenAIOperation = 'upload_file' | 'delete_file' | 'create_batch' | 'check_batch' | 'cancel_batch' | 'collect_results';

const OPERATION_TEXT: Record<OpenAIOperation, string> = {
  upload_file: 'the file upload',
  delete_file: 'the file deletion',
  create_batch: 'the batch creation',
  check_batch: 'the batch status check',
  cancel_batch: 'the batch cancellation',
  collect_results: 'the result download',
};

/** Operations that carry a client's input: OpenAI's 4xx there is the client's to fix. */
const CLIENT_INPUT_OPERATIONS: OpenAIOperation[] = ['upload_file', 'create_batch'];

/** Replaces anything shaped like an API key or bearer token. */
export function redactSecrets(message: string): string {
  return message.replace(/\b(?:sk|rk|sess)-[A-Za-z0-9_*.-]{4,}/g, '[redacted]').replace(/\bBearer\s+\S+/gi, 'Bearer [redacted]');
}

/** The provider's own message from an SDK error (`error.message` of the JSON body), redacted. */
function providerMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  const message = typeof body?.message === 'string' && body.message ? body.message : err.message;
  return redactSecrets(message);
}

export interface MapContext {
  operation: OpenAIOperation;
  /** The provider's display name in messages (an OpenAI-shaped provider of the catalog); default OpenAI. */
  provider?: string;
  /** Set when the call names a batch the gateway created: a 404 then means OpenAI lost it. */
  providerBatchId?: string;
  nowMs?: number;
}

/** Maps anything an OpenAI SDK call threw to the gateway's error types. Unknown errors pass through. */
export function mapOpenAIError(err: unknown, context: MapContext): Error {
  if (err instanceof GatewayError || err instanceof ProviderUnavailableError || err instanceof ProviderLostBatchError) return err;
  const what = OPERATION_TEXT[context.operation];
  const OpenAI = context.provider ?? 'OpenAI'; // the provider's name in every message below
  // Connection errors and timeouts (APIConnectionTimeoutError extends APIConnectionError) and aborts have no status.
  if (err instanceof APIConnectionError || err instanceof APIUserAbortError || (err instanceof APIError && err.status === undefined)) {
    return new ProviderUnavailableError(`${OpenAI} could not be reached for ${what}: ${redactSecrets(err.message)}`);
  }
  if (err instanceof APIError) {
    const status = err.status as number;
    if (isTransientStatus(status)) {
      return new ProviderUnavailableError(
        `${OpenAI} is unavailable for ${what} (HTTP ${status}): ${providerMessage(err)}`,
        retryAfterSeconds(err.headers, context.nowMs),
        status,
      );
    }
    if (status === 404 && context.providerBatchId) {
      return new ProviderLostBatchError(`${OpenAI} no longer knows batch ${context.providerBatchId} (HTTP 404 during ${what}).`);
    }
    if (status === 401) {
      return new GatewayError(
        502,
        `${OpenAI} rejected the gateway's API key during ${what} (HTTP 401). Check the ${OpenAI} key the gateway is configured with.`,
        'server_error',
        null,
        'provider_auth_error',
      );
    }
    if (status === 403) {
      return new GatewayError(
        502,
        `${OpenAI} refused ${what} (HTTP 403): ${providerMessage(err)}`,
        'server_error',
        null,
        'provider_permission_error',
      );
    }
    if (CLIENT_INPUT_OPERATIONS.includes(context.operation)) {
      return new GatewayError(
        400,
        `${OpenAI} rejected ${what}: ${providerMessage(err)}`,
        'invalid_request_error',
        err.param ?? null,
        err.code ?? 'provider_rejected',
      );
    }
    return new GatewayError(
      502,
      `${OpenAI} answered HTTP ${status} to ${what}: ${providerMessage(err)}`,
      'server_error',
      null,
      'provider_error',
    );
  }
  if (isNetworkError(err)) {
    return new ProviderUnavailableError(`The connection to ${OpenAI} broke during ${what}: ${redactSecrets((err as Error).message)}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}
