// The OpenAI simulator's HTTP edge: OpenAI's error answers (for the simulator kit's server), the
// Bearer key check, JSON and multipart bodies, file downloads (whole, or broken mid-body for `reset`),
// and the File object. The Azure simulator answers through the same helpers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import busboy from 'busboy';
import { HttpError, discard, readBody } from '#local/simulators/kit/index';
import { ApiError, type SimFile } from './account';

export { discard, sendJson } from '#local/simulators/kit/index';

/** OpenAI's limit on one uploaded file. */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;
const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** An HttpError as OpenAI's error (every error the simulator throws is already an ApiError). */
export function asApiError(err: HttpError): ApiError {
  return err instanceof ApiError ? err : new ApiError(err.statusCode, err.message, 'invalid_request_error', null, null, err.headers);
}

/** The answer of a fault rule: OpenAI's 429 `rate_limit_exceeded`, or its 500. */
export function faultError(status: number, message: string): ApiError {
  return new ApiError(
    status,
    message,
    status === 429 ? 'rate_limit_error' : 'server_error',
    null,
    status === 429 ? 'rate_limit_exceeded' : null,
  );
}

export const internalError = () => new ApiError(500, 'The server had an error while processing your request.', 'server_error');

/** `Authorization: Bearer <apiKey>`, else OpenAI's 401 (which says whether the key was missing or wrong). */
export async function authorize(req: IncomingMessage, apiKey: string): Promise<void> {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (match !== null && match[1].trim() === apiKey) return;
  await discard(req);
  const missing = !req.headers.authorization;
  throw new ApiError(
    401,
    missing
      ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
      : 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
    'invalid_request_error',
    null,
    missing ? null : 'invalid_api_key',
  );
}

export async function notRouted(req: IncomingMessage, method: string, path: string): Promise<never> {
  await discard(req);
  throw new ApiError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error');
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (
    await readBody(req, MAX_JSON_BODY_BYTES, () => new ApiError(413, 'Request body too large.', 'invalid_request_error'))
  ).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ApiError(
      400,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      'invalid_request_error',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ApiError(400, 'The request body must be a JSON object.', 'invalid_request_error');
  return value as Record<string, unknown>;
}

export interface UploadedPart {
  filename: string;
  content: Buffer;
  truncated: boolean;
}

/** A multipart/form-data body: its fields and its `file` part (at most MAX_FILE_BYTES; `truncated` beyond). */
export function readMultipart(req: IncomingMessage): Promise<{ fields: Record<string, string>; file: UploadedPart | null }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: UploadedPart | null = null;
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: MAX_FILE_BYTES, files: 1 } });
    } catch {
      reject(new ApiError(400, 'Could not parse the multipart form (missing boundary).', 'invalid_request_error'));
      return;
    }
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (name === 'file')
          file = {
            filename: info.filename || 'unknown_file',
            content: Buffer.concat(chunks),
            truncated: (stream as { truncated?: boolean }).truncated === true,
          };
      });
    });
    parser.on('error', () => reject(new ApiError(400, 'Could not parse the multipart form body.', 'invalid_request_error')));
    parser.on('close', () => resolve({ fields, file }));
    req.pipe(parser);
  });
}

export function sendContent(res: ServerResponse, file: SimFile, resetMidBody: boolean): void {
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': file.content.length,
    'content-disposition': `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"`,
  });
  if (!resetMidBody) {
    res.end(file.content);
    return;
  }
  // Half the promised bytes, then a dead connection: what a client sees when a download breaks.
  const half = file.content.subarray(0, Math.max(1, Math.floor(file.content.length / 2)));
  res.write(half, () => res.socket?.destroy());
}

export function fileObject(file: SimFile) {
  return {
    id: file.id,
    object: 'file' as const,
    bytes: file.content.length,
    created_at: file.createdAt,
    expires_at: file.expiresAt,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed' as const,
    status_details: null,
  };
}
