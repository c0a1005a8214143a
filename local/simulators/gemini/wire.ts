// Google's wire conventions as the Gemini simulator speaks them, over the simulator kit
// (local/simulators/kit): its error (HTTP status, canonical status name, details, headers) and error
// body, JSON answers, bounded bodies, paging, timestamps, ids.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError, readBody as kitReadBody, sendJson, type SendJson } from '#local/simulators/kit/index';

export { header } from '#local/simulators/kit/index';

/** Google's error: `code` is the HTTP status, `status` the canonical name (INVALID_ARGUMENT, NOT_FOUND…). */
export class GeminiError extends HttpError {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
    readonly details?: unknown[],
    headers: Record<string, string> = {},
  ) {
    super(code, message, headers);
  }
}

/** Google's error shape. */
export function errorBody(code: number, status: string, message: string, details?: unknown[]) {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

/** The body of any error the server answers (a kit HttpError that is not Google's is an INTERNAL one). */
export const errorBodyOf = (err: HttpError) =>
  err instanceof GeminiError
    ? errorBody(err.code, err.status, err.message, err.details)
    : errorBody(err.statusCode, 'INTERNAL', err.message);

export const json: SendJson = (res, status, body, headers = {}) =>
  sendJson(res, status, body, { 'content-type': 'application/json; charset=UTF-8', ...headers });

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return kitReadBody(
    req,
    maxBytes,
    () => new GeminiError(413, 'INVALID_ARGUMENT', `Request payload size exceeds the limit: ${maxBytes} bytes.`),
  );
}

export function parseJson(raw: Buffer, allowEmpty = false): unknown {
  if (raw.length === 0 && allowEmpty) return null;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new GeminiError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
  }
}

/** pageSize (default, max 100) and the offset a pageToken stands for. */
export function paging(query: URLSearchParams, defaultSize: number): { size: number; start: number } {
  const sizeText = query.get('pageSize') ?? query.get('page_size');
  const requested = sizeText === null ? defaultSize : Number(sizeText);
  if (!Number.isInteger(requested) || requested < 0)
    throw new GeminiError(400, 'INVALID_ARGUMENT', 'page_size must be a non-negative integer.');
  const size = Math.min(requested === 0 ? defaultSize : requested, 100);
  const tokenText = query.get('pageToken') ?? query.get('page_token');
  if (!tokenText) return { size, start: 0 };
  const start = Number(
    Buffer.from(tokenText, 'base64url')
      .toString('utf8')
      .replace(/^offset:/, ''),
  );
  if (!Number.isInteger(start) || start < 0) throw new GeminiError(400, 'INVALID_ARGUMENT', 'Invalid page_token.');
  return { size, start };
}

export const pageToken = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');

/** One page of `all` and the token of the next, if any. */
export function pageOf<T>(all: T[], query: URLSearchParams, defaultSize: number): { page: T[]; next?: string } {
  const { size, start } = paging(query, defaultSize);
  return { page: all.slice(start, start + size), ...(start + size < all.length ? { next: pageToken(start + size) } : {}) };
}

export const iso = (ms: number) => new Date(ms).toISOString();

export function token(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}
