// S3 event notification → files-register: each object created under direct/ in the files bucket is the
// bytes of a direct upload; register it (lambda/files/direct-upload.ts). S3 invokes the function
// asynchronously and Lambda retries a failed invocation twice, so throwing is how a transient failure
// gets another try; the file's own problems are recorded on it instead (status "error").
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { S3Event } from 'aws-lambda';
import { getServices, logger } from '#lambda/runtime';
import { createdObjectsOf, registerDirectUpload, RegistrationInProgressError, type RegistrationOutcome } from '#lambda/files/direct-upload';

export async function registerFiles(event: S3Event): Promise<RegistrationOutcome[]> {
  const objects = createdObjectsOf(event, getServices().config.filesBucket);
  const outcomes: RegistrationOutcome[] = [];
  let retry: unknown;
  // One record per event in practice; each is registered on its own, and a retry repeats only what
  // is not done yet (registration is idempotent).
  for (const object of objects) {
    try {
      outcomes.push(await registerDirectUpload(object));
    } catch (err) {
      if (err instanceof RegistrationInProgressError)
        logger.warn('A direct upload is being registered by another delivery; retry later', { key: object.key });
      else logger.error('Could not register a direct upload', { key: object.key, error: (err as Error).message });
      retry ??= err;
    }
  }
  if (retry) throw retry;
  return outcomes;
}

export const handler = middy(registerFiles).use(injectLambdaContext(logger, { resetKeys: true }));
