// HTTP helpers of the Vertex AI / Cloud Storage simulator: Google's error shape, JSON answers, bodies,
// over the simulator kit (local/simulators/kit).
import type { IncomingMessage } from 'node:http';
import { HttpError as KitHttpError, readBody as kitReadBody, sendJson, type SendJson } from '#local/simulators/kit/index';

export { header } from '#local/simulators/kit/index';

/** Google's error: `code` is the HTTP status, `status` the canonical name (INVALID_ARGUMENT, NOT_FOUND…). */
export class HttpError extends KitHttpError {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(code, message, headers);
  }
}

/** Google's error shape; Cloud Storage answers the same envelope with an `errors` list and no status. */
export function errorBody(code: number, status: string, message: string, storage = false) {
  return storage
    ? { error: { code, message, errors: [{ message, domain: 'global', reason: status.toLowerCase() }] } }
    : { error: { code, message, status } };
}

export const json: SendJson = (res, status, body, headers = {}) =>
  sendJson(res, status, body, { 'content-type': 'application/json; charset=UTF-8', ...headers });

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return kitReadBody(
    req,
    maxBytes,
    () => new HttpError(413, 'INVALID_ARGUMENT', `Request payload size exceeds the limit: ${maxBytes} bytes.`),
  );
}

export function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
  }
}

export const iso = (ms: number) => new Date(ms).toISOString();

export const pageToken = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');

export function pageStart(token: string | null): number {
  if (!token) return 0;
  const start = Number(
    Buffer.from(token, 'base64url')
      .toString('utf8')
      .replace(/^offset:/, ''),
  );
  if (!Number.isInteger(start) || start < 0) throw new HttpError(400, 'INVALID_ARGUMENT', 'Invalid page token.');
  return start;
}
