// Azure OpenAI as a provider: Azure's Files and Batch API is OpenAI's with its own URL, auth, input
// form and object shapes, so this is the OpenAI adapter (../openai/adapter.ts) with Azure's client
// (the `openai` package's AzureOpenAI: `{endpoint}/openai/…?api-version=…`, `api-key` header or an
// Entra ID bearer token), a fetch that reads Azure's Batch objects into OpenAI's shape (./status.ts)
// and writes the batch endpoint in Azure's form, input lines rewritten for Azure (./request.ts), the
// wait for Azure to process an upload, and Azure's own errors (./errors.ts). docs/providers.md, Azure.
import { AzureOpenAI, type ClientOptions } from 'openai';
import { GatewayError, badRequest } from '#lambda/http/errors';
import { ProviderUnavailableError } from '#lambda/providers/errors';
import type { AzureCredentials, ProviderAdapter } from '#lambda/providers/provider';

export type { AzureCredentials };
import { createOpenAIAdapter, type OpenAIAdapterOptions } from '#lambda/providers/openai/adapter';
import type { MapContext } from '#lambda/providers/openai/errors';
import { azureSpecificError } from './errors';
import { normalizeAzureBatchAnswer } from './status';
import { entraTokenProvider } from './entra';
import { DEFAULT_AZURE_API_VERSION, azureEndpoint, checkAzureBatchRequest, toAzureLine } from './request';

type Fetch = NonNullable<ClientOptions['fetch']>;

/** Seconds the submit step waits before asking again about an upload Azure is still processing. */
const PROCESSING_RETRY_SECONDS = 15;

const OPERATION_TEXT: Record<MapContext['operation'], string> = {
  upload_file: 'the file upload',
  delete_file: 'the file deletion',
  create_batch: 'the batch creation',
  check_batch: 'the batch status check',
  cancel_batch: 'the batch cancellation',
  collect_results: 'the result download',
};

const isBatchesUrl = (url: string) => /\/openai\/batches(\/[^/?]+(\/cancel)?)?(\?|$)/.test(url);

/**
 * The wire between the SDK and Azure: a batch create's `endpoint` in Azure's form on the way out, and
 * Azure's Batch objects (one, or a list page) in OpenAI's shape on the way back. Other calls pass through.
 */
export function azureFetch(inner: Fetch = fetch): Fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!isBatchesUrl(url)) return inner(input, init);
    let request = init;
    if (init?.method?.toUpperCase() === 'POST' && typeof init.body === 'string') {
      const body = JSON.parse(init.body) as Record<string, unknown>;
      if (typeof body.endpoint === 'string') body.endpoint = azureEndpoint(body.endpoint) ?? body.endpoint;
      request = { ...init, body: JSON.stringify(body) };
    }
    const res = await inner(input, request);
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return res;
    const text = JSON.stringify(normalizeAzureBatchAnswer(await res.json()));
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(text, { status: res.status, statusText: res.statusText, headers });
  };
}

/** The SDK client for the credentials Azure's secret holds: an API key, else an Entra ID service principal, else a bearer token. */
export function azureClient(creds: AzureCredentials, options: { maxRetries: number; timeout: number }, inner?: Fetch): AzureOpenAI {
  if (!creds.endpoint)
    throw badRequest(
      'The azure provider is not configured: set its endpoint (https://<resource>.openai.azure.com) in the Azure secret or FINOPS_AZURE_BASE_URL.',
      'provider',
      'provider_not_configured',
    );
  const common = {
    endpoint: creds.endpoint,
    apiVersion: creds.apiVersion || DEFAULT_AZURE_API_VERSION,
    fetch: azureFetch(inner),
    ...options,
  };
  if (creds.apiKey) return new AzureOpenAI({ ...common, apiKey: creds.apiKey });
  if (creds.servicePrincipal) return new AzureOpenAI({ ...common, azureADTokenProvider: entraTokenProvider(creds.servicePrincipal) });
  const token = creds.bearerToken;
  if (token) return new AzureOpenAI({ ...common, azureADTokenProvider: async () => token });
  throw badRequest(
    'The azure provider is not configured: its secret holds no apiKey, service principal (tenantId, clientId, clientSecret) or bearerToken.',
    'provider',
    'provider_not_configured',
  );
}

/** Azure processes an upload before a batch may use it: wait while it is pending, fail for an `error` file. */
async function untilProcessed(
  openai: { files: { retrieve(id: string): Promise<{ status?: string; status_details?: string | null }> } },
  fileId: string,
): Promise<void> {
  const file = await openai.files.retrieve(fileId);
  if (file.status === 'processed') return;
  if (file.status === 'error') {
    throw badRequest(
      `Azure OpenAI could not process the input file (${fileId}): ${file.status_details ?? 'no details given'}.`,
      'input_file_id',
      'provider_file_error',
    );
  }
  throw new ProviderUnavailableError(
    `Azure OpenAI is still processing the input file ${fileId} (status ${file.status ?? 'unknown'}).`,
    PROCESSING_RETRY_SECONDS,
  );
}

/** Azure's meaning of an error, or null: OpenAI's mapping (with Azure OpenAI named, from the catalog) applies. */
export function mapAzureError(err: unknown, context: MapContext): Error | null {
  // The SDK wraps what the token provider threw (./entra.ts already decided it) in an OpenAIError.
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause instanceof GatewayError || cause instanceof ProviderUnavailableError) return cause;
  return azureSpecificError(err, OPERATION_TEXT[context.operation]);
}

/**
 * Typed as the OpenAI adapter it is built from (kind `api-key`); its context's credentials() hands out the
 * catalog's `azure` kind (lambda/runtime.ts), which the client factory reads.
 */
export function createAzureAdapter(
  options: Pick<OpenAIAdapterOptions, 'maxRetries' | 'timeoutMs'> & { fetch?: Fetch } = {},
): ProviderAdapter {
  const base = createOpenAIAdapter('azure', {
    ...options,
    client: async (ctx, clientOptions) =>
      azureClient((await ctx.credentials()) as unknown as AzureCredentials, clientOptions, options.fetch),
    uploadLine: toAzureLine,
    beforeCreate: untilProcessed,
    mapError: mapAzureError,
  });
  return {
    ...base,
    async acceptBatch(ctx, input) {
      const accepted = base.acceptBatch ? await base.acceptBatch(ctx, input) : {};
      checkAzureBatchRequest(input);
      return accepted;
    },
  };
}

export const azureAdapter: ProviderAdapter = createAzureAdapter();
