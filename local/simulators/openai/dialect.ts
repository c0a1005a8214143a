// What the OpenAI simulator does differently for each OpenAI-shaped provider of the catalog
// (contracts/providers.ts quirks): its path prefix, upload route and purposes, accepted endpoints and
// completion windows, file limits, id prefixes, and the shape of its answers. `openai` and `groq`
// answer OpenAI's objects; `together` answers Together AI's (lambda/providers/openai/wire.ts names
// the sources): {job} from create, a bare array from list, UPPERCASE statuses, ISO-8601 times.
import {
  PROVIDER_CATALOG,
  completionWindowHours,
  openaiCompatibleQuirks,
  type OpenAICompatibleQuirks,
  type ProviderName,
} from '#contracts/providers';
import { ApiError } from './account';

const OPENAI_FILE_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];
/** together-typescript / docs.together.ai reference/upload-file: FilePurpose. */
const TOGETHER_FILE_PURPOSES = ['fine-tune', 'eval', 'eval-sample', 'eval-output', 'eval-summary', 'batch-generated', 'batch-api'];

export interface SimulatorDialect {
  provider: ProviderName;
  display: string;
  quirks: OpenAICompatibleQuirks;
  /** Path segments before the collection: ['v1'], or ['openai', 'v1'] for Groq. */
  prefix: string[];
  filePurposes: string[];
  /** Purpose of the output and error files a batch writes. */
  outputPurpose: string;
  /** Together uploads at POST /files/upload with a required file_name; the others at POST /files. */
  uploadAt: 'files' | 'files/upload';
  /** Answers with Together's job objects instead of OpenAI's Batch. */
  togetherObjects: boolean;
}

export function simulatorDialect(provider: ProviderName): SimulatorDialect {
  const quirks = openaiCompatibleQuirks(provider);
  if (!quirks) throw new Error(`simulator: provider '${provider}' is not OpenAI-shaped`);
  const together = quirks.dialect === 'together';
  return {
    provider,
    display: PROVIDER_CATALOG[provider].displayName,
    quirks,
    prefix: new URL(PROVIDER_CATALOG[provider].defaultBaseUrl).pathname.split('/').filter(Boolean),
    filePurposes: together ? TOGETHER_FILE_PURPOSES : provider === 'openai' ? OPENAI_FILE_PURPOSES : [quirks.batchFilePurpose],
    outputPurpose: together ? 'batch-generated' : 'batch_output',
    uploadAt: together ? 'files/upload' : 'files',
    togetherObjects: together,
  };
}

/** The provider's refusal of an endpoint or completion window it does not run. */
export function checkBatchParameters(dialect: SimulatorDialect, endpoint: string, completionWindow: unknown): string {
  const { quirks, display } = dialect;
  if (!quirks.endpoints.includes(endpoint)) {
    throw new ApiError(
      400,
      `Invalid value for 'endpoint': '${endpoint}'. ${display} batches support: ${quirks.endpoints.map((e) => `'${e}'`).join(', ')}.`,
      'invalid_request_error',
      'endpoint',
      'invalid_value',
    );
  }
  // Together's completion_window is optional (24h); the others require one.
  const window = completionWindow === undefined && dialect.togetherObjects ? '24h' : completionWindow;
  const hours = completionWindowHours(window);
  const { min, max } = quirks.completionWindowHours;
  if (hours === null || hours < min || hours > max) {
    const allowed = min === max ? `'${min}h'` : `'${min}h' to '${max / 24}d'`;
    throw new ApiError(
      400,
      `Invalid value for 'completion_window': '${String(window)}'. Supported values are: ${allowed}.`,
      'invalid_request_error',
      'completion_window',
      'invalid_value',
    );
  }
  return window as string;
}

const iso = (seconds: number | null | undefined) =>
  seconds === null || seconds === undefined ? undefined : new Date(seconds * 1000).toISOString();

/** OpenAI's Batch object as Together's job: UPPERCASE status (no cancelling/finalizing word), ISO times, progress. */
export function togetherJob(batch: {
  id: string;
  status: string;
  endpoint: string;
  input_file_id: string;
  output_file_id: string | null;
  error_file_id: string | null;
  model: string | null;
  created_at: number;
  completed_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  errors: { data: Array<{ message: string }> } | null;
}) {
  // Together's statuses have no finalizing or cancelling: those are still IN_PROGRESS until they end.
  const status = batch.status === 'finalizing' || batch.status === 'cancelling' ? 'IN_PROGRESS' : batch.status.toUpperCase();
  const { total, completed, failed } = batch.request_counts;
  return {
    id: batch.id,
    user_id: 'sim-user',
    input_file_id: batch.input_file_id,
    file_size_bytes: 0,
    status,
    job_deadline: iso(batch.created_at + 24 * 3600),
    created_at: iso(batch.created_at),
    endpoint: batch.endpoint,
    progress: total === 0 ? 0 : Math.round(((completed + failed) / total) * 100),
    model_id: batch.model ?? undefined,
    output_file_id: batch.output_file_id ?? undefined,
    error_file_id: batch.error_file_id ?? undefined,
    error: batch.errors?.data.map((e) => e.message).join('; ') || undefined,
    completed_at: iso(batch.completed_at),
  };
}
