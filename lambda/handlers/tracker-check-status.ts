// State "Check batch status": ask the provider, record what it says, decide wait / collect / done.
// Transient provider errors are thrown (ProviderUnavailable) and retried by the state machine.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { getServices, logger } from '../runtime';
import { isTerminal, TERMINAL_BATCH_STATUSES } from '../openai/types';
import { nowSeconds } from '../time';
import { decideAfterCheck, isPastDeadline, type CheckResult } from '../tracker/decide';
import { nextWaitSeconds } from '../tracker/schedule';
import { loadBatch, type TrackerInput } from '../tracker/context';
import { WriteConflictError } from '../store/metadata';

export async function checkStatus(input: TrackerInput): Promise<CheckResult> {
  const { batch, adapter, ctx } = await loadBatch(input);
  logger.appendKeys({ batchId: batch.id, provider: batch.provider });
  if (isTerminal(batch.status)) return { next: 'done', waitSeconds: 0, outcome: null };
  const now = nowSeconds();
  if (isPastDeadline(batch, now, getServices().config.expiryGraceSeconds)) {
    logger.info('Batch passed its completion window; stopping it and keeping finished results');
    await adapter.cancelBatch(ctx, batch).catch((err) => logger.warn('Cancel at expiry failed', { error: (err as Error).message }));
    return { next: 'collect', waitSeconds: 0, outcome: 'expired' };
  }
  const state = await adapter.checkBatch(ctx, batch);
  const decision = decideAfterCheck(batch, state, now);
  if (decision.repeatCancel) {
    await adapter.cancelBatch(ctx, batch).catch((err) => logger.warn('Repeated cancel failed; will try again', { error: (err as Error).message }));
  }
  if (Object.keys(decision.patch).length) {
    try {
      await getServices().metadata.updateBatch(batch.id, decision.patch, TERMINAL_BATCH_STATUSES);
    } catch (err) {
      if (!(err instanceof WriteConflictError)) throw err;
      // Finished meanwhile (e.g. a concurrent collect): nothing left to do.
      return { next: 'done', waitSeconds: 0, outcome: null };
    }
  }
  logger.info('Checked batch', { providerStatus: state.status, next: decision.result.next, waitSeconds: decision.result.waitSeconds });
  return decision.result;
}

export { nextWaitSeconds };
export const handler = middy(checkStatus).use(injectLambdaContext(logger, { resetKeys: true }));
