// Anthropic MessageBatch → OpenAI batch status and counts (spec/anthropic.md §6). One gateway batch may
// be several Message Batches (a split); the client sees their combination. Pure.
import type { MessageBatch, MessageBatchRequestCounts } from '@anthropic-ai/sdk/resources/messages/batches';
import type { BatchStatus, RequestCounts } from '#contracts/openai-types';
import type { ProviderBatchState } from '#lambda/providers/provider';
import { toUnixSeconds } from '#lambda/time';

/** RFC 3339 → Unix seconds (OpenAI objects use seconds): the gateway's one parser, re-exported for this adapter. */
export { toUnixSeconds };

/** One Message Batch's status in OpenAI's vocabulary. */
export function statusOf(batch: Pick<MessageBatch, 'processing_status' | 'cancel_initiated_at' | 'request_counts'>): BatchStatus {
  switch (batch.processing_status) {
    case 'in_progress':
      return 'in_progress';
    case 'canceling':
      return 'cancelling';
    case 'ended': {
      if (batch.cancel_initiated_at) return 'cancelled';
      const c = batch.request_counts;
      // Nothing ran and the 24 h window closed on every request.
      if (c.succeeded + c.errored === 0 && c.expired > 0) return 'expired';
      return 'completed';
    }
    default:
      // A processing_status Anthropic adds later: still running as far as we can tell.
      return 'in_progress';
  }
}

/** total = every request; completed = succeeded; failed = errored + canceled + expired. */
export function requestCountsOf(counts: MessageBatchRequestCounts): RequestCounts {
  return {
    total: counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired,
    completed: counts.succeeded,
    failed: counts.errored + counts.canceled + counts.expired,
  };
}

/**
 * The state of a gateway batch made of these Message Batches: running while any part runs
 * (cancelling if any part is being cancelled), and once all ended: cancelled or expired only when
 * every part ended that way, completed otherwise. Counts are summed.
 */
export function combinedState(parts: readonly MessageBatch[]): ProviderBatchState {
  if (parts.length === 0) throw new Error('combinedState needs at least one Message Batch.');
  const statuses = parts.map(statusOf);
  const counts = parts
    .map((p) => requestCountsOf(p.request_counts))
    .reduce((a, b) => ({
      total: a.total + b.total,
      completed: a.completed + b.completed,
      failed: a.failed + b.failed,
    }));
  const created = parts.map((p) => toUnixSeconds(p.created_at)).filter((t): t is number => t !== null);

  let status: BatchStatus;
  const running = statuses.filter((s) => s === 'in_progress' || s === 'cancelling');
  if (running.length > 0) status = running.includes('cancelling') ? 'cancelling' : 'in_progress';
  else if (statuses.every((s) => s === 'cancelled')) status = 'cancelled';
  else if (statuses.every((s) => s === 'expired')) status = 'expired';
  else status = 'completed';

  return {
    status,
    requestCounts: counts,
    // Anthropic starts processing a Message Batch as soon as it is created.
    ...(created.length > 0 ? { inProgressAt: Math.min(...created) } : {}),
  };
}
