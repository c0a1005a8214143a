// POST /openai/files — upload a batch input file (multipart/form-data).
import { httpHandler, json } from '../http/handler';
import { callerOf, multipartForm, passThroughKey } from '../http/request';
import { badRequest } from '../http/errors';
import { getServices } from '../runtime';
import { resolveProvider } from '../providers/registry';
import { checkFilename, checkPurpose, ingestBatchFile } from '../files/ingest';
import { toOpenAIFile } from '../openai/objects';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const { config, blobs } = getServices();
  const form = await multipartForm(event, config.maxDirectUploadBytes);
  const { purpose, provider, ...extras } = form.fields;
  const file = form.file;
  if (!file) throw badRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter');
  const record = await ingestBatchFile({
    tenantId: caller.tenantId,
    provider: resolveProvider(provider, config.defaultProvider),
    filename: checkFilename(file.filename),
    purpose: checkPurpose(purpose),
    extras,
    passThroughKey: passThroughKey(event, config.allowProviderKeyPassThrough),
    write: async (location) => (await blobs.put(location, file.data, 'application/jsonl')).bytes,
  });
  return json(toOpenAIFile(record));
});
