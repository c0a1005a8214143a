// The BatchRecord the gateway stores right after a provider accepted a batch (pure, table-tested).
import type { CreateBatchInput, CreatedBatch } from '../providers/provider';
import type { BatchRecord, ProviderName } from '../store/records';
import { isTerminal } from '../openai/types';

/** Who a new batch belongs to: the tenant, the provider that runs it and the gateway key that created it. */
export interface BatchOwner {
  tenantId: string;
  provider: ProviderName;
  keyId?: string;
}

/**
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
