// Mixed-model batches on providers that run one model per job (Bedrock: one modelId per
// CreateModelInvocationJob; Gemini: the model is in the batchGenerateContent URL; OpenAI: "each input
// file can only include requests to a single model"; sources in docs/providers.md). "Submit to
// provider" splits the input by model into one file per model, beside the input, and runs one provider
// job per model under the one OpenAI batch; every later step follows all of them. Each job is, to its
// adapter, an ordinary single-model batch whose id is the job's key, so the adapters' own idempotency
// (Bedrock's clientRequestToken, Gemini's display_name, OpenAI's metadata) keeps a retried submit from
// making a second job for the same model. Pure parts here; the steps' I/O in jobs-steps.ts.
import { badRequest } from '#lambda/http/errors';
import { isTerminal, type BatchError, type BatchStatus, type RequestCounts } from '#contracts/openai-types';
import type { CreateBatchInput, ProviderAdapter } from '#lambda/providers/provider';
import type { BlobStore, LineWriter } from '#lambda/store/blobs';
import type { BatchRecord, BlobLocation, FileRecord, ProviderJob } from '#contracts/records';

/** A mixed-model file opens one writer per model while it is split: a gateway limit, to bound memory. */
export const MAX_MODELS_PER_BATCH = 10;

/** Whether a batch runs as one provider job per model. */
export const runsAsJobs = (
  adapter: Pick<ProviderAdapter, 'oneModelPerJob'>,
  file: Pick<FileRecord, 'model'> | null,
  model: string | null,
) => Boolean(adapter.oneModelPerJob) && model === null && file !== null && file.model === null;

/** What the adapter sees as the batch id of the job: derived from the batch id, the same on every attempt. */
export const jobKey = (batchId: string, index: number) => `${batchId}-m${index + 1}`;

export const tooManyModels = (fileId: string, count: number) =>
  badRequest(
    `The lines of ${fileId} name ${count} models; a batch may mix at most ${MAX_MODELS_PER_BATCH} (each runs as its own provider job). Split the file.`,
    'input_file_id',
    'too_many_models',
  );

/** Where a job's lines go: beside the input file (same bucket, so a Bedrock job in another region finds them there). */
export function jobInputLocation(file: Pick<FileRecord, 'blob'>, batchId: string, index: number): BlobLocation {
  const dir = file.blob.key.slice(0, file.blob.key.lastIndexOf('/') + 1);
  return { bucket: file.blob.bucket, key: `${dir}by-model/${batchId}/${index + 1}.jsonl` };
}

/** The model a (validated) input line names. */
function modelOfLine(text: string): string | null {
  try {
    const model = (JSON.parse(text) as { body?: { model?: unknown } }).body?.model;
    return typeof model === 'string' ? model : null;
  } catch {
    return null; // validated on upload; a line without a request runs nowhere
  }
}

/** Splits the input by model, streaming: one file per model, in the order the models first appear. */
export async function splitByModel(blobs: BlobStore, batch: Pick<BatchRecord, 'id'>, file: FileRecord): Promise<ProviderJob[]> {
  const parts = new Map<string, { writer: LineWriter; index: number }>();
  try {
    for await (const line of blobs.readLines(file.blob)) {
      const model = line.text.trim() === '' ? null : modelOfLine(line.text);
      if (model === null) continue;
      let part = parts.get(model);
      if (!part) {
        if (parts.size === MAX_MODELS_PER_BATCH) throw tooManyModels(file.id, parts.size + 1);
        part = { writer: blobs.openLineWriter(jobInputLocation(file, batch.id, parts.size)), index: parts.size };
        parts.set(model, part);
      }
      await part.writer.writeLine(line.text);
    }
    const jobs: ProviderJob[] = [];
    for (const [model, part] of parts) {
      const written = await part.writer.close();
      jobs.push(
        newJob(jobKey(batch.id, part.index), model, {
          blob: jobInputLocation(file, batch.id, part.index),
          lineCount: written.lines,
          bytes: written.bytes,
        }),
      );
    }
    return jobs;
  } catch (err) {
    await Promise.all([...parts.values()].map((p) => p.writer.abort().catch(() => undefined)));
    throw err;
  }
}

function newJob(key: string, model: string, input: ProviderJob['input']): ProviderJob {
  return {
    key,
    model,
    input,
    providerBatchId: null,
    submittedAt: null,
    status: 'validating',
    requestCounts: { total: input.lineCount, completed: 0, failed: 0 },
    errors: null,
    metadata: null,
  };
}

