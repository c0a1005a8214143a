// The gateway's batch (OpenAI's vocabulary) → what Azure OpenAI's Batch API takes. Pure.
// Sources (docs/providers.md, Azure): learn.microsoft.com "Getting started with Azure OpenAI batch
// deployments" (MicrosoftDocs/azure-ai-docs how-to/batch.md, includes/batch/batch-rest.md,
// includes/global-batch-limits.md).
// - The deployment name is the line's `model` ("The model attribute must be set to match the name of
//   the Global Batch deployment"), the same on every line of a file: a client names its Azure
//   deployment in `body.model` and the gateway sends it as it is (README, Azure OpenAI).
// - With an api-version, the batch endpoint and each line's `url` are `/chat/completions` (no `/v1`,
//   batch-rest.md's samples); `url_mismatch` fails the batch otherwise. The gateway rewrites both.
// - `completion_window` must be `24h` ("If you set any other value than 24h your job will fail").
// - At most 100,000 requests and 200 MB a file; embeddings and fine-tuned models are not supported.
import { badRequest } from '../../http/errors';
import type { CreateBatchInput } from '../provider';

/** The api-version used when none is configured: the latest GA release with the Batch API (batch.md "API support"). */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';
export const AZURE_MAX_REQUESTS_PER_FILE = 100_000;
export const AZURE_MAX_FILE_BYTES = 200 * 1024 * 1024;

/** Gateway (OpenAI) endpoint → Azure's, for the endpoints Azure's global batch runs. */
const ENDPOINTS: Record<string, string> = { '/v1/chat/completions': '/chat/completions' };

export function azureEndpoint(endpoint: string): string | null {
  return Object.hasOwn(ENDPOINTS, endpoint) ? ENDPOINTS[endpoint] : null;
}

/** The checks of batches.create for Azure (no provider call): refused at once with a 400 rather than failing at Azure. */
export function checkAzureBatchRequest(input: Pick<CreateBatchInput, 'endpoint' | 'completionWindow' | 'inputFile'>): void {
  if (azureEndpoint(input.endpoint) === null) {
    throw badRequest(`Azure OpenAI global batch runs ${Object.keys(ENDPOINTS).join(', ')}; got endpoint ${input.endpoint}.`, 'endpoint', 'unsupported_endpoint');
  }
  if (input.completionWindow !== '24h') {
    throw badRequest(`Azure OpenAI batches take completion_window "24h" only (another value fails the job at Azure); got "${input.completionWindow}".`, 'completion_window', 'invalid_value');
  }
  const file = input.inputFile;
  if (file && file.lineCount !== undefined && file.lineCount > AZURE_MAX_REQUESTS_PER_FILE) {
    throw badRequest(`Azure OpenAI takes at most ${AZURE_MAX_REQUESTS_PER_FILE} requests a batch file; ${file.id} has ${file.lineCount}.`, 'input_file_id', 'too_many_requests');
  }
  if (file && file.model === null) {
    throw badRequest(`Every line of an Azure OpenAI batch file must name the same Global Batch deployment in body.model; ${file.id} names several.`, 'input_file_id', 'model_mismatch');
  }
  if (file && file.bytes > AZURE_MAX_FILE_BYTES) {
    throw badRequest(`Azure OpenAI takes batch files up to 200 MB; ${file.id} has ${file.bytes} bytes.`, 'input_file_id', 'file_too_large');
  }
}

/**
 * One line of the gateway's validated JSONL → the line Azure takes: `url` in Azure's form, everything
 * else (custom_id, method, body with the deployment as model) unchanged. Blank lines stay blank.
 */
export function toAzureLine(text: string): string {
  if (text.trim() === '') return text;
  const value = JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  const url = typeof value.url === 'string' ? (azureEndpoint(value.url) ?? value.url) : value.url;
  return JSON.stringify({ ...value, url });
}
