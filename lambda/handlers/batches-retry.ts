// POST /openai/batches/{batch_id}/retry — a new batch of the failed lines (lambda/retries/retry.ts).
// Body (all optional): {"error_codes": [...], "provider", "model"}.
import { httpHandler } from '#lambda/http/handler';
import { handler as createBatch } from './batches-create';
import { callerOf, jsonBody } from '#lambda/http/request';
import { findBatch } from '#lambda/http/lookup';
import { parseRetryOptions } from '#lambda/retries/select';
import { retryBatch } from '#lambda/retries/retry';

export const handler = httpHandler(async (event, context) => {
  const caller = callerOf(event);
  const options = parseRetryOptions(jsonBody(event));
  // Found by id alone: `provider` in this body names where the retry runs, not which batch.
  const batch = await findBatch(event, caller);
  return retryBatch(event, context, caller, batch, options, createBatch);
});
