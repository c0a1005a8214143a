// EventBridge rule target: the tracker's `Batch Finished` event → one queued delivery per matching
// endpoint (lambda/webhooks/fan-out.ts). A failure is retried by EventBridge, then kept in the
// rule target's dead-letter queue.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { EventBridgeEvent } from 'aws-lambda';
import { logger } from '#lambda/runtime';
import { nowSeconds } from '#lambda/time';
import type { OpenAIBatch } from '#contracts/openai-types';
import { fanOut } from '#lambda/webhooks/fan-out';

export async function fanOutBatchEvent(event: Pick<EventBridgeEvent<string, OpenAIBatch>, 'detail'>): Promise<{ queued: number }> {
  logger.appendKeys({ batchId: event.detail?.id });
  return { queued: await fanOut(event.detail, nowSeconds()) };
}

export const handler = middy(fanOutBatchEvent).use(injectLambdaContext(logger, { resetKeys: true }));
