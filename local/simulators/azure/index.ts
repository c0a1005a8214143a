// A local stand-in for Azure OpenAI's Files and Batch APIs (https://<resource>.openai.azure.com/openai/…
// ?api-version=…), faithful enough that the official `openai` package's AzureOpenAI client and the
// gateway's Azure adapter run against it unchanged. The batches themselves run on the simulated OpenAI
// account (local/simulators/openai/account.ts) with Azure's rules (./rules.ts); this file is the wire.
//
// Endpoints (all under /openai, all requiring `?api-version=`): POST/GET /files, GET/DELETE /files/{id},
// GET /files/{id}/content, POST/GET /batches, GET /batches/{id}, POST /batches/{id}/cancel.
// Auth: an `api-key: <key>` header (default `sim-azure-key`) or `Authorization: Bearer <Entra token>`
//   (default `sim-azure-entra-token`); else 401 {"error":{"code":"401","message":"Access denied due to
//   invalid subscription key or wrong API endpoint. …"}} (the text Azure sends, e.g. SciSharp/BotSharp#386).
// api-version missing → 404 {"error":{"code":"404","message":"Resource not found"}} (MicrosoftDocs/
//   azure-docs#114602); not one with the Batch API → 400 {"error":{"code":"BadRequest","message":"API
//   version not supported"}} (openai/codex#3725).
// Errors: {"error":{"code","message","param","type"}} with an `apim-request-id` header (2024-10-21 spec).
//
// Files: an upload is `pending`, then `processed` one step later (batch-rest.md's samples); a batch
//   from a file not yet processed is refused (400, **unverified**: Azure's answer is not documented).
//   Purposes `batch`, `fine-tune`, `assistants`; at most 500 batch files per resource without
//   `expires_after` (global-batch-limits.md; the refusal's wording is **unverified**).
// Batches: endpoint `/chat/completions` only (the simulator answers chat); completion_window must be
//   `24h` ("If you set any other value than 24h your job will fail": the batch fails validation).
//   Whole-file validation as OpenAI's (duplicate_custom_id, url_mismatch — each line's url must be the
//   endpoint, model_mismatch, empty_file) with Azure's limit of 100,000 requests (too_many_tasks), an
//   unknown deployment (model_not_found) and a UTF-8 BOM (rules.ts).
//   Lifecycle as the OpenAI simulator's (validating → in_progress → finalizing → completed, one step
//   each; cancel → cancelling → cancelled with the partial results); Azure never expires a job.
//   A completed batch always has an error_file_id, an empty file when nothing failed (batch.md
//   "Troubleshooting"). The create answer says "Validating" with ISO 8601 times, as the docs' sample.
// Per-request triggers: those of the OpenAI simulator (local/simulators/openai/index.ts) plus
//   "[simulate-content-filter]" → HTTP 400 `content_filter` in the error file.
// Entra ID: POST /{tenant}/oauth2/v2.0/token (client credentials: grant_type, client_id, client_secret,
//   scope https://cognitiveservices.azure.com/.default) answers {token_type, expires_in, access_token}
//   with the accepted bearer token for the configured principal; else 401 {"error":"invalid_client",
//   "error_description":"AADSTS7000215: …"} (the OAuth 2.0 error shape of learn.microsoft.com's
//   client-credentials page; the AADSTS text is **reported**). Point FINOPS_AZURE_AUTHORITY_HOST here.
// Faults: FaultInjector as every simulator (rate_limit answers 429 {"error":{"code":"429",…}} with
//   retry-after; lose_batch answers 404 for a known batch; reset destroys the socket).
//
// Layout: resource.ts (the OpenAI simulator's account with Azure's views and limits), routes.ts (the
// HTTP table), wire.ts (errors, auth, the token endpoint), rules.ts (Azure's rules, pure), over the
// simulator kit (../kit).
import { FaultInjector, serveSimulator, type RunningSimulator, type SimulatorOptions } from '#local/simulators/kit/index';
import { randomId, type AccountOptions } from '#local/simulators/openai/account';
import { persistedAccount } from '#local/simulators/openai/persisted';
import { userTextsOf } from '#local/simulators/openai/requests';
import { internalError } from '#local/simulators/openai/wire';
import { azureResource } from './resource';
import { azureRoutes } from './routes';
import { azureAccountRules, deploymentsFrom } from './rules';
import { azureErrorBody, azureFaultError } from './wire';

export { SIMULATE_CONTENT_FILTER_MARKER } from './rules';

export interface AzureSimulatorOptions extends SimulatorOptions {
  /** The Entra ID bearer token the simulator accepts instead of the key (default `sim-azure-entra-token`). */
  entraToken?: string;
  /** Deployment name → model version (default: rules.ts DEFAULT_DEPLOYMENTS or FINOPS_SIM_AZURE_DEPLOYMENTS). */
  deployments?: Record<string, string>;
  /** The Entra ID service principal whose client-credentials grant the token endpoint honours. */
  servicePrincipal?: { tenantId: string; clientId: string; clientSecret: string };
  now?: () => number;
}

export const SIM_SERVICE_PRINCIPAL = { tenantId: 'sim-tenant', clientId: 'sim-azure-client', clientSecret: 'sim-azure-client-secret' };

export interface RunningAzureSimulator extends RunningSimulator {
  /** The resource endpoint (what the gateway's `endpoint` is): the APIs live under {url}/openai. */
  url: string;
  entraToken: string;
  servicePrincipal: { tenantId: string; clientId: string; clientSecret: string };
  /** An api-version the simulator serves (the gateway's default). */
  apiVersion: string;
}

export const AZURE_SIM_API_VERSION = '2024-10-21';

export async function startAzureSimulator(options: AzureSimulatorOptions = {}): Promise<RunningAzureSimulator> {
  const credentials = {
    apiKey: options.apiKey ?? 'sim-azure-key',
    entraToken: options.entraToken ?? 'sim-azure-entra-token',
    principal: options.servicePrincipal ?? SIM_SERVICE_PRINCIPAL,
  };
  const now = options.now ?? Date.now;
  const stepMs = options.stepMs ?? 1000;
  // The simulated OpenAI account, with Azure's names (the ids its samples show) and rules.
  const rules: AccountOptions = {
    provider: 'azure',
    batchPurpose: 'batch',
    outputPurpose: 'batch_output',
    ids: { file: 'file-', batch: 'batch_' },
    rules: azureAccountRules(options.deployments ?? deploymentsFrom(process.env), userTextsOf),
  };
  // Saved after every request: a GET may add a completed batch's empty error file.
  const stored = persistedAccount('azure', stepMs, rules, options.stateDir, true);
  const faults = new FaultInjector();
  const routes = azureRoutes(azureResource(stored.account, { stepMs, now }), { faults, credentials, now });
  const served = await serveSimulator({
    port: options.port,
    faults,
    headers: () => ({ 'apim-request-id': randomId('', 32).toLowerCase() }),
    errorBody: azureErrorBody,
    faultError: azureFaultError,
    internalError,
    afterRequest: (req) => stored.afterRequest(req),
    handle: routes,
  });
  return {
    url: served.origin,
    apiKey: credentials.apiKey,
    entraToken: credentials.entraToken,
    servicePrincipal: credentials.principal,
    apiVersion: AZURE_SIM_API_VERSION,
    faults,
    close: served.close,
  };
}
