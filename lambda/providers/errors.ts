// Errors adapters throw so that the tracker knows whether to retry.

/**
 * The provider is temporarily unavailable (429, 5xx, timeout, connection reset). The tracker's Retry
 * matches this name and tries again with backoff; a handler answers 503 (or 429) to the client.
 */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The provider no longer knows a batch we created (404 on a known id): a permanent failure. */
export class ProviderLostBatchError extends Error {
  override readonly name = 'ProviderLostBatch';
}

/** Whether an HTTP status from a provider is worth retrying. */
export const isTransientStatus = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

/**
 * The provider has no room for another batch right now (Bedrock ServiceQuotaExceededException for
 * concurrent jobs, Anthropic's 429 for a full batch queue, Gemini RESOURCE_EXHAUSTED, OpenAI
 * token_limit_exceeded). Not a failure: the batch stays `validating` and is submitted when room frees.
 * A ProviderUnavailableError, so every caller that retries a transient error retries this too.
 */
export class ProviderQueueFullError extends ProviderUnavailableError {
  readonly queueFull = true;
}

// ---- The provider-error kit: one reading of Retry-After, of network failures and of an error's text,
// shared by every adapter's error mapping (openai/errors.ts, anthropic, gemini/client.ts, bedrock/aws-errors.ts)
// and the tracker (tracker/lifecycle.ts).

/** Anything with a `get(name)` header lookup: fetch Headers, the OpenAI and Anthropic SDKs' headers. */
export interface HeaderLookup {
  get(name: string): string | null;
}

/**
 * Seconds to wait from a `Retry-After` value: delay-seconds or an HTTP date (RFC 9110 §10.2.3,
 * https://www.rfc-editor.org/rfc/rfc9110#field.retry-after). Negative delays count as 0; anything
 * unreadable as absent.
 */
export function parseRetryAfter(raw: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (raw === null || raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - nowMs) / 1000)) : undefined;
}

/**
 * Seconds to wait from response headers: `retry-after-ms` first, else `Retry-After` as above. The
 * official OpenAI and Anthropic SDKs' own retry logic reads them in that order (openai/client.js and
 * @anthropic-ai/sdk/client.js, "`retry-after-ms` may not be standard"), so the gateway does too.
 */
export function retryAfterSeconds(headers: HeaderLookup | null | undefined, nowMs = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms / 1000);
  return parseRetryAfter(headers.get('retry-after'), nowMs);
}

/** Socket and stream failures of Node and undici (the fetch behind every provider SDK): the network's fault, not the request's. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  cause?: unknown;
}

/**
 * Whether an error (or one of its causes) is the network's: a socket error code, undici's
 * `TypeError: terminated` (a body stream cut) or `fetch failed`, or an abort (a timeout of ours). Matched
 * by name and message, not instanceof: the error may come from another realm (test runners), and a
 * TypeError from a bug in our code must not look retryable.
 */
export function isNetworkError(err: unknown): boolean {
  for (
    let e = err as ErrorLike | undefined, depth = 0;
    e && typeof e === 'object' && depth < 4;
    e = e.cause as ErrorLike | undefined, depth++
  ) {
    if (e.code && NETWORK_ERROR_CODES.has(e.code)) return true;
    if (e.name === 'TypeError' && (e.message === 'terminated' || e.message === 'fetch failed')) return true;
    if (e.name === 'AbortError') return true;
  }
  return false;
}

/**
 * An error's text for a message or a log: the provider's own message when an SDK kept it apart
 * (`apiMessage`), else the message, followed by the code or message of its cause (fetch hides the
 * socket error there). Bounded by `max` characters when given.
 */
export function describeError(err: unknown, max?: number): string {
  const e = err as (ErrorLike & { apiMessage?: string; cause?: ErrorLike }) | null | undefined;
  const own = (e && typeof e === 'object' && (e.apiMessage ?? e.message)) || String(err);
  const cause = e && typeof e === 'object' && e.cause && typeof e.cause === 'object' ? (e.cause.code ?? e.cause.message) : undefined;
  const text = [own, cause].filter(Boolean).join(': ');
  return max === undefined ? text : text.slice(0, max);
}
