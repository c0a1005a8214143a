// The simulated OpenAI account: files and batches in memory, and the batch lifecycle as a pure
// function of elapsed time (no timers). Every request first calls settle(now), which writes the
// output/error files of batches whose time has come, so files.list and batches.retrieve agree.
import { estimatedTokens, enqueuedTokenLimit, tokenLimitError } from './queue-limit';
import { createHash, randomBytes } from 'node:crypto';
import { HttpError } from '#local/simulators/kit/http';
import type { RequestAnswer } from './requests';
import { ENDPOINT_ANSWERS } from './endpoint-answers';
import { embeddingBatchErrors } from './embeddings';
import { rateLimitedOnce } from '#local/simulators/rate-limit-once';
import { completionWindowHours } from '#contracts/providers';
import { batchModel, parseInputLines, validateBatchInput, type BatchValidationError, type InputLine } from './jsonl';

const DAY_SECONDS = 24 * 3600;
const BATCH_FILE_TTL_SECONDS = 30 * DAY_SECONDS;
/** `metadata.simulate` value that makes a batch run out of time (see index.ts). */
export const SIMULATE_EXPIRE = 'expire';

export type SimBatchStatus = 'validating' | 'in_progress' | 'finalizing' | 'completed' | 'failed' | 'expired' | 'cancelling' | 'cancelled';

export interface SimFile {
  id: string;
  seq: number;
  filename: string;
  purpose: string;
  content: Buffer;
  createdAt: number;
  expiresAt: number | null;
}

interface PlannedRequest {
  customId: string;
  lineId: string;
  requestId: string;
  answer: RequestAnswer;
}

export interface SimBatch {
  id: string;
  seq: number;
  endpoint: string;
  inputFileId: string;
  completionWindow: string;
  metadata: Record<string, string> | null;
  model: string | null;
  createdMs: number;
  /** Non-empty: the input fails whole-file validation and the batch ends `failed`. */
  validationErrors: BatchValidationError[];
  /** The requests in input order; the first `done` of them have run at any moment. */
  requests: PlannedRequest[];
  expireTrigger: boolean;
  cancelRequestedMs: number | null;
  outputFileId: string | null;
  errorFileId: string | null;
  settled: boolean;
  /** Estimated tokens, for the enqueued-token limit (queue-limit.ts). */
  tokens?: number;
}

/** Where a batch is at a moment, derived from its creation (and cancel) time. Times in ms. */
export interface BatchPhase {
  status: SimBatchStatus;
  /** How many requests (in input order) have run. */
  done: number;
  inProgressAt: number | null;
  finalizingAt: number | null;
  completedAt: number | null;
  failedAt: number | null;
  expiredAt: number | null;
  cancellingAt: number | null;
  cancelledAt: number | null;
}

/** OpenAI's error (`status` is the HTTP status); the simulator kit's server answers it as toBody(). */
export class ApiError extends HttpError {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    headers: Record<string, string> = {},
  ) {
    super(status, message, headers);
  }
  toBody() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export function randomId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[bytes[i] % ALPHANUMERIC.length];
  return out;
}

const seconds = (ms: number) => Math.floor(ms / 1000);
const secondsOrNull = (ms: number | null) => (ms === null ? null : seconds(ms));

/** The status timeline without cancellation: one `stepMs` per phase. */
function runPhase(batch: SimBatch, at: number, stepMs: number): BatchPhase {
  const start = batch.createdMs;
  const base: BatchPhase = {
    status: 'validating',
    done: 0,
    inProgressAt: null,
    finalizingAt: null,
    completedAt: null,
    failedAt: null,
    expiredAt: null,
    cancellingAt: null,
    cancelledAt: null,
  };
  if (at < start + stepMs) return base;
  if (batch.validationErrors.length > 0) return { ...base, status: 'failed', failedAt: start + stepMs };
  const inProgressAt = start + stepMs;
  const total = batch.requests.length;
  if (at < start + 2 * stepMs) {
    // Requests complete steadily through the in_progress step, in input order.
    const done = Math.min(total, Math.floor((total * (at - inProgressAt)) / stepMs));
    return { ...base, status: 'in_progress', done, inProgressAt };
  }
  if (batch.expireTrigger) {
    return { ...base, status: 'expired', done: Math.floor(total / 2), inProgressAt, expiredAt: start + 2 * stepMs };
  }
  const finalizingAt = start + 2 * stepMs;
  if (at < start + 3 * stepMs) return { ...base, status: 'finalizing', done: total, inProgressAt, finalizingAt };
  return { ...base, status: 'completed', done: total, inProgressAt, finalizingAt, completedAt: start + 3 * stepMs };
}

