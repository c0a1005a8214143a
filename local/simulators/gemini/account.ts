// The simulated Gemini account: its files, upload sessions and batches, how they look on the wire
// (File, Operation), and a batch's lifecycle. A batch is PENDING for one step, RUNNING for one step,
// then runs (outcomes.ts, embeddings.ts) and ends; the state is computed from elapsed time whenever a
// batch is looked at, so there are no timers.
import { createHash } from 'node:crypto';
import { simulateOutcome, userTexts } from './outcomes';
import { EMBED_BATCH_TYPE, EMBED_OUTPUT_TYPE, embedTexts, simulateEmbedOutcome } from './embeddings';
import { GeminiError, iso, pageOf } from './wire';

export const FILE_TTL_MS = 48 * 60 * 60 * 1000;
const BATCH_TYPE = 'type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch';
const OUTPUT_TYPE = 'type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatchOutput';

export interface SimFile {
  name: string;
  displayName?: string;
  mimeType: string;
  bytes: Buffer;
  createdAt: number;
  source: 'UPLOADED' | 'GENERATED';
  chunks: number;
}

export interface UploadSession {
  id: string;
  declaredLength: number | null;
  mimeType: string;
  displayName?: string;
  name?: string;
  parts: Buffer[];
  received: number;
  chunks: number;
  file: SimFile | null;
}

export interface SimRequest {
  key: string;
  request: unknown;
}

export interface SimBatch {
  id: string;
  model: string;
  displayName: string;
  createdAt: number;
  inputFile: string | null;
  requests: SimRequest[];
  inline: boolean;
  cancelledAt: number | null;
  endedAt: number | null;
  state: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';
  responsesFile: string | null;
  inlinedResponses: Array<Record<string, unknown>> | null;
  /** An embeddings batch (asyncBatchEmbedContent, embeddings.ts); absent: batchGenerateContent. */
  kind?: 'embed';
  stats: { successful: number; failed: number };
  error: { code: number; message: string } | null;
}

/** What a new batch is made of (batch-input.ts reads it from the create request). */
export type NewBatch = Pick<SimBatch, 'id' | 'model' | 'displayName' | 'inputFile' | 'requests' | 'inline' | 'kind'>;

export class GeminiAccount {
  readonly files = new Map<string, SimFile>(); // insertion order = creation order
  readonly sessions = new Map<string, UploadSession>();
  readonly batches = new Map<string, SimBatch>();
  /** The simulator's origin, for the URIs of files (set once it listens). */
  origin = '';

  constructor(private readonly stepMs: number) {}

  // ---------------------------------------------------------------------------------------------
  // files

  fileView(file: SimFile) {
    return {
      name: file.name,
      ...(file.displayName ? { displayName: file.displayName } : {}),
      mimeType: file.mimeType,
      sizeBytes: String(file.bytes.length),
      createTime: iso(file.createdAt),
      updateTime: iso(file.createdAt),
      expirationTime: iso(file.createdAt + FILE_TTL_MS),
      sha256Hash: Buffer.from(createHash('sha256').update(file.bytes).digest('hex')).toString('base64'),
      uri: `${this.origin}/v1beta/${file.name}`,
      ...(file.source === 'GENERATED' ? { downloadUri: `${this.origin}/download/v1beta/${file.name}:download?alt=media` } : {}),
      state: fileState(file),
      source: file.source,
    };
  }

  knownFile(name: string): SimFile {
    const file = this.files.get(name);
    if (!file || Date.now() > file.createdAt + FILE_TTL_MS) {
      throw new GeminiError(
        403,
        'PERMISSION_DENIED',
        `You do not have permission to access the File ${name.replace(/^files\//, '')} or it may not exist.`,
      );
    }
    return file;
  }

  listFiles(query: URLSearchParams) {
    const all = [...this.files.values()].filter((f) => Date.now() <= f.createdAt + FILE_TTL_MS).reverse();
    const { page, next } = pageOf(all, query, 10);
    // proto3 JSON: an empty list is omitted, so no files answers {}.
    return { ...(page.length ? { files: page.map((f) => this.fileView(f)) } : {}), ...(next ? { nextPageToken: next } : {}) };
  }

  // ---------------------------------------------------------------------------------------------
  // batches

  knownBatch(id: string): SimBatch {
    const batch = this.batches.get(id);
    if (!batch) throw new GeminiError(404, 'NOT_FOUND', `Batch batches/${id} not found.`);
    return batch;
  }

