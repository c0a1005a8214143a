// Finding the caller's file or batch from a path parameter. Another tenant's object, an unknown id and
// a provider mismatch all answer 404, so ids reveal nothing.
import { noSuchBatch, noSuchFile } from './errors';
import { pathParam, queryOf, type Caller, type GatewayEvent } from './request';
import { parseId } from './params';
import { getServices } from '#lambda/runtime';
import { resolveProvider } from '#lambda/providers/registry';
import { BATCH_ID_PATTERN, FILE_ID_PATTERN } from '#lambda/ids';
import type { BatchRecord, FileRecord } from '#contracts/records';

function requestedProvider(event: GatewayEvent, body?: Record<string, unknown>) {
  const value = body?.provider ?? queryOf(event).provider;
  return value === undefined || value === '' ? undefined : resolveProvider(value, getServices().config.defaultProvider);
}

/**
 * A URL-safe token of another shape than ours (a placeholder such as "batch-abc123", an id from
 * elsewhere) is simply not found, as OpenAI answers it; only ids with path or control characters, or
 * longer than any id, are refused as malformed (parseId).
 */
const PLAIN_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
function unknownShapedId(value: unknown, ours: RegExp): value is string {
  return typeof value === 'string' && PLAIN_TOKEN.test(value) && !ours.test(value);
}

export async function findFile(event: GatewayEvent, caller: Caller): Promise<FileRecord> {
  const raw = pathParam(event, 'file_id');
  if (unknownShapedId(raw, FILE_ID_PATTERN)) throw noSuchFile(raw);
  const id = parseId(raw, 'file', 'file_id');
  const provider = requestedProvider(event);
  const file = await getServices().metadata.getFile(caller.tenantId, id);
  if (!file || (provider && file.provider !== provider)) throw noSuchFile(id);
  return file;
}

export async function findBatch(event: GatewayEvent, caller: Caller, body?: Record<string, unknown>): Promise<BatchRecord> {
  const raw = pathParam(event, 'batch_id');
  if (unknownShapedId(raw, BATCH_ID_PATTERN)) throw noSuchBatch(raw);
  const id = parseId(raw, 'batch', 'batch_id');
  const provider = requestedProvider(event, body);
  const batch = await getServices().metadata.getBatch(caller.tenantId, id);
  if (!batch || (provider && batch.provider !== provider)) throw noSuchBatch(id);
  return batch;
}
