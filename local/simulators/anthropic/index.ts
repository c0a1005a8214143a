// A local stand-in for Anthropic's Message Batches API (spec/anthropic.md §1-3), close enough that the
// official @anthropic-ai/sdk works against it unchanged and the gateway's code paths really run:
// Anthropic's headers, object shapes, error shape and list pagination; batches that stay in_progress
// for two steps and then end with real Message objects; some requests that error; cancel through
// `canceling`; and faults on demand (FaultInjector).
//
// Triggers, so tests can steer outcomes from ordinary request content:
// - a request without a positive integer `max_tokens` (or without `model` / `messages`) → errored,
//   invalid_request_error (Anthropic validates params only after accepting the batch);
// - a user message containing "[simulate-error]" → errored, overloaded_error;
// - "[simulate-rate-limit-once]" → errored, rate_limit_error, the first time that text is seen only;
// - any user message containing "[simulate-expire]" → the whole batch runs out of time: every request
//   ends `expired` (as if the 24 h window had passed);
// - `tools` with tool_choice `any` or `tool` → the reply is a tool_use block (stop_reason tool_use).
// Replies are deterministic: "Simulated reply to: <last user text>", cut by stop_sequences and
// max_tokens (≈ 4 characters per token) with the matching stop_reason.
//
// The pieces: ./account.ts (the batches and their lifecycle), ./routes.ts (the HTTP table),
// ./behaviour.ts (what each request comes out as), ./wire.ts (Anthropic's errors, ids, JSON answers),
// all on the simulator kit (../kit: bounded bodies, faults first, provider-shaped errors).
import type { IncomingMessage } from 'node:http';
import { FaultInjector, serveSimulator, type RunningSimulator, type SimulatorOptions } from '#local/simulators/kit/index';
import { AnthropicAccount } from './account';
import { routeRequest } from './routes';
import { AnthropicError, errorBody, json } from './wire';

export interface AnthropicSimulatorOptions extends SimulatorOptions {
  /** Requests a Message Batch may hold (Anthropic: 100,000). Lower it to prove a client splits. */
  maxRequestsPerBatch?: number;
  /** Bytes a create body may have (Anthropic: 256 MB). */
  maxBytesPerBatch?: number;
}

export async function startAnthropicSimulator(options: AnthropicSimulatorOptions = {}): Promise<RunningSimulator> {
  const apiKey = options.apiKey ?? 'sim-anthropic-key';
  const faults = new FaultInjector();
  const account = new AnthropicAccount({
    stepMs: options.stepMs ?? 1000,
    maxRequestsPerBatch: options.maxRequestsPerBatch ?? 100_000,
    stateDir: options.stateDir,
  });
  const routes = { account, faults, maxBytesPerBatch: options.maxBytesPerBatch ?? 256_000_000 };
  const server = await serveSimulator({
    port: options.port,
    faults,
    handle: async (req, res, url) => {
      checkCredentials(req, apiKey);
      await routeRequest(routes, req, res, url);
    },
    errorBody: (err) => errorBody(err instanceof AnthropicError ? err : AnthropicError.ofStatus(err.statusCode, err.message)),
    faultError: (status, message) => AnthropicError.ofStatus(status, message),
    internalError: () => new AnthropicError(500, 'api_error', 'Internal server error'),
    json,
    afterRequest: (req) => account.persist(req.method),
  });
  account.origin = server.origin;
  return { url: server.origin, apiKey, faults, close: () => server.close() };
}

/** The API key (x-api-key, or a Bearer token) and the anthropic-version header every request needs. */
function checkCredentials(req: IncomingMessage, apiKey: string): void {
  const key = req.headers['x-api-key'] ?? bearer(req.headers.authorization);
  if (key !== apiKey) throw new AnthropicError(401, 'authentication_error', 'invalid x-api-key');
  if (!req.headers['anthropic-version']) throw new AnthropicError(400, 'invalid_request_error', 'anthropic-version: header is required');
}

function bearer(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}
