// What the simulated Azure OpenAI does differently from the simulated OpenAI account it runs on
// (local/simulators/openai/account.ts): its batch limits, its whole-file checks, its answers and the
// shape of its Batch objects. Pure functions; every rule cites its source (docs/providers.md, Azure).
//
// Sources: learn.microsoft.com "Getting started with Azure OpenAI batch deployments" (MicrosoftDocs/
// azure-ai-docs articles/ai-foundry/openai/how-to/batch.md, includes/batch/batch-rest.md and
// batch-python.md, includes/global-batch-limits.md), Azure/azure-rest-api-specs AzureOpenAI inference
// 2024-10-21 (error schema, inner_error ResponsibleAIPolicyViolation), issue threads cited inline.
import type { AccountRules } from '#local/simulators/openai/account';
import type { BatchValidationError, InputLine } from '#local/simulators/openai/jsonl';
import type { RequestAnswer } from '#local/simulators/openai/requests';

/** "Maximum requests per file: 100,000" (global-batch-limits.md); OpenAI's is 50,000. */
export const AZURE_MAX_REQUESTS = 100_000;
/** "Maximum input file size: 200 MB" (global-batch-limits.md). */
export const AZURE_MAX_BATCH_FILE_BYTES = 200 * 1024 * 1024;
/** "Maximum files per resource: 500" when no expiration is set (global-batch-limits.md, batch-python.md). */
export const AZURE_MAX_FILES = 500;
/** The batch endpoint value Azure's api-version surface documents (batch-rest.md: `"endpoint": "/chat/completions"`). */
export const AZURE_CHAT_ENDPOINT = '/chat/completions';
/**
 * api-versions with the Batch API: GA 2024-10-21 and the previews from 2024-07-01-preview on (batch.md
 * "API support": latest GA 2024-10-21, latest preview 2025-04-01-preview). Others answer 400 "API
 * version not supported" (as reported in openai/codex#3725, hotovo/aider-desk#460).
 */
export const AZURE_BATCH_API_VERSIONS = [
  '2024-07-01-preview',
  '2024-08-01-preview',
  '2024-09-01-preview',
  '2024-10-01-preview',
  '2024-10-21',
  '2024-12-01-preview',
  '2025-01-01-preview',
  '2025-02-01-preview',
  '2025-03-01-preview',
  '2025-04-01-preview',
];

/**
 * Global-Batch deployments of the simulated resource: deployment name → the model version it serves
 * (what `body.model` of an answer names, as in batch-python.md's sample: `"model": "gpt-4o-2024-05-13"`).
 * FINOPS_SIM_AZURE_DEPLOYMENTS=name=model,… replaces the list.
 */
export const DEFAULT_DEPLOYMENTS: Record<string, string> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
  'gpt-5': 'gpt-5-2025-08-07',
  'o3-mini': 'o3-mini-2025-01-31',
  'o4-mini': 'o4-mini-2025-04-16',
};

export function deploymentsFrom(env: NodeJS.ProcessEnv): Record<string, string> {
  const raw = env.FINOPS_SIM_AZURE_DEPLOYMENTS;
  if (!raw) return DEFAULT_DEPLOYMENTS;
  const pairs = raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => p.split('=').map((s) => s.trim()));
  return Object.fromEntries(pairs.map(([name, model]) => [name, model || name]));
}

/** A user message containing this makes that request fail as Azure's content filter answers (HTTP 400 `content_filter`). */
export const SIMULATE_CONTENT_FILTER_MARKER = '[simulate-content-filter]';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * batch.md "Known issues": a UTF-8-BOM file is treated as invalid, with the generic message below;
 * "Error codes": `model_not_found` when the deployment named in `model` does not exist.
 */
