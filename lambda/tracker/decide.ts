// What the tracker does after a status check: pure, so every branch is table-tested.
import { isTerminal, type BatchStatus } from '#contracts/openai-types';
import type { ProviderBatchState } from '#lambda/providers/provider';
import type { BatchRecord } from '#contracts/records';
import { nextWaitSeconds } from '#contracts/schedule';

/** The outcome a batch ends with, once results are collected. */
export type Outcome = 'completed' | 'failed' | 'expired' | 'cancelled';

export interface CheckResult {
  /** resubmit: the provider sent the batch back for a full queue (OpenAI token_limit_exceeded); submit it again. */
  next: 'wait' | 'collect' | 'done' | 'resubmit';
  waitSeconds: number;
  /** Set when next = collect. */
  outcome: Outcome | null;
}

export interface Decision {
  result: CheckResult;
  /** Fields to record on the batch (empty when nothing changed). */
  patch: Partial<BatchRecord>;
  /** The client asked to cancel and the provider has not acknowledged it yet: ask again. */
  repeatCancel: boolean;
}

export function decideAfterCheck(batch: BatchRecord, state: ProviderBatchState, now: number): Decision {
  const patch: Partial<BatchRecord> = {};
  if (state.requestCounts) patch.requestCounts = state.requestCounts;
  if (state.providerData) patch.providerData = { ...(batch.providerData ?? {}), ...state.providerData };
  if (state.errors?.length) patch.errors = state.errors;
  const wait = nextWaitSeconds(now - batch.createdAt, state.retryAfterSeconds);

  if (isQueueFull(state) && !batch.cancelRequested) {
    // Nothing ran: OpenAI fails a batch whose tokens do not fit the organization's enqueued-token limit.
    // That is a full queue, not a bad batch: back to `validating`, submitted again when room frees.
    const requeue: Partial<BatchRecord> = {
      status: 'validating',
      providerBatchId: null,
      submittedAt: null,
      requeues: (batch.requeues ?? 0) + 1,
      errors: null,
      lastProviderError: state.errors?.[0]?.message ?? 'provider queue full',
    };
    return { result: { next: 'resubmit', waitSeconds: wait, outcome: null }, patch: requeue, repeatCancel: false };
  }

  if (isTerminal(state.status)) {
    const outcome = state.status as Outcome;
    if (outcome === 'completed' && batch.status !== 'finalizing') {
      patch.status = 'finalizing';
      patch.finalizingAt = now;
    }
    if (!batch.inProgressAt && outcome === 'completed') patch.inProgressAt = state.inProgressAt ?? now;
    return { result: { next: 'collect', waitSeconds: wait, outcome }, patch, repeatCancel: false };
  }

  let status: BatchStatus = state.status;
  if (batch.cancelRequested) status = 'cancelling';
  if (status === 'in_progress' && !batch.inProgressAt) patch.inProgressAt = state.inProgressAt ?? now;
  if (status !== batch.status) patch.status = status;
  if (status === 'cancelling' && !batch.cancellingAt) patch.cancellingAt = now;
  const repeatCancel = Boolean(batch.cancelRequested) && state.status !== 'cancelling';
  return { result: { next: 'wait', waitSeconds: wait, outcome: null }, patch, repeatCancel };
}

/**
 * OpenAI reports a batch refused for its organization's enqueued-token limit as `failed` with
 * errors[].code `token_limit_exceeded` before any request ran
 * (https://platform.openai.com/docs/guides/batch, "Rate limits": "batch queue limits").
 */
export const QUEUE_FULL_CODES = ['token_limit_exceeded'];
export function isQueueFull(state: ProviderBatchState): boolean {
  return (
    state.status === 'failed' &&
    (state.errors ?? []).some((e) => QUEUE_FULL_CODES.includes(e.code)) &&
    (state.requestCounts?.completed ?? 0) === 0
  );
}

/** The batch outlived its completion window (plus grace): stop it and keep what finished. */
export function isPastDeadline(batch: BatchRecord, now: number, graceSeconds: number): boolean {
  return now > batch.expiresAt + graceSeconds;
}
