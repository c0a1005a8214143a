// Gateway records → the exact OpenAI objects clients see. Every key is present, null when unknown.
import type { BatchRecord, FileRecord } from '#contracts/records';
import type { ListPage, OpenAIBatch, OpenAIFile } from '#contracts/openai-types';

export function toOpenAIFile(file: FileRecord): OpenAIFile {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: file.createdAt,
    expires_at: file.expiresAt ?? null,
    filename: file.filename,
    purpose: file.purpose,
    status: file.status,
    status_details: file.statusDetails ?? null,
  };
}

export function toOpenAIBatch(batch: BatchRecord): OpenAIBatch {
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    // A mixed-model batch names each of its models (its finops field breaks the cost down by model).
    model: batch.model ?? (batch.models?.length ? batch.models.join(', ') : null),
    errors: batch.errors?.length ? { object: 'list', data: batch.errors } : null,
    input_file_id: batch.inputFileId,
    completion_window: batch.completionWindow,
    status: batch.status,
    output_file_id: batch.outputFileId ?? null,
    error_file_id: batch.errorFileId ?? null,
    created_at: batch.createdAt,
    in_progress_at: batch.inProgressAt ?? null,
    expires_at: batch.expiresAt ?? null,
    finalizing_at: batch.finalizingAt ?? null,
    completed_at: batch.completedAt ?? null,
    failed_at: batch.failedAt ?? null,
    expired_at: batch.expiredAt ?? null,
    cancelling_at: batch.cancellingAt ?? null,
    cancelled_at: batch.cancelledAt ?? null,
    request_counts: batch.requestCounts,
    // OpenAI's schema types usage as an object, never null: until the batch has usage, it is left out.
    ...(batch.usage ? { usage: batch.usage } : {}),
    metadata: batch.metadata && Object.keys(batch.metadata).length ? batch.metadata : null,
    finops: batch.cost ?? null,
    provider: batch.provider,
  };
}

export function toListPage<R, T extends { id: string }>(records: R[], hasMore: boolean, toObject: (r: R) => T): ListPage<T> {
  const data = records.map(toObject);
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: hasMore };
}
