// Anthropic's wire shapes the simulator answers with: its error types and error body, JSON answers
// carrying a `request-id` header, its ids (random, or stable for a batch's request) and ISO timestamps.
import type { ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { HttpError, sendJson } from '#local/simulators/kit/index';

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'request_too_large';

/** An answer other than 2xx, in Anthropic's terms: its HTTP status and error type. */
export class AnthropicError extends HttpError {
  constructor(
    statusCode: number,
    readonly type: AnthropicErrorType,
    message: string,
  ) {
    super(statusCode, message);
  }

  /** The error a status stands for where only the status is known (the fault knobs). */
  static ofStatus(statusCode: number, message: string): AnthropicError {
    return new AnthropicError(statusCode, typeOfStatus(statusCode), message);
  }
}

export const invalidRequest = (message: string) => new AnthropicError(400, 'invalid_request_error', message);

function typeOfStatus(status: number): AnthropicErrorType {
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  if (status === 404) return 'not_found_error';
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

/** Anthropic's error shape. */
export function errorBody(error: AnthropicError) {
  return { type: 'error', error: { type: error.type, message: error.message }, request_id: `req_${token(24)}` };
}

/** A JSON answer with Anthropic's `request-id` header. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJson(res, status, body, { 'request-id': `req_${token(24)}`, ...headers });
}

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random id of `length` letters and digits (batch ids, request ids). */
export function token(length: number): string {
  return [...randomBytes(length)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** An id of `length` letters and digits that is the same for the same parts (a request's message id across reads). */
export function stableToken(length: number, ...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return Array.from({ length }, (_, i) => ALPHABET[digest[i % digest.length] % ALPHABET.length]).join('');
}