export function batchPhase(batch: SimBatch, at: number, stepMs: number): BatchPhase {
  const cancelAt = batch.cancelRequestedMs;
  if (cancelAt === null || at < cancelAt) return runPhase(batch, at, stepMs);
  // Work stops where it was when the cancel arrived; one step later the batch is cancelled.
  const frozen = runPhase(batch, cancelAt, stepMs);
  const cancelled = at >= cancelAt + stepMs;
  return {
    ...frozen,
    status: cancelled ? 'cancelled' : 'cancelling',
    cancellingAt: cancelAt,
    cancelledAt: cancelled ? cancelAt + stepMs : null,
  };
}

const TERMINAL: SimBatchStatus[] = ['completed', 'failed', 'expired', 'cancelled'];

/** Output lines are not in input order upstream either; a stable hash order keeps tests repeatable. */
const resultOrder = (customId: string) => createHash('sha256').update(customId).digest('hex');

interface ListQuery {
  limit: number;
  after: string | null;
}

export interface ListResult<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export interface AccountSnapshot {
  files: Array<Omit<SimFile, 'content'>>;
  batches: SimBatch[];
  deletedFileKeys: Array<[string, [number, number]]>;
  seq: number;
}

/** The provider the account plays (local/simulators/openai/dialect.ts); default OpenAI's. */
export interface AccountOptions {
  provider: string;
  /** Purpose of batch input files. */
  batchPurpose: string;
  /** Purpose of the output and error files a batch writes. */
  outputPurpose: string;
  ids: { file: string; batch: string };
  /** How the provider's batches differ beyond names (Azure OpenAI: local/simulators/azure/). */
  rules?: AccountRules;
}

/**
 * A provider of OpenAI's shape with its own batch rules: its request limit, extra whole-file checks, and
 * its own touch on each answer. Not persisted: the simulator passes the same rules again after a restart.
 */
export interface AccountRules {
  maxRequests?: number;
  /** More validation errors for the input (e.g. an unknown deployment); any makes the batch `failed`. */
  validate?(lines: InputLine[], content: Buffer): BatchValidationError[];
  /** Adjusts the answer to one request (e.g. a provider's extra fields or error shapes). */
  answer?(body: unknown, answer: RequestAnswer): RequestAnswer;
}

const OPENAI_ACCOUNT: AccountOptions = {
  provider: 'openai',
  batchPurpose: 'batch',
  outputPurpose: 'batch_output',
  ids: { file: 'file-', batch: 'batch_' },
};

export class SimulatedAccount {
  private readonly files = new Map<string, SimFile>();
  private readonly batches = new Map<string, SimBatch>();
  /** Sort keys of deleted files, so a list cursor pointing at one still advances. */
  private readonly deletedFileKeys = new Map<string, [number, number]>();
  private seq = 0;

  constructor(
    readonly stepMs: number,
    private readonly options: AccountOptions = OPENAI_ACCOUNT,
  ) {}

  // ---- persistence (local/simulators/persistence.ts) ----

  /** Everything but file contents, as JSON-safe data. */
  snapshot(): AccountSnapshot {
    return {
      files: [...this.files.values()].map(({ content: _content, ...rest }) => rest),
      batches: [...this.batches.values()],
      deletedFileKeys: [...this.deletedFileKeys.entries()],
      seq: this.seq,
    };
  }

