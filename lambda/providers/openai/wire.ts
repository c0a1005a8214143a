// How an OpenAI-shaped provider's Files and Batch calls go over the wire, by the catalog's dialect
// (contracts/providers.ts): `openai` is the SDK as it is (OpenAI, Groq); `together` is Together AI's
// batch API reached through the same SDK client (its auth, retries and errors) and turned into
// OpenAI's Batch object, so the adapter above it has one shape to read.
//   Together (docs.together.ai reference/upload-file, inference/batch/manage; together-typescript
//   src/resources/batches.ts): POST /files/upload (multipart purpose, file_name, file_type, file);
//   POST /batches answers {job, warning}; GET /batches/{id} and POST /batches/{id}/cancel answer the
//   job; GET /batches answers a bare array; statuses are UPPERCASE; times are ISO-8601 strings; jobs
//   carry no metadata and no request counts (a 0–100 `progress`).
import type OpenAI from 'openai';
import { toStreamingFile } from 'openai';
import type { Batch, BatchCreateParams } from 'openai/resources/batches';
import type { OpenAICompatibleQuirks } from '#contracts/providers';

export interface UploadInput {
  body: NodeJS.ReadableStream | ReadableStream<Uint8Array>;
  filename: string;
  timeoutMs: number;
}

export interface CreateInput {
  input_file_id: string;
  endpoint: string;
  completion_window: string;
  metadata: Record<string, string>;
}

export interface BatchWire {
  /** Whether batches carry metadata (the gateway batch id used to find a batch a lost answer made). */
  readonly batchMetadata: boolean;
  uploadFile(client: OpenAI, input: UploadInput): Promise<{ id: string; bytes?: number }>;
  createBatch(client: OpenAI, input: CreateInput): Promise<Batch>;
  retrieveBatch(client: OpenAI, id: string): Promise<Batch>;
  cancelBatch(client: OpenAI, id: string, timeoutMs: number): Promise<void>;
  /** Newest first. */
  listBatches(client: OpenAI): AsyncIterable<Batch>;
}

function openaiWire(quirks: OpenAICompatibleQuirks): BatchWire {
  return {
    batchMetadata: true,
    uploadFile: (client, { body, filename, timeoutMs }) =>
      client.files.create(
        { file: toStreamingFile(body as never, filename, { type: 'application/jsonl' }), purpose: quirks.batchFilePurpose as 'batch' },
        // A streamed body cannot be replayed, so the SDK does not retry it; the error tells the caller to.
        { timeout: timeoutMs, maxRetries: 0 },
      ),
    createBatch: (client, input) =>
      client.batches.create(
        {
          input_file_id: input.input_file_id,
          endpoint: input.endpoint as BatchCreateParams['endpoint'],
          completion_window: input.completion_window as BatchCreateParams['completion_window'],
          metadata: input.metadata,
        },
        // No idempotency key upstream: a retried create after a lost answer would start a second paid
        // batch. Fail once and let the caller decide.
        { maxRetries: 0 },
      ),
    retrieveBatch: (client, id) => client.batches.retrieve(id),
    cancelBatch: async (client, id, timeoutMs) => {
      await client.batches.cancel(id, { timeout: timeoutMs, maxRetries: 0 });
    },
    listBatches: (client) => client.batches.list({ limit: 100 }),
  };
}

/** Together's batch job (together-typescript BatchJob). */
export interface TogetherJob {
  id?: string;
  status?: string;
  endpoint?: string;
  input_file_id?: string;
  output_file_id?: string;
  error_file_id?: string;
  error?: string;
  model_id?: string;
  created_at?: string;
  completed_at?: string;
  progress?: number;
}

const isoSeconds = (value: string | undefined): number | undefined => {
  const ms = value ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
};

/** A Together job as OpenAI's Batch object (what the adapter and its status mapping read). */
export function togetherJobToBatch(job: TogetherJob): Batch {
  const createdAt = isoSeconds(job.created_at) ?? 0;
  return {
    id: job.id ?? '',
    object: 'batch',
    endpoint: job.endpoint ?? '/v1/chat/completions',
    input_file_id: job.input_file_id ?? '',
    completion_window: '24h',
    // VALIDATING, IN_PROGRESS, COMPLETED, FAILED, EXPIRED, CANCELLED: OpenAI's words in capitals.
    status: (job.status ?? 'in_progress').toLowerCase() as Batch['status'],
    output_file_id: job.output_file_id || undefined,
    error_file_id: job.error_file_id || undefined,
    created_at: createdAt,
    ...(isoSeconds(job.completed_at) !== undefined ? { completed_at: isoSeconds(job.completed_at) } : {}),
    ...(job.error ? { errors: { object: 'list', data: [{ code: 'provider_error', message: job.error, param: null, line: null }] } } : {}),
    metadata: null,
    ...(job.model_id ? { model: job.model_id } : {}),
  } as Batch;
}

function togetherWire(quirks: OpenAICompatibleQuirks): BatchWire {
  return {
    batchMetadata: false,
    uploadFile: (client, { body, filename, timeoutMs }) =>
      client.files.create(
        {
          file: toStreamingFile(body as never, filename, { type: 'application/jsonl' }),
          purpose: quirks.batchFilePurpose as 'batch',
          file_name: filename,
          file_type: 'jsonl',
        } as never,
        { path: '/files/upload', timeout: timeoutMs, maxRetries: 0 },
      ),
    createBatch: async (client, input) => {
      const created = await client.post<{ job?: TogetherJob }>('/batches', {
        body: { input_file_id: input.input_file_id, endpoint: input.endpoint, completion_window: input.completion_window },
        maxRetries: 0,
      });
      return togetherJobToBatch(created.job ?? {});
    },
    retrieveBatch: async (client, id) => togetherJobToBatch(await client.get<TogetherJob>(`/batches/${encodeURIComponent(id)}`)),
    cancelBatch: async (client, id, timeoutMs) => {
      await client.post(`/batches/${encodeURIComponent(id)}/cancel`, { timeout: timeoutMs, maxRetries: 0 });
    },
    listBatches: async function* (client) {
      const jobs = await client.get<TogetherJob[]>('/batches');
      const batches = (Array.isArray(jobs) ? jobs : []).map(togetherJobToBatch);
      yield* batches.sort((a, b) => b.created_at - a.created_at);
    },
  };
}

export function batchWire(quirks: OpenAICompatibleQuirks): BatchWire {
  return quirks.dialect === 'together' ? togetherWire(quirks) : openaiWire(quirks);
}
