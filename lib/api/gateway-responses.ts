// Answers API Gateway itself gives (before any handler runs), in OpenAI's error shape. The REST API
// construct installs them as gateway responses; the local gateway sends the very same bodies.
// Plain data only: no CDK imports here.

export interface GatewayResponseSpec {
  /** API Gateway ResponseType. */
  type: 'UNAUTHORIZED' | 'ACCESS_DENIED' | 'REQUEST_TOO_LARGE' | 'THROTTLED' | 'MISSING_AUTHENTICATION_TOKEN' | 'DEFAULT_5XX';
  statusCode: number;
  body: { error: { message: string; type: string; param: null; code: string | null } };
}

const error = (message: string, type: string, code: string | null) => ({ error: { message, type, param: null, code } });

export const GATEWAY_RESPONSES: readonly GatewayResponseSpec[] = [
  {
    type: 'UNAUTHORIZED',
    statusCode: 401,
    body: error(
      'Missing or invalid API key. Send a gateway key as "Authorization: Bearer <key>".',
      'invalid_request_error',
      'invalid_api_key',
    ),
  },
  {
    type: 'ACCESS_DENIED',
    statusCode: 401,
    body: error(
      'Missing or invalid API key. Send a gateway key as "Authorization: Bearer <key>".',
      'invalid_request_error',
      'invalid_api_key',
    ),
  },
  {
    type: 'REQUEST_TOO_LARGE',
    statusCode: 413,
    body: error(
      'The request is larger than API Gateway accepts (10 MB). Upload files larger than 4.5 MB with the Uploads API (uploads.create, uploads.parts.create with parts of at most 4.5 MB, uploads.complete).',
      'invalid_request_error',
      'request_too_large',
    ),
  },
  {
    type: 'THROTTLED',
    statusCode: 429,
    body: error('Too many requests to the gateway; slow down and retry.', 'rate_limit_error', 'rate_limit_exceeded'),
  },
  {
    type: 'MISSING_AUTHENTICATION_TOKEN',
    statusCode: 404,
    body: error(
      'Unknown route. The gateway serves the OpenAI Files, Uploads and Batch APIs under /openai and /openai/v1.',
      'invalid_request_error',
      'unknown_url',
    ),
  },
  {
    type: 'DEFAULT_5XX',
    statusCode: 500,
    body: error('The gateway had an internal error. Nothing was changed; retry the request.', 'server_error', null),
  },
];

export const gatewayResponse = (type: GatewayResponseSpec['type']) => GATEWAY_RESPONSES.find((r) => r.type === type)!;

/** API Gateway REST API and Lambda limits the local gateway enforces the same way. */
export const API_GATEWAY_MAX_REQUEST_BYTES = 10 * 1024 * 1024;
export const LAMBDA_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