  /** Gemini's batch quota (concurrent batches) answers 429 RESOURCE_EXHAUSTED; off unless FINOPS_SIM_GEMINI_MAX_ACTIVE_BATCHES is set. */
  refuseWhenQuotaReached() {
    const cap = Number(process.env.FINOPS_SIM_GEMINI_MAX_ACTIVE_BATCHES);
    if (!Number.isFinite(cap) || cap <= 0) return;
    const active = [...this.batches.values()].filter((b) => !this.operationView(b).done).length;
    if (active >= cap)
      throw new GeminiError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).', undefined, {
        'retry-after': '1',
      });
  }

  addBatch(spec: NewBatch) {
    const batch: SimBatch = {
      ...spec,
      createdAt: Date.now(),
      cancelledAt: null,
      endedAt: null,
      state: 'PENDING',
      responsesFile: null,
      inlinedResponses: null,
      stats: { successful: 0, failed: 0 },
      error: null,
    };
    this.batches.set(batch.id, batch);
    return this.operationView(batch);
  }

  listBatches(query: URLSearchParams) {
    const { page, next } = pageOf([...this.batches.values()].reverse(), query, 50);
    return { ...(page.length ? { operations: page.map((b) => this.operationView(b)) } : {}), ...(next ? { nextPageToken: next } : {}) };
  }

  cancel(batch: SimBatch) {
    this.advance(batch);
    if (batch.endedAt !== null)
      throw new GeminiError(
        400,
        'FAILED_PRECONDITION',
        `Batch batches/${batch.id} is already in a terminal state (BATCH_STATE_${batch.state}) and cannot be cancelled.`,
      );
    batch.cancelledAt ??= Date.now();
    return {};
  }

  /** The batch as a long-running Operation, its state brought up to date first. */
  operationView(batch: SimBatch) {
    this.advance(batch);
    const output = outputOf(batch);
    const done = batch.endedAt !== null;
    return {
      name: `batches/${batch.id}`,
      metadata: {
        '@type': batch.kind === 'embed' ? EMBED_BATCH_TYPE : BATCH_TYPE,
        name: `batches/${batch.id}`,
        model: `models/${batch.model}`,
        displayName: batch.displayName,
        ...(batch.inputFile ? { inputConfig: { fileName: batch.inputFile } } : {}),
        ...(output ? { output } : {}),
        createTime: iso(batch.createdAt),
        updateTime: iso(batch.endedAt ?? (batch.state === 'RUNNING' ? batch.createdAt + this.stepMs : batch.createdAt)),
        ...(done ? { endTime: iso(batch.endedAt!) } : {}),
        batchStats: statsOf(batch),
        state: `BATCH_STATE_${batch.state}`,
      },
      done,
      ...(done && output ? { response: { '@type': batch.kind === 'embed' ? EMBED_OUTPUT_TYPE : OUTPUT_TYPE, ...output } } : {}),
      ...(batch.error ? { error: batch.error } : {}),
    };
  }

  private advance(batch: SimBatch, now = Date.now()) {
    if (batch.endedAt !== null) return;
    const finishesAt = batch.createdAt + 2 * this.stepMs;
    const cancelLandsAt = batch.cancelledAt === null ? Infinity : batch.cancelledAt + this.stepMs;
    if (cancelLandsAt < finishesAt && now >= cancelLandsAt) {
      batch.state = 'CANCELLED';
      batch.endedAt = cancelLandsAt;
      return;
    }
    if (now >= finishesAt) {
      batch.endedAt = finishesAt;
      this.finish(batch);
      return;
    }
    batch.state = now >= batch.createdAt + this.stepMs ? 'RUNNING' : 'PENDING';
  }

  /** Runs every request; batch-wide triggers in any text: "[simulate-expire]", "[simulate-batch-failure]". */
  private finish(batch: SimBatch) {
    const texts = batch.requests.flatMap((r) => (batch.kind === 'embed' ? (embedTexts(r.request) ?? []) : userTexts(r.request)));
    if (texts.some((t) => t.includes('[simulate-expire]'))) {
      batch.state = 'EXPIRED';
      return;
    }
    if (texts.some((t) => t.includes('[simulate-batch-failure]'))) {
      batch.state = 'FAILED';
      batch.error = { code: 13, message: 'Internal error encountered while running the batch.' };
      return;
    }
    const outcomes = batch.requests.map((r) => ({
      key: r.key,
      ...(batch.kind === 'embed' ? simulateEmbedOutcome(batch.model, r.request) : simulateOutcome(batch.id, r.key, r.request, batch.model)),
    }));
    batch.stats = { successful: outcomes.filter((o) => 'response' in o).length, failed: outcomes.filter((o) => 'error' in o).length };
    batch.state = 'SUCCEEDED';
    if (batch.inline) batch.inlinedResponses = outcomes.map(({ key, ...rest }) => ({ ...rest, metadata: { key } }));
    else batch.responsesFile = this.generatedFile(batch, outcomes).name;
  }

  /** The GENERATED responses file of a batch: one outcome line per request, in input order. */
  private generatedFile(batch: SimBatch, outcomes: unknown[]): SimFile {
    const file: SimFile = {
      name: `files/batch-${batch.id}`,
      mimeType: 'application/jsonl',
      bytes: Buffer.from(outcomes.map((o) => JSON.stringify(o) + '\n').join('')),
      createdAt: batch.endedAt ?? Date.now(),
      source: 'GENERATED',
      chunks: 0,
    };
    this.files.set(file.name, file);
    return file;
  }
}

/**
 * Uploaded files pass through PROCESSING before they are ACTIVE (ai.google.dev/api/files#State); a
 * batch cannot use one until then. Instant unless FINOPS_SIM_GEMINI_FILE_PROCESSING_MS is set.
 */
export function fileState(file: SimFile): 'PROCESSING' | 'ACTIVE' {
  const ms = Number(process.env.FINOPS_SIM_GEMINI_FILE_PROCESSING_MS);
  return file.source !== 'GENERATED' && Number.isFinite(ms) && ms > 0 && Date.now() < file.createdAt + ms ? 'PROCESSING' : 'ACTIVE';
}

/** batchStats: int64 strings, proto3 style (zero counts omitted). */
function statsOf(batch: SimBatch): Record<string, string> {
  const n = batch.requests.length;
  const stats: Record<string, string> = { requestCount: String(n) };
  if (batch.state === 'PENDING' || batch.state === 'RUNNING') stats.pendingRequestCount = String(n);
  if (batch.stats.successful) stats.successfulRequestCount = String(batch.stats.successful);
  if (batch.stats.failed) stats.failedRequestCount = String(batch.stats.failed);
  return stats;
}

function outputOf(batch: SimBatch): Record<string, unknown> | undefined {
  if (batch.responsesFile) return { responsesFile: batch.responsesFile };
  if (!batch.inlinedResponses) return undefined;
  return { [batch.kind === 'embed' ? 'inlinedEmbedContentResponses' : 'inlinedResponses']: { inlinedResponses: batch.inlinedResponses } };
}