  static restore(
    stepMs: number,
    snapshot: AccountSnapshot,
    contentOf: (fileId: string) => Buffer,
    options: AccountOptions = OPENAI_ACCOUNT,
  ): SimulatedAccount {
    const account = new SimulatedAccount(stepMs, options);
    for (const file of snapshot.files) account.files.set(file.id, { ...file, content: contentOf(file.id) });
    for (const batch of snapshot.batches) account.batches.set(batch.id, batch);
    for (const [id, key] of snapshot.deletedFileKeys) account.deletedFileKeys.set(id, key);
    account.seq = snapshot.seq;
    return account;
  }

  fileIds(): string[] {
    return [...this.files.keys()];
  }

  // ---- files ----

  addFile(input: { filename: string; purpose: string; content: Buffer; createdAt: number; expiresAt: number | null }): SimFile {
    const file: SimFile = { id: randomId(this.options.ids.file, 22), seq: ++this.seq, ...input };
    this.files.set(file.id, file);
    return file;
  }

  getFile(id: string): SimFile {
    const file = this.files.get(id);
    if (!file) throw new ApiError(404, `No such File object: ${id}`, 'invalid_request_error', 'id');
    return file;
  }

  deleteFile(id: string): void {
    const file = this.getFile(id);
    this.files.delete(id);
    this.deletedFileKeys.set(id, [file.createdAt, file.seq]);
  }

  listFiles(query: ListQuery & { order: 'asc' | 'desc'; purpose: string | null }): ListResult<SimFile> {
    const sign = query.order === 'asc' ? 1 : -1;
    const key = (f: SimFile): [number, number] => [f.createdAt, f.seq];
    const sorted = [...this.files.values()]
      .filter((f) => query.purpose === null || f.purpose === query.purpose)
      .sort((a, b) => sign * compareKeys(key(a), key(b)));
    let start = 0;
    if (query.after !== null) {
      const cursor = this.files.get(query.after);
      const cursorKey = cursor ? key(cursor) : this.deletedFileKeys.get(query.after);
      // An unknown cursor yields an empty page rather than restarting the listing.
      start = cursorKey ? firstAfter(sorted, (f) => sign * compareKeys(key(f), cursorKey) > 0) : sorted.length;
    }
    return page(sorted.slice(start), query.limit);
  }

  // ---- batches ----

  createBatch(input: {
    inputFileId: string;
    endpoint: string;
    completionWindow: string;
    metadata: Record<string, string> | null;
    now: number;
  }): SimBatch {
    const inputFile = this.batchInputFile(input.inputFileId);
    const lines = parseInputLines(inputFile.content);
    // Azure names its batch endpoint without the version (`/chat/completions`).
    const endpoint = ENDPOINT_ANSWERS[input.endpoint] ?? ENDPOINT_ANSWERS[`/v1${input.endpoint}`];
    const rules = this.options.rules ?? {};
    const validationErrors = [
      ...validateBatchInput(lines, input.endpoint, rules.maxRequests),
      ...embeddingBatchErrors(lines, input.endpoint),
    ];
    if (validationErrors.length === 0 && rules.validate) validationErrors.push(...rules.validate(lines, inputFile.content));
    const tokens = estimatedTokens(lines);
    const limit = enqueuedTokenLimit();
    if (limit !== null && validationErrors.length === 0 && this.enqueuedTokens(batchModel(lines), input.now) + tokens > limit)
      validationErrors.push(tokenLimitError(batchModel(lines) ?? 'the model', limit));
    const id = randomId(this.options.ids.batch, 32);
    const answeredAt = seconds(input.now + this.stepMs);
    const requests: PlannedRequest[] =
      validationErrors.length > 0
        ? []
        : lines.map((l) => ({
            customId: l.custom_id,
            lineId: randomId('batch_req_', 32),
            requestId: randomId('req_', 32).toLowerCase(),
            answer: this.answerOf(endpoint, l.body, answeredAt),
          }));
    const batch: SimBatch = {
      id,
      seq: ++this.seq,
      endpoint: input.endpoint,
      inputFileId: input.inputFileId,
      completionWindow: input.completionWindow,
      metadata: input.metadata,
      model: batchModel(lines),
      createdMs: input.now,
      validationErrors,
      requests,
      expireTrigger: input.metadata?.simulate === SIMULATE_EXPIRE,
      cancelRequestedMs: null,
      outputFileId: null,
      errorFileId: null,
      settled: false,
      tokens,
    };
    this.batches.set(id, batch);
    return batch;
  }

