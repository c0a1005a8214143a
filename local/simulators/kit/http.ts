// The HTTP plumbing every provider simulator shares: an error that carries its status and headers (each
// simulator subclasses it with its provider's fields and shapes the body in serveSimulator's errorBody),
// JSON answers, bounded body reading, draining an unread body, one header's value.
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * An answer other than 2xx. `statusCode` is the HTTP status (named so that it clashes with neither
 * OpenAI's `code` string nor Google's `status` string of a subclass); `headers` go out with the answer.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** How a simulator writes a JSON answer (its content type, headers it adds to every answer). */
export type SendJson = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => void;

/** A JSON answer with its content-length; `headers` may replace the default `application/json` content type. */
export const sendJson: SendJson = (res, status, body, headers = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
};

/**
 * Reads the whole body, at most `maxBytes`; more is the provider's 413 (`tooLarge`). A body whose
 * declared content-length is already over the limit is refused before a byte is read (and drained,
 * so the client sees the answer rather than a broken pipe).
 */
export async function readBody(req: IncomingMessage, maxBytes: number, tooLarge: (maxBytes: number) => HttpError): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw tooLarge(maxBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Drains an unread request body so the client sees our answer instead of a broken pipe. */
export async function discard(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  for await (const _chunk of req) void _chunk;
}

/** The first value of a request header (Node gives a list for some repeated headers). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
