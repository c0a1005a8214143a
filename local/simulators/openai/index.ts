// A local stand-in for OpenAI's Files and Batch APIs (https://api.openai.com/v1), faithful enough
// that the official `openai` SDK and the gateway's OpenAI adapter run against it unchanged.
//
// Endpoints: POST/GET /v1/files, GET/DELETE /v1/files/{id}, GET /v1/files/{id}/content,
// POST/GET /v1/batches, GET /v1/batches/{id}, POST /v1/batches/{id}/cancel. Batches run
// /v1/chat/completions (requests.ts) and /v1/embeddings (embeddings.ts) lines.
// Auth: `Authorization: Bearer <apiKey>` (default `sim-openai-key`), 401 otherwise.
// Errors: OpenAI's `{"error":{"message","type","param","code"}}`, with an `x-request-id` header.
//
// Batch lifecycle (computed from elapsed time on every request; no timers):
//   validating ─stepMs→ in_progress ─stepMs→ finalizing ─stepMs→ completed
//   Requests run in input order while in_progress, so request_counts grow during that step.
//   Output and error files (purpose `batch_output`) appear when the batch reaches a terminal status;
//   their lines are in a stable hash order, not input order (clients must join on custom_id).
//
// Triggers (documented so tests and the local gateway can ask for each outcome):
//   Per request (that request goes to the error file, the rest of the batch runs):
//     - a user message containing "[simulate-error]"        → status_code 400, code `simulated_error`
//     - a user message containing "[simulate-server-error]" → status_code 500, type `server_error`
//     - "[simulate-rate-limit-once]" → status_code 429, code `rate_limit_exceeded`, the first time that text is seen only
//     - body.messages empty or missing                      → status_code 400 (`empty_array` / `missing_required_parameter`)
//     - body.model starting with "invalid-"                 → status_code 404, code `model_not_found`
//     - max_tokens / max_completion_tokens below the answer's length → a 200 cut short, finish_reason `length`
//     - per endpoint (/v1/responses, /v1/completions, /v1/moderations): the rules in ./endpoint-answers.ts
//   Whole batch (validating → failed, with `errors.data[]` naming the lines):
//     - a duplicate custom_id (`duplicate_custom_id`), a line whose url differs from the batch endpoint
//       (`url_mismatch`), method other than POST (`invalid_method`), lines naming different models
//       (`model_mismatch`), an empty file (`empty_file`), more than 50,000 requests (`too_many_tasks`).
//   Batch metadata `{"simulate": "expire"}` → validating → in_progress → expired: the first half of
//     the requests ran (output/error file), the rest are error lines with `error.code: "batch_expired"`.
//   Cancel (validating/in_progress/finalizing) → cancelling, one step later cancelled: the requests that
//     had run when the cancel arrived are in the output/error files, the rest are error lines with
//     `error.code: "batch_cancelled"`. Cancelling a batch already cancelling/cancelled returns it
//     unchanged; cancelling a completed/failed/expired batch is a 409 (with `x-should-retry: false`).
//   Upload (purpose `batch`): every non-blank line must be a JSON object with custom_id (string),
//     method, url and body, else 400 "Invalid file format for Batch API. Must be .jsonl …".
//
// Faults (FaultInjector, also via POST {url}/__control/faults): rate_limit, server_error and timeout
// are applied by faults.intercept() before anything else; `lose_batch` answers 404 for a batch the
// simulator knows (GET /v1/batches/{id} and its cancel); `reset` destroys the socket — mid-body for
// GET /v1/files/{id}/content (half the bytes are sent), before any byte elsewhere.
//
// Other OpenAI-shaped providers (options.provider, contracts/providers.ts): the same account and
// lifecycle with that provider's quirks (dialect.ts): Groq under /openai/v1 with completion windows
// 24h–7d and 100 MB files; Together AI with uploads at POST /v1/files/upload (purpose `batch-api`,
// file_name), Together's job objects and statuses, output files of purpose `batch-generated`.
//
// Layout: account.ts (the state and the batch lifecycle), routes.ts (the HTTP table), params.ts (the
// request checks), wire.ts (errors, bodies, downloads), requests.ts / embeddings.ts /
// endpoint-answers.ts (what one batch line answers), over the simulator kit (../kit).
import { FaultInjector, serveSimulator, type RunningSimulator, type SimulatorOptions } from '#local/simulators/kit/index';
import { randomId } from './account';
import { simulatorDialect, type SimulatorDialect } from './dialect';
import { persistedAccount } from './persisted';
import { openAIRoutes } from './routes';
import { asApiError, authorize, faultError, internalError } from './wire';
import type { ProviderName } from '#contracts/providers';

export { SIMULATE_ERROR_MARKER, SIMULATE_SERVER_ERROR_MARKER, INVALID_MODEL_PREFIX } from './requests';
export { SIMULATE_EXPIRE } from './account';
export { checkMetadata, limitParam } from './params';
export { discard, readJson, readMultipart, sendContent, sendJson } from './wire';

export interface OpenAISimulatorOptions extends SimulatorOptions {
  /** The simulator's clock in milliseconds (default Date.now); tests pass a controllable one. */
  now?: () => number;
  /** Which OpenAI-shaped provider of the catalog to be (default openai). */
  provider?: ProviderName;
}

export async function startOpenAISimulator(options: OpenAISimulatorOptions = {}): Promise<RunningSimulator> {
  const dialect = simulatorDialect(options.provider ?? 'openai');
  const apiKey = options.apiKey ?? `sim-${dialect.provider}-key`;
  const now = options.now ?? Date.now;
  const stored = persistedAccount(dialect.provider, options.stepMs ?? 1000, accountOptions(dialect), options.stateDir);
  const faults = new FaultInjector();
  const routes = openAIRoutes({ account: stored.account, dialect, faults, now });
  const served = await serveSimulator({
    port: options.port,
    faults,
    headers: () => ({ 'x-request-id': randomId('req_', 32).toLowerCase(), 'openai-version': '2020-10-01' }),
    errorBody: (err) => asApiError(err).toBody(),
    faultError,
    internalError,
    afterRequest: (req) => stored.afterRequest(req),
    async handle(req, res, url) {
      await authorize(req, apiKey);
      stored.settle(now());
      await routes(req, res, url);
    },
  });
  return { url: `${served.origin}/${dialect.prefix.join('/')}`, apiKey, faults, close: served.close };
}

/** What the account needs to know of the provider it plays. */
function accountOptions(dialect: SimulatorDialect) {
  return {
    provider: dialect.provider,
    batchPurpose: dialect.quirks.batchFilePurpose,
    outputPurpose: dialect.outputPurpose,
    ids: dialect.quirks.idPrefixes,
  };
}