  /** The file a batch reads: it exists and was uploaded for batches. */
  private batchInputFile(id: string): SimFile {
    const inputFile = this.files.get(id);
    if (!inputFile) throw new ApiError(404, `No such File object: ${id}`, 'invalid_request_error', 'input_file_id');
    if (inputFile.purpose !== this.options.batchPurpose) {
      throw new ApiError(
        400,
        `File ${id} has purpose '${inputFile.purpose}'; batch input files must be uploaded with purpose '${this.options.batchPurpose}'.`,
        'invalid_request_error',
        'input_file_id',
      );
    }
    return inputFile;
  }

  private answerOf(endpoint: (typeof ENDPOINT_ANSWERS)[string], body: unknown, answeredAt: number): RequestAnswer {
    const answer = endpoint.answer(body, {
      completionId: randomId('chatcmpl-', 29),
      created: answeredAt,
      rateLimited: rateLimitedOnce(this.options.provider, endpoint.userTexts(body)),
    });
    return this.options.rules?.answer ? this.options.rules.answer(body, answer) : answer;
  }

  /** Tokens of the model's batches that are not finished (what OpenAI's enqueued-token limit counts). */
  private enqueuedTokens(model: string | null, now: number): number {
    let sum = 0;
    for (const batch of this.batches.values()) {
      if (batch.model !== model || batch.validationErrors.length > 0) continue;
      if (!TERMINAL.includes(batchPhase(batch, now, this.stepMs).status)) sum += batch.tokens ?? 0;
    }
    return sum;
  }

  getBatch(id: string): SimBatch {
    const batch = this.batches.get(id);
    if (!batch) throw new ApiError(404, `No such Batch object: ${id}`, 'invalid_request_error', 'id');
    return batch;
  }

  hasBatch(id: string): boolean {
    return this.batches.has(id);
  }

  listBatches(query: ListQuery): ListResult<SimBatch> {
    const sorted = [...this.batches.values()].sort((a, b) => compareKeys([b.createdMs, b.seq], [a.createdMs, a.seq]));
    let start = 0;
    if (query.after !== null) {
      const cursor = this.batches.get(query.after);
      start = cursor ? firstAfter(sorted, (b) => compareKeys([cursor.createdMs, cursor.seq], [b.createdMs, b.seq]) > 0) : sorted.length;
    }
    return page(sorted.slice(start), query.limit);
  }

  cancelBatch(id: string, now: number): SimBatch {
    const batch = this.getBatch(id);
    const phase = batchPhase(batch, now, this.stepMs);
    if (phase.status === 'cancelling' || phase.status === 'cancelled') return batch;
    if (TERMINAL.includes(phase.status)) {
      // x-should-retry: false — retrying cannot change the answer, so the SDK should not.
      throw new ApiError(409, `Cannot cancel a batch with status '${phase.status}'.`, 'invalid_request_error', null, null, {
        'x-should-retry': 'false',
      });
    }
    batch.cancelRequestedMs = now;
    return batch;
  }