/** The job's input as a file of one model (never the mixed file's own provider copy). */
export function jobFile(
  batch: Pick<BatchRecord, 'tenantId' | 'provider' | 'createdAt'>,
  job: ProviderJob,
  original?: FileRecord | null,
): FileRecord {
  return {
    id: original?.id ?? job.key,
    tenantId: batch.tenantId,
    provider: batch.provider,
    filename: original?.filename ?? `${job.key}.jsonl`,
    purpose: 'batch',
    bytes: job.input.bytes,
    createdAt: original?.createdAt ?? batch.createdAt,
    expiresAt: null,
    status: 'processed',
    statusDetails: null,
    blob: job.input.blob,
    lineCount: job.input.lineCount,
    model: job.model,
    endpoint: original?.endpoint ?? null,
    ...(job.input.providerFileId ? { providerFileId: job.input.providerFileId } : {}),
    // The original's (e.g. the region a Bedrock file lives in), then what the provider's copy recorded.
    providerData: { ...(original?.providerData ?? {}), ...(job.input.providerData ?? {}) },
  };
}

/** What the adapter's createBatch gets for a job: the batch's request, for one model under the job's key. */
export function jobInput(input: CreateBatchInput, job: ProviderJob): CreateBatchInput {
  return {
    ...input,
    batchId: job.key,
    model: job.model,
    inputFile: jobFile(
      { tenantId: input.tenantId, provider: input.inputFile?.provider ?? 'openai', createdAt: input.createdAt },
      job,
      input.inputFile,
    ),
  };
}

/** The job as its adapter sees it when polling, cancelling and collecting: a batch of one model. */
export function jobBatch(batch: BatchRecord, job: ProviderJob): BatchRecord {
  return {
    ...batch,
    id: job.key,
    model: job.model,
    models: null,
    jobs: null,
    status: job.status,
    providerBatchId: job.providerBatchId,
    providerData: job.providerData,
    requestCounts: job.requestCounts,
    submittedAt: job.submittedAt,
    metadata: batch.metadata || job.metadata ? { ...(batch.metadata ?? {}), ...(job.metadata ?? {}) } : null,
  };
}

/** Jobs the provider has: accepted, not refused. */
export const atProvider = (job: ProviderJob) =>
  job.submittedAt !== null && (job.providerBatchId !== null || job.providerData !== undefined);

/** Jobs to poll (and to cancel): at the provider and not finished there. */
export const stillRunning = (job: ProviderJob) => atProvider(job) && !isTerminal(job.status);

/**
 * The batch's status from its jobs'. Running while any job runs (validating only while none has
 * started; cancelling while every running job is); once all ended: completed when none was cancelled,
 * expired or failed, failed only when all failed, else cancelled, else expired; a mix of completed
 * and failed jobs is completed, the failed job's lines answered in the error file.
 */
export function batchStatusOf(statuses: BatchStatus[]): BatchStatus {
  const running = statuses.filter((s) => !isTerminal(s));
  if (running.length > 0) {
    if (running.every((s) => s === 'validating') && running.length === statuses.length) return 'validating';
    if (running.every((s) => s === 'cancelling')) return 'cancelling';
    return 'in_progress';
  }
  if (statuses.every((s) => s === 'failed')) return 'failed';
  if (statuses.includes('cancelled')) return 'cancelled';
  if (statuses.includes('expired')) return 'expired';
  return 'completed';
}

export function sumCounts(jobs: ProviderJob[]): RequestCounts {
  return jobs.reduce(
    (sum, j) => ({
      total: sum.total + j.requestCounts.total,
      completed: sum.completed + j.requestCounts.completed,
      failed: sum.failed + j.requestCounts.failed,
    }),
    { total: 0, completed: 0, failed: 0 },
  );
}

/** Every job's errors, each naming its model. */
export function jobErrors(jobs: ProviderJob[]): BatchError[] {
  return jobs.flatMap((j) =>
    (j.errors ?? []).map((e) => (e.message.startsWith(`${j.model}: `) ? e : { ...e, message: `${j.model}: ${e.message}` })),
  );
}

/** The batch's metadata from its jobs': a key every job reports the same (Bedrock's run_mode) is kept, others are left out. */
export function commonMetadata(jobs: ProviderJob[]): Record<string, string> {
  const [first, ...rest] = jobs.filter(atProvider).map((j) => j.metadata ?? {});
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)));
}
