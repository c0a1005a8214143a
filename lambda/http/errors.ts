// One domain error type, mapped to OpenAI's error shape and HTTP status in one place.
import type { OpenAIErrorBody } from '#contracts/openai-types';

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'server_error';

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: OpenAIErrorType = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new GatewayError(400, message, 'invalid_request_error', param, code);

export const notFound = (message: string, param: string | null = 'id') =>
  new GatewayError(404, message, 'invalid_request_error', param, null);

export const unauthorized = (message: string) => new GatewayError(401, message, 'invalid_request_error', null, 'invalid_api_key');

export const payloadTooLarge = (message: string, param: string | null = 'file') =>
  new GatewayError(413, message, 'invalid_request_error', param, 'file_too_large');

export const conflict = (message: string, code: string | null = null) =>
  new GatewayError(409, message, 'invalid_request_error', null, code);

/** A provider answered with an error we cannot hide from the client. */
export const upstreamError = (status: number, message: string, code: string | null = 'provider_error') =>
  new GatewayError(
    status >= 500 || status === 429 ? status : 502,
    message,
    status === 429 ? 'rate_limit_error' : 'server_error',
    null,
    code,
  );

export const noSuchFile = (id: string) => notFound(`No such File object: ${id}`);
export const noSuchBatch = (id: string) => notFound(`No such Batch object: ${id}`);

/**
 * OpenAI's answer to cancelling a batch that already ended: 409 with exactly its message (clients match
 * on it), and `x-should-retry: false`, since the SDKs retry a 409 by default and no retry can succeed.
 */
export const batchNotCancellable = (status: string) =>
  new GatewayError(409, `Cannot cancel a batch with status '${status}'.`, 'invalid_request_error', null, null, {
    'x-should-retry': 'false',
  });
