// POST /openai/files/direct-uploads — gateway extension: a presigned S3 PUT for a batch input file of
// up to 200 MB (lambda/files/direct-upload.ts). The file is `uploaded` until S3 has the bytes and
// files-register has validated them; files.retrieve shows when it is `processed` (or `error`).
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, jsonBody, passThroughKey } from '#lambda/http/request';
import { badRequest } from '#lambda/http/errors';
import { getServices } from '#lambda/runtime';
import { nowSeconds } from '#lambda/time';
import { createDirectUpload, parseDirectUploadRequest } from '#lambda/files/direct-upload';

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  const { config } = getServices();
  // The provider's copy is made later, by files-register, when this request and its key are gone.
  if (passThroughKey(event, config.allowProviderKeyPassThrough)) {
    throw badRequest(
      'Direct uploads are registered after this request ends, without your provider key: upload with files.create or the Uploads API to use X-Provider-Api-Key.',
      null,
      'passthrough_not_supported',
    );
  }
  const params = parseDirectUploadRequest(jsonBody(event), config.defaultProvider, nowSeconds());
  return json(await createDirectUpload(caller, params));
});
