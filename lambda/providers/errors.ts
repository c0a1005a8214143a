// Errors adapters throw so that the tracker knows whether to retry.

/**
 * The provider is temporarily unavailable (429, 5xx, timeout, connection reset). The tracker's Retry
 * matches this name and tries again with backoff; a handler answers 503 (or 429) to the client.
 */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailable';
  constructor(message: string, readonly retryAfterSeconds?: number, readonly status?: number) {
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
