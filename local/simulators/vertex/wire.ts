// HTTP helpers of the Vertex AI / Cloud Storage simulator: Google's error shape, JSON answers, bodies.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Google's error shape; Cloud Storage answers the same envelope with an `errors` list and no status. */
export function errorBody(code: number, status: string, message: string, storage = false) {
  return storage
    ? { error: { code, message, errors: [{ message, domain: 'global', reason: status.toLowerCase() }] } }
    : { error: { code, message, status } };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, 'INVALID_ARGUMENT', `Request payload size exceeds the limit: ${maxBytes} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
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
