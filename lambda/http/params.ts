// Validation of the common OpenAI request parameters (ids, list cursors, limits).
import { badRequest } from './errors';
import { BATCH_ID_PATTERN, FILE_ID_PATTERN } from '#lambda/ids';
import { BATCH_STATUSES, type BatchStatus } from '#contracts/openai-types';

export function parseLimit(value: unknown, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw badRequest(`Invalid 'limit': expected an integer between 1 and ${max}, got ${JSON.stringify(value)}.`, 'limit', 'invalid_limit');
  return n;
}

export function parseOrder(value: unknown): 'asc' | 'desc' {
  if (value === undefined || value === '' || value === 'desc') return 'desc';
  if (value === 'asc') return 'asc';
  throw badRequest(`Invalid 'order': expected "asc" or "desc".`, 'order', 'invalid_order');
}

/** Validates an id we issued; anything else (path characters, other shapes) is rejected as malformed. */
export function parseId(value: unknown, kind: 'file' | 'batch', param: string): string {
  const pattern = kind === 'file' ? FILE_ID_PATTERN : BATCH_ID_PATTERN;
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw badRequest(
      `Invalid '${param}': ${JSON.stringify(String(value ?? '').slice(0, 80))} is not a ${kind} id (expected ${kind === 'file' ? 'file-…' : 'batch_…'}).`,
      param,
      'invalid_id',
    );
  }
  return value;
}

export function parseAfter(value: unknown, kind: 'file' | 'batch'): string | undefined {
  if (value === undefined || value === '') return undefined;
  return parseId(value, kind, 'after');
}

export function optionalString(value: unknown, param: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest(`Invalid '${param}': expected a string.`, param);
  return value;
}

/** ?status= on a batch list: one of OpenAI's batch statuses, or none. */
export function parseBatchStatus(value: unknown): BatchStatus | undefined {
  const status = optionalString(value, 'status');
  if (status === undefined) return undefined;
  if (!(BATCH_STATUSES as readonly string[]).includes(status)) {
    throw badRequest(
      `Invalid 'status': expected one of ${BATCH_STATUSES.join(', ')}, got ${JSON.stringify(status.slice(0, 40))}.`,
      'status',
      'invalid_status',
    );
  }
  return status as BatchStatus;
}
