// How long a provider call may take while a client waits. API Gateway answers 504 after 29 s whatever
// the function does, and batches.cancel's function stops at 15 s: a call on a request path (files.create
// and uploads.complete giving the provider its copy, files.delete removing it, batches.cancel) gives up
// well before, so the client gets a 503 with Retry-After and an OpenAI error instead. The tracker's own
// calls (submit, poll, collect) keep their longer timeouts: they have a 15-minute function and retries.
//   FINOPS_PROVIDER_REQUEST_TIMEOUT_MS overrides the default (tests lower it).
export const DEFAULT_REQUEST_PATH_TIMEOUT_MS = 20_000;

/** Retry-After sent with a 503 when the provider gave no hint (a timeout, a reset connection). */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

export function requestPathTimeoutMs(): number {
  const value = Number(process.env.FINOPS_PROVIDER_REQUEST_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_REQUEST_PATH_TIMEOUT_MS;
}
