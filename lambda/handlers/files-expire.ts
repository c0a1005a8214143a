// Scheduled (EventBridge, hourly): removes the files whose expires_at has passed (lambda/files/expire.ts).
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logger } from '#lambda/runtime';
import { sweepExpiredFiles, type SweepResult } from '#lambda/files/expire';

export async function expireFiles(): Promise<SweepResult> {
  const result = await sweepExpiredFiles();
  logger.info('Expired files swept', { ...result });
  return result;
}

export const handler = middy(expireFiles).use(injectLambdaContext(logger, { resetKeys: true }));
