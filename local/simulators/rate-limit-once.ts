// A per-line fault every simulator understands: a user message containing "[simulate-rate-limit-once]"
// makes that request fail with the provider's rate-limit error the first time any simulator of this
// process answers that text, and succeed every time after (on any provider). A retry of just the
// failed lines (POST /batches/{id}/retry) then passes, as it does once a real rate limit has passed.
export const RATE_LIMIT_ONCE_MARKER = '[simulate-rate-limit-once]';

const limited = new Set<string>();

/** True the first time `texts` (one request's user texts) carry the marker; `provider` is for the reader. */
export function rateLimitedOnce(_provider: string, texts: readonly string[]): boolean {
  const text = texts.find((t) => t.includes(RATE_LIMIT_ONCE_MARKER));
  if (text === undefined || limited.has(text)) return false;
  limited.add(text);
  return true;
}