  /** Writes the result files of every batch that has reached a terminal status by `now`. */
  settle(now: number): boolean {
    let changed = false;
    for (const batch of this.batches.values()) {
      if (batch.settled) continue;
      const phase = batchPhase(batch, now, this.stepMs);
      if (!TERMINAL.includes(phase.status)) continue;
      batch.settled = true;
      changed = true;
      if (phase.status === 'failed') continue; // a failed batch has no result files
      const endedAt = seconds(phase.completedAt ?? phase.expiredAt ?? phase.cancelledAt ?? now);
      const notRun =
        phase.status === 'expired'
          ? { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' }
          : { code: 'batch_cancelled', message: 'This request was not executed because the batch was cancelled.' };
      const output: string[] = [];
      const errors: string[] = [];
      const ordered = batch.requests
        .map((r, i) => ({ r, ran: i < phase.done }))
        .sort((a, b) => resultOrder(a.r.customId).localeCompare(resultOrder(b.r.customId)));
      for (const { r, ran } of ordered) {
        if (!ran) {
          errors.push(JSON.stringify({ id: r.lineId, custom_id: r.customId, response: null, error: notRun }));
          continue;
        }
        const line = JSON.stringify({
          id: r.lineId,
          custom_id: r.customId,
          response: { status_code: r.answer.statusCode, request_id: r.requestId, body: r.answer.body },
          error: null,
        });
        (r.answer.statusCode === 200 ? output : errors).push(line);
      }
      const resultFile = (kind: 'output' | 'error', lines: string[]) =>
        lines.length === 0
          ? null
          : this.addFile({
              filename: `${batch.id}_${kind}.jsonl`,
              purpose: this.options.outputPurpose,
              content: Buffer.from(lines.join('\n') + '\n'),
              createdAt: endedAt,
              expiresAt: endedAt + BATCH_FILE_TTL_SECONDS,
            }).id;
      batch.outputFileId = resultFile('output', output);
      batch.errorFileId = resultFile('error', errors);
    }
    return changed;
  }

  /** The Batch object as OpenAI returns it, at `now`. */
  batchObject(batch: SimBatch, now: number) {
    const phase = batchPhase(batch, now, this.stepMs);
    const total = batch.requests.length;
    const ran = batch.requests.slice(0, phase.done);
    const succeeded = ran.filter((r) => r.answer.statusCode === 200);
    const ended = phase.status === 'cancelled' || phase.status === 'expired';
    const inputTokens = succeeded.reduce((sum, r) => sum + r.answer.promptTokens, 0);
    const outputTokens = succeeded.reduce((sum, r) => sum + r.answer.completionTokens, 0);
    const countsKnown =
      phase.status !== 'validating' && phase.status !== 'failed' && !(phase.status === 'cancelling' && phase.inProgressAt === null);
    const createdAt = seconds(batch.createdMs);
    return {
      id: batch.id,
      object: 'batch' as const,
      endpoint: batch.endpoint,
      model: batch.model,
      errors:
        batch.validationErrors.length > 0 && phase.status === 'failed' ? { object: 'list' as const, data: batch.validationErrors } : null,
      input_file_id: batch.inputFileId,
      completion_window: batch.completionWindow,
      status: phase.status,
      output_file_id: batch.settled ? batch.outputFileId : null,
      error_file_id: batch.settled ? batch.errorFileId : null,
      created_at: createdAt,
      in_progress_at: secondsOrNull(phase.inProgressAt),
      expires_at: createdAt + (completionWindowHours(batch.completionWindow) ?? 24) * 3600,
      finalizing_at: secondsOrNull(phase.finalizingAt),
      completed_at: secondsOrNull(phase.completedAt),
      failed_at: secondsOrNull(phase.failedAt),
      expired_at: secondsOrNull(phase.expiredAt),
      cancelling_at: secondsOrNull(phase.cancellingAt),
      cancelled_at: secondsOrNull(phase.cancelledAt),
      // `failed` counts every line of the error file, including requests that never ran once the batch ended.
      request_counts: countsKnown
        ? { total, completed: succeeded.length, failed: ran.length - succeeded.length + (ended ? total - ran.length : 0) }
        : { total: 0, completed: 0, failed: 0 },
      usage: {
        input_tokens: inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: inputTokens + outputTokens,
      },
      metadata: batch.metadata,
    };
  }
}

function compareKeys(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

function firstAfter<T>(sorted: T[], isAfter: (item: T) => boolean): number {
  const index = sorted.findIndex(isAfter);
  return index === -1 ? sorted.length : index;
}

function page<T extends { id: string }>(rest: T[], limit: number): ListResult<T> {
  const data = rest.slice(0, limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
    has_more: rest.length > limit,
  };
}
