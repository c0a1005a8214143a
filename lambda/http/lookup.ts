// Finding the caller's file or batch from a path parameter. Another tenant's object, an unknown id and
// a provider mismatch all answer 404, so ids reveal nothing.
import { noSuchBatch, noSuchFile } from './errors';
import { pathParam, queryOf, type Caller, type GatewayEvent } from './request';
import { parseId } from './params';
import { getServices } from '../runtime';
import { resolveProvider } from '../providers/registry';
import type { BatchRecord, FileRecord } from '../store/records';

function requestedProvider(event: GatewayEvent, body?: Record<string, unknown>) {
  const value = body?.provider ?? queryOf(event).provider;
  return value === undefined || value === '' ? undefined : resolveProvider(value, getServices().config.defaultProvider);
}

export async function findFile(event: GatewayEvent, caller: Caller): Promise<FileRecord> {
  const id = parseId(pathParam(event, 'file_id'), 'file', 'file_id');
  const provider = requestedProvider(event);
  const file = await getServices().metadata.getFile(caller.tenantId, id);
  if (!file || (provider && file.provider !== provider)) throw noSuchFile(id);
  return file;
}

export async function findBatch(event: GatewayEvent, caller: Caller, body?: Record<string, unknown>): Promise<BatchRecord> {
  const id = parseId(pathParam(event, 'batch_id'), 'batch', 'batch_id');
  const provider = requestedProvider(event, body);
  const batch = await getServices().metadata.getBatch(caller.tenantId, id);
  if (!batch || (provider && batch.provider !== provider)) throw noSuchBatch(id);
  return batch;
}
