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
import { badRequest } from '#lambda/http/errors';
import type { CreateBatchInput } from '#lambda/providers/provider';

/** The api-version used when none is configured: the latest GA release with the Batch API (batch.md "API support"). */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

/** Gateway (OpenAI) endpoint → Azure's, for the endpoints Azure's global batch runs. */
const ENDPOINTS: Record<string, string> = { '/v1/chat/completions': '/chat/completions' };

export function azureEndpoint(endpoint: string): string | null {
  return Object.hasOwn(ENDPOINTS, endpoint) ? ENDPOINTS[endpoint] : null;
}

/**
 * Azure's rule the catalog quirks do not say (its endpoint, 24h window, 100,000 requests and 200 MB a
 * file are `openaiCompatible` quirks in contracts/providers.ts, checked by ../openai/quirks.ts): one
 * Global Batch deployment for every line of a file. Refused at batches.create rather than failing at Azure.
 */
export function checkAzureBatchRequest(input: Pick<CreateBatchInput, 'inputFile'>): void {
  const file = input.inputFile;
  if (file && file.model === null) {
    throw badRequest(
      `Every line of an Azure OpenAI batch file must name the same Global Batch deployment in body.model; ${file.id} names several.`,
      'input_file_id',
      'model_mismatch',
    );
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
