// The records the gateway's handlers hand an adapter, built for adapter tests: only what differs
// from one test to the next has to be spelled out.
import type { CreateBatchInput } from '#lambda/providers/provider';
import type { FileRecord } from '#contracts/records';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The FileRecord files.create leaves for a batch input it stored and validated (created now, processed). */
export function batchInputFile(
  fields: Pick<FileRecord, 'id' | 'tenantId' | 'provider' | 'filename' | 'bytes' | 'blob'> & Partial<FileRecord>,
): FileRecord {
  const file: FileRecord = {
    purpose: 'batch',
    createdAt: nowSeconds(),
    expiresAt: null,
    status: 'processed',
    statusDetails: null,
    ...fields,
  };
  inputFiles.set(file.id, file);
  return file;
}

/** Every input file built here, by id: what the metadata table would answer for a batch's input (test/support/collect.ts). */
export const inputFiles = new Map<string, FileRecord>();

/** What batches.create hands an adapter: a chat-completions batch created now, due in 24 hours, no model or metadata given. */
export function batchInput(fields: Pick<CreateBatchInput, 'batchId' | 'tenantId'> & Partial<CreateBatchInput>): CreateBatchInput {
  const createdAt = fields.createdAt ?? nowSeconds();
  return {
    endpoint: '/v1/chat/completions',
    completionWindow: '24h',
    inputFile: null,
    model: null,
    extras: {},
    metadata: null,
    createdAt,
    expiresAt: createdAt + 24 * 3600,
    ...fields,
  };
}
