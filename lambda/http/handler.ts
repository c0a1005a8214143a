// The wrapper every API handler uses: middy with Powertools logging, and one place where any thrown
// error becomes an OpenAI-shaped response. Internal details never reach the client.
import { DEFAULT_RETRY_AFTER_SECONDS } from '#lambda/providers/deadlines';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { GatewayError } from './errors';
import type { GatewayEvent } from './request';
import { logger } from '#lambda/logger';
import { tracer } from '#lambda/tracer';
import { ProviderLostBatchError, ProviderUnavailableError } from '#lambda/providers/errors';
import { LineError } from '#lambda/batch-files/lines';

export type HttpResult = APIGatewayProxyResult;

export function json(body: unknown, statusCode = 200, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function toErrorResult(err: unknown): HttpResult {
  if (err instanceof GatewayError) return json(err.toBody(), err.status, err.headers);
  if (err instanceof ProviderUnavailableError) {
    const status = err.status === 429 ? 429 : 503;
    // Without a hint from the provider (a timeout, a reset connection) the client still learns when to retry.
    const headers: Record<string, string> = { 'retry-after': String(err.retryAfterSeconds || DEFAULT_RETRY_AFTER_SECONDS) };
    return json(
      {
        error: {
          message: `The provider is temporarily unavailable (${err.message}). Nothing was changed; retry the request.`,
          type: status === 429 ? 'rate_limit_error' : 'server_error',
          param: null,
          code: 'provider_unavailable',
        },
      },
      status,
      headers,
    );
  }
  if (err instanceof ProviderLostBatchError) {
    return json({ error: { message: err.message, type: 'server_error', param: null, code: 'provider_lost_batch' } }, 502);
  }
  logger.error('Unhandled error', err as Error);
  return json(
    {
      error: {
        message: 'The gateway had an internal error while processing your request. Nothing was changed.',
        type: 'server_error',
        param: null,
        code: null,
      },
    },
    500,
  );
}

/**
 * Every answer names API Gateway's request id in `x-request-id`, the header the OpenAI SDKs read into
 * `response._request_id` / `APIError.requestID` (openai-node core/api-promise, core/error), so a client
 * can quote it and an operator find the request's logs (they carry it as request_id).
 */
export function withRequestId(result: HttpResult, requestId: string | undefined): HttpResult {
  if (!requestId) return result;
  return { ...result, headers: { ...(result.headers ?? {}), 'x-request-id': requestId } };
}

type Operation = (event: GatewayEvent, context: Context) => Promise<HttpResult>;

/** Wraps an operation: structured logs with the request id, OpenAI-shaped errors. */
export function httpHandler(operation: Operation) {
  return (
    middy<GatewayEvent, HttpResult>()
      .use(injectLambdaContext(logger, { resetKeys: true }))
      // A subsegment per invocation with the cold-start annotation; responses (batches, file contents) stay out of traces.
      .use(captureLambdaHandler(tracer, { captureResponse: false }))
      .handler(async (event, context) => {
        const requestId = event.requestContext?.requestId;
        logger.appendKeys({
          route: `${event.httpMethod} ${event.resource}`,
          tenant: event.requestContext.authorizer?.tenantId,
          request_id: requestId,
        });
        let result: HttpResult;
        try {
          result = await operation(event, context);
        } catch (err) {
          if (err instanceof LineError) logger.info('Rejected input', { line: err.line, code: err.code });
          else if (err instanceof GatewayError) logger.info('Rejected request', { status: err.status, code: err.code });
          result = toErrorResult(err);
        }
        return withRequestId(result, requestId);
      })
  );
}
