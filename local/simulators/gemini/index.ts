// A local stand-in for the Gemini Developer API's Files and Batch APIs (shared/spec/gemini.md §1-2),
// close enough that the official @google/genai client works against it unchanged and the gateway's
// code paths really run:
// - auth by `x-goog-api-key` header or `?key=`: none → 403 PERMISSION_DENIED, a wrong one → 400
//   INVALID_ARGUMENT with reason API_KEY_INVALID (what Google answers for a bad API key);
// - Google's error shape {error:{code,message,status}}; a file that does not exist answers 403
//   "… or it may not exist", as the real Files API does;
// - resumable uploads (start → x-goog-upload-url → upload / upload, finalize / query) with offsets,
//   256 KiB chunk granularity and the declared length checked;
// - files get / list (pageSize ≤ 100, pageToken) / delete; download (`/download/v1beta/…:download` and
//   `/v1beta/…:download`, ?alt=media) of GENERATED files only: uploaded files cannot be downloaded;
// - batchGenerateContent (file or inline input) returning an Operation, and the embeddings batch
//   asyncBatchEmbedContent for embedding models only (embeddings.ts); batches get / list
//   (`operations`, nextPageToken) / :cancel / delete; states on the wire are BATCH_STATE_*, counts in
//   batchStats are int64 strings, proto3 style (zero counts omitted);
// - a batch is PENDING for one step, RUNNING for one step, then SUCCEEDED with a GENERATED responses
//   file of GenerateContentResponse / error lines in input order (outcomes.ts lists per-request
//   triggers). A cancel lands one step later (unless the batch finished first) → CANCELLED, no output.
//   Batch-wide triggers in any user text: "[simulate-expire]" → EXPIRED, "[simulate-batch-failure]" →
//   FAILED with an Operation error; neither has output.
// - faults (FaultInjector): rate_limit / server_error / timeout anywhere; on batch routes `lose_batch`
//   (404) and `reset` (connection dropped); on downloads `reset` cuts the body half way.
//
// Built on the simulator kit (../kit), split as the OpenAI one: account.ts (files, uploads, batches
// and their lifecycle), routes.ts (the HTTP table and the key check), uploads.ts and batch-input.ts
// (what a request asks for), outcomes.ts and embeddings.ts (what one request of a batch answers),
// wire.ts (Google's errors, paging), state.ts (persistence).
import { FaultInjector, serveSimulator, type RunningSimulator, type SimulatorOptions } from '#local/simulators/kit/index';
import { GeminiAccount } from './account';
import { geminiHandler } from './routes';
import { restoreState } from './state';
import { GeminiError, errorBodyOf, json } from './wire';

export interface GeminiSimulatorOptions extends SimulatorOptions {
  /**
   * Serve downloads on the documented `/download/v1beta/…` path (default true). False answers 404
   * there, as some deployments do, so clients must fall back to `/v1beta/…:download`.
   */
  documentedDownloadPath?: boolean;
}

export interface GeminiSimulator extends RunningSimulator {
  /** Test hook, not part of the API: the bytes and chunk count of a stored file. */
  storedFile(name: string): { bytes: Buffer; source: 'UPLOADED' | 'GENERATED'; chunks: number } | undefined;
}

export async function startGeminiSimulator(options: GeminiSimulatorOptions = {}): Promise<GeminiSimulator> {
  const apiKey = options.apiKey ?? 'sim-gemini-key';
  const faults = new FaultInjector();
  const account = new GeminiAccount(options.stepMs ?? 1000);
  const state = restoreState(options.stateDir, account);
  const server = await serveSimulator({
    port: options.port,
    faults,
    handle: geminiHandler({ account, faults, apiKey, documentedDownloadPath: options.documentedDownloadPath ?? true }),
    errorBody: errorBodyOf,
    faultError: (status, message) => new GeminiError(status, status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL', message),
    internalError: () => new GeminiError(500, 'INTERNAL', 'An internal error has occurred.'),
    json,
    faultPath: (url) => decodeURIComponent(url.pathname),
    afterRequest: (req) => state?.saveIfChanged(req.method ?? 'GET'),
  });
  account.origin = server.origin;
  return {
    url: server.origin,
    apiKey,
    faults,
    storedFile(name: string) {
      const file = account.files.get(name);
      return file ? { bytes: file.bytes, source: file.source, chunks: file.chunks } : undefined;
    },
    close: () => server.close(),
  };
}
