// GET /openai/files/{file_id}/content — small files inline, large ones by redirect to a short-lived
// presigned S3 URL (a Lambda response cannot carry more than 6 MB; the OpenAI SDKs follow redirects).
import { httpHandler, type HttpResult } from '#lambda/http/handler';
import { callerOf } from '#lambda/http/request';
import { findFile } from '#lambda/http/lookup';
import { badRequest } from '#lambda/http/errors';
import { getServices } from '#lambda/runtime';

export const DOWNLOAD_URL_TTL_SECONDS = 300;

export const handler = httpHandler(async (event): Promise<HttpResult> => {
  const file = await findFile(event, callerOf(event));
  if (file.status !== 'processed')
    throw badRequest(`File ${file.id} has no content yet: its status is ${file.status}.`, 'file_id', 'file_not_ready');
  const { blobs, config } = getServices();
  const size = (await blobs.size(file.blob)) ?? 0;
  if (size > config.maxInlineDownloadBytes) {
    const url = await blobs.presignGet(file.blob, DOWNLOAD_URL_TTL_SECONDS, file.filename);
    return { statusCode: 302, headers: { location: url, 'cache-control': 'no-store' }, body: '' };
  }
  const bytes = await blobs.getBuffer(file.blob);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
    body: bytes.toString('base64'),
    isBase64Encoded: true,
  };
});
