// Sorting AWS SDK errors into what the gateway does about them: retry later (ProviderUnavailable),
// give up on a batch Bedrock forgot (ProviderLostBatch), or tell the client in plain words (400).
import { GatewayError } from '#lambda/http/errors';
import {
  ProviderLostBatchError,
  ProviderQueueFullError,
  ProviderUnavailableError,
  describeError,
  isNetworkError,
} from '#lambda/providers/errors';

interface AwsErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

export const awsErrorName = (err: unknown): string => (err as AwsErrorLike)?.name ?? 'Error';
export const awsStatusOf = (err: unknown): number | undefined => (err as AwsErrorLike)?.$metadata?.httpStatusCode;

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelNotReadyException',
  'ModelTimeoutException',
  'SlowDown',
  'RequestTimeout',
  'TimeoutError',
  'RequestTimeoutException',
]);

/** Throttling, 5xx, timeouts and dropped connections: worth trying again later. */
export function isTransientAwsError(err: unknown): boolean {
  const e = err as AwsErrorLike;
  const status = awsStatusOf(err);
  return (
    // The SDK attaches $metadata to every error of a send(); without an HTTP status no answer arrived
    // (connection reset, timeout). After its retries the SDK may rewrap such an error as a plain Error,
    // so its name and code are not reliable.
    (e?.$metadata !== undefined && status === undefined) ||
    TRANSIENT_NAMES.has(awsErrorName(err)) ||
    isNetworkError(err) ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    Boolean(e?.$retryable)
  );
}

export const isAccessDenied = (err: unknown) =>
  ['AccessDenied', 'AccessDeniedException', 'Forbidden'].includes(awsErrorName(err)) || awsStatusOf(err) === 403;
export const isResourceNotFound = (err: unknown) => awsErrorName(err) === 'ResourceNotFoundException';
export const isValidationOrConflict = (err: unknown) => ['ValidationException', 'ConflictException'].includes(awsErrorName(err));

/** Rethrows a transient error as ProviderUnavailable; anything else unchanged. */
export function unavailableOrSame(err: unknown, action: string): unknown {
  if (err instanceof GatewayError || err instanceof ProviderUnavailableError || err instanceof ProviderLostBatchError) return err;
  if (isTransientAwsError(err)) {
    return new ProviderUnavailableError(
      `Bedrock ${action} failed temporarily (${awsErrorName(err)}: ${describeError(err)}).`,
      undefined,
      awsStatusOf(err),
    );
  }
  return err;
}

/** For calls about a job we created: a 404 means Bedrock lost it. */
export function jobCallError(err: unknown, action: string, jobArn: string): unknown {
  if (isResourceNotFound(err))
    return new ProviderLostBatchError(`Bedrock no longer knows job ${jobArn} (${action}: ${(err as Error).message}).`);
  return unavailableOrSame(err, action);
}

/** S3 AccessDenied as a 400 that says which object and what to do, instead of a stack trace. */
export function s3CallError(err: unknown, action: 'read' | 'write' | 'list', uri: string): unknown {
  if (isAccessDenied(err)) {
    return new GatewayError(
      400,
      `The gateway may not ${action} ${uri} (S3 AccessDenied). Use the stack's own Bedrock buckets, or have the operator add the bucket to allowedBuckets and grant the gateway and the Bedrock role access to it.`,
      'invalid_request_error',
      null,
      's3_access_denied',
    );
  }
  return unavailableOrSame(err, `S3 ${action} of ${uri}`);
}

/** Errors CreateModelInvocationJob answers for bad input or quotas, as client errors. */
export function createJobError(err: unknown): unknown {
  const name = awsErrorName(err);
  const message = (err as Error)?.message ?? name;
  if (name === 'ValidationException')
    return new GatewayError(400, `Bedrock rejected the batch job: ${message}`, 'invalid_request_error', null, 'provider_validation_error');
  // Too many batch jobs in progress or submitted for this model (a per-model quota): the job waits in
  // `validating` and is submitted when one finishes (lambda/handlers/tracker-submit-batch.ts).
  if (name === 'ServiceQuotaExceededException')
    return new ProviderQueueFullError(`Bedrock batch job quota reached: ${message}`, undefined, 429);
  if (name === 'AccessDeniedException') {
    return new GatewayError(
      400,
      `Bedrock refused the batch job (AccessDenied): ${message} Check that model access is enabled for this model in the account and region.`,
      'invalid_request_error',
      null,
      'provider_access_denied',
    );
  }
  return unavailableOrSame(err, 'CreateModelInvocationJob');
}
