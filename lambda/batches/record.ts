// The BatchRecord the gateway stores: at batches.create (status `validating`, not submitted), and the
// fields the tracker's "Submit to provider" adds once the provider accepted the batch (pure, table-tested).
import type { CreateBatchInput, CreatedBatch } from '#lambda/providers/provider';
import type { BatchRecord, BudgetReservation, ProviderName } from '#contracts/records';
import { isTerminal } from '#contracts/openai-types';

/** Who a new batch belongs to: the tenant, the provider that runs it and the gateway key that created it. */
export interface BatchOwner {
  tenantId: string;
  provider: ProviderName;
  keyId?: string;
}

export interface ValidatingExtras {
  owner: BatchOwner;
  requestHash: string;
  submission: NonNullable<BatchRecord['submission']>;
  providerCredentialRef: string | null;
  budgetReservation: BudgetReservation | null;
  outputExpiresAfterSeconds: number | null;
}

/** The batch as batches.create records it: `validating`, nothing at the provider yet. */
export function newValidatingRecord(input: CreateBatchInput, extras: ValidatingExtras): BatchRecord {
  const { owner } = extras;
  return {
    id: input.batchId,
    tenantId: owner.tenantId,
    // Left out rather than undefined: a record without a key id must look the same stored and in memory.
    ...(owner.keyId !== undefined ? { keyId: owner.keyId } : {}),
    provider: owner.provider,
    endpoint: input.endpoint,
    completionWindow: input.completionWindow,
    inputFileId: input.inputFile?.id ?? '',
    model: input.model ?? input.inputFile?.model ?? null,
    status: 'validating',
    createdAt: input.createdAt,
    expiresAt: input.expiresAt,
    inProgressAt: null,
    finalizingAt: null,
    completedAt: null,
    failedAt: null,
    expiredAt: null,
    cancellingAt: null,
    cancelledAt: null,
    requestCounts: { total: input.inputFile?.lineCount ?? 0, completed: 0, failed: 0 },
    outputFileId: null,
    errorFileId: null,
    errors: null,
    metadata: input.metadata,
    usage: null,
    providerBatchId: null,
    submittedAt: null,
    trackerStartedAt: null,
    requestHash: extras.requestHash,
    submission: extras.submission,
    ...(extras.providerCredentialRef ? { providerCredentialRef: extras.providerCredentialRef } : {}),
    ...(extras.budgetReservation ? { budgetReservation: extras.budgetReservation } : {}),
    ...(extras.outputExpiresAfterSeconds !== null ? { outputExpiresAfterSeconds: extras.outputExpiresAfterSeconds } : {}),
  };
}

/**
 * What the record gains once the provider accepted the batch. Only the adapter knows the model, the
 * status and the counts at this point; the tracker fills in the rest.
 */
export function submittedPatch(batch: BatchRecord, created: CreatedBatch, now: number): Partial<BatchRecord> {
  const metadata = batch.metadata || created.metadata ? { ...(batch.metadata ?? {}), ...(created.metadata ?? {}) } : null;
  const running = created.status === 'in_progress' || isTerminal(created.status);
  return {
    // A provider that reports the batch finished already (a tiny batch, a fast simulator) still goes
    // through the tracker, which collects its results: the record never turns terminal here.
    status: isTerminal(created.status) ? 'in_progress' : created.status,
    model: created.model ?? batch.model,
    // Inline requests have no uploaded file; the adapter then made one (or the batch has none).
    inputFileId: created.inputFileId ?? batch.inputFileId,
    ...(created.expiresAt !== undefined ? { expiresAt: created.expiresAt } : {}),
    // Some providers start work on create (Anthropic, Bedrock on-demand): that is when in_progress began.
    inProgressAt: running ? now : null,
    requestCounts: created.requestCounts.total > 0 ? created.requestCounts : batch.requestCounts,
    metadata,
    providerBatchId: created.providerBatchId,
    providerData: created.providerData,
    submittedAt: now,
    lastProviderError: null,
  };
}

/**
 * A batch recorded after its provider accepted it, in one go: the shape of batches submitted by
 * batches.create before the tracker submitted them (no submittedAt: they count as submitted). Tests
 * that drive an adapter directly build their records with it.
 *
 * Combines what the client asked for (input) with what the adapter reported (created). Only the
 * adapter knows the model, the status and the counts at this point; the tracker fills in the rest.
 */
export function newBatchRecord(input: CreateBatchInput, created: CreatedBatch, owner: BatchOwner): BatchRecord {
  const metadata = input.metadata || created.metadata ? { ...(input.metadata ?? {}), ...(created.metadata ?? {}) } : null;
  return {
    id: input.batchId,
    tenantId: owner.tenantId,
    // Left out rather than undefined: a record without a key id must look the same stored and in memory.
    ...(owner.keyId !== undefined ? { keyId: owner.keyId } : {}),
    provider: owner.provider,
    endpoint: input.endpoint,
    completionWindow: input.completionWindow,
    // Inline requests have no uploaded file; the adapter then made one (or the batch has none).
    inputFileId: created.inputFileId ?? input.inputFile?.id ?? '',
    model: created.model,
    // A provider that reports the batch finished already (a tiny batch, a fast simulator) still goes
    // through the tracker, which collects its results: the record never starts terminal.
    status: isTerminal(created.status) ? 'in_progress' : created.status,
    createdAt: input.createdAt,
    // An adapter may need longer than the default window (a Bedrock job's own timeout).
    expiresAt: created.expiresAt ?? input.expiresAt,
    // Some providers start work on create (Anthropic, Bedrock on-demand): that is when in_progress began.
    inProgressAt: created.status === 'in_progress' || isTerminal(created.status) ? input.createdAt : null,
    finalizingAt: null,
    completedAt: null,
    failedAt: null,
    expiredAt: null,
    cancellingAt: null,
    cancelledAt: null,
    requestCounts: created.requestCounts,
    outputFileId: null,
    errorFileId: null,
    errors: null,
    metadata,
    usage: null,
    providerBatchId: created.providerBatchId,
    providerData: created.providerData,
  };
}
