// POST /openai/files — upload a batch input file (multipart/form-data).
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, multipartForm, passThroughKey } from '#lambda/http/request';
import { badRequest } from '#lambda/http/errors';
import { getServices } from '#lambda/runtime';
import { resolveProvider } from '#lambda/providers/registry';
import { checkFilename, checkPurpose, ingestBatchFile } from '#lambda/files/ingest';
import { toOpenAIFile } from '#lambda/openai/objects';

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