export function azureValidation(deployments: Record<string, string>) {
  return (lines: InputLine[], content: Buffer): BatchValidationError[] => {
    if (content.subarray(0, 3).equals(UTF8_BOM)) {
      const message =
        "Validation failed: A valid model deployment name couldn't be extracted from the input file. Please ensure that each row in the input file has a valid deployment name specified in the 'model' field, and that the deployment name is consistent across all rows.";
      return [{ code: 'invalid_request', message, param: null, line: 1 }];
    }
    const first = lines.find((l) => typeof (l.body as { model?: unknown })?.model === 'string');
    const deployment = first ? String((first.body as { model: string }).model) : null;
    if (deployment !== null && Object.hasOwn(deployments, deployment)) return [];
    const message = `The Azure OpenAI model deployment name that was specified in the model property of the input file (${deployment ?? 'none'}) wasn't found. Please ensure this name points to a valid Azure OpenAI model deployment.`;
    return [{ code: 'model_not_found', message, param: 'body.model', line: first?.line ?? null }];
  };
}

const SAFE = { filtered: false, severity: 'safe' };
const CHOICE_FILTERS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const PROMPT_FILTERS = { ...CHOICE_FILTERS, jailbreak: { filtered: false, detected: false } };

/**
 * Azure's touch on each answer: the deployment's model version as `model`, content-filter results on
 * the prompt and on each choice (batch-python.md's output sample), and the content filter's refusal
 * (error `content_filter` with `inner_error.code` ResponsibleAIPolicyViolation, the 2024-10-21 spec).
 */
export function azureAnswer(deployments: Record<string, string>, texts: (body: unknown) => string[]) {
  return (body: unknown, answer: RequestAnswer): RequestAnswer => {
    if (texts(body).some((t) => t.includes(SIMULATE_CONTENT_FILTER_MARKER))) return contentFilterAnswer();
    if (answer.statusCode !== 200) return answer;
    const b = answer.body as { model: string; choices: Array<Record<string, unknown>> } & Record<string, unknown>;
    const model = deployments[b.model] ?? b.model;
    const choices = b.choices.map((c) => ({ ...c, content_filter_results: CHOICE_FILTERS }));
    const { service_tier: _tier, ...rest } = b;
    return {
      ...answer,
      body: { ...rest, model, choices, prompt_filter_results: [{ prompt_index: 0, content_filter_results: PROMPT_FILTERS }] },
    };
  };
}

function contentFilterAnswer(): RequestAnswer {
  const message =
    "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.";
  const filtered = { ...CHOICE_FILTERS, violence: { filtered: true, severity: 'high' } };
  const error = {
    code: 'content_filter',
    message,
    param: 'prompt',
    type: null,
    status: 400,
    inner_error: { code: 'ResponsibleAIPolicyViolation', content_filter_results: filtered },
  };
  return { statusCode: 400, body: { error }, promptTokens: 0, completionTokens: 0 };
}

export function azureAccountRules(deployments: Record<string, string>, texts: (body: unknown) => string[]): AccountRules {
  return { maxRequests: AZURE_MAX_REQUESTS, validate: azureValidation(deployments), answer: azureAnswer(deployments, texts) };
}

/** The simulated OpenAI Batch object (account.batchObject) as Azure shows it. */
export type OpenAIShapedBatch = Record<string, unknown> & {
  status: string;
  request_counts: { total: number; completed: number; failed: number };
  created_at: number;
  expires_at: number;
};

/**
 * Azure's Batch object: no `model` or `usage`, `endpoint` null (batch-python.md's samples), and
 * `request_counts` with null members until validation is over (batch-rest.md's samples).
 */
export function azureBatchObject(batch: OpenAIShapedBatch): Record<string, unknown> {
  const { model: _model, usage: _usage, ...rest } = batch;
  const counted = batch.status !== 'validating';
  const counts = counted ? batch.request_counts : { total: null, completed: null, failed: null };
  return { ...rest, endpoint: null, request_counts: counts };
}

/** The answer to batches.create as batch-rest.md's sample shows it: `"status": "Validating"` and ISO 8601 times. */
export function azureCreatedBatchObject(batch: OpenAIShapedBatch): Record<string, unknown> {
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('Z', '+00:00');
  return { ...azureBatchObject(batch), status: 'Validating', created_at: iso(batch.created_at), expires_at: iso(batch.expires_at) };
}
