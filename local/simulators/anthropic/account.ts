// The simulated Anthropic organization: its Message Batches (kept across restarts with a stateDir) and
// their lifecycle, computed from elapsed time on every request (no timers): in_progress for two steps
// (FINOPS_SIM_ANTHROPIC_BATCH_MS to change it), then ended with every request's result (./behaviour.ts);
// a cancel ends the batch one step later, through `canceling`.
import { SimulatorStateFile } from '#local/simulators/persistence';
import { finish, type SimRequest, type SimResult } from './behaviour';
import { AnthropicError, invalidRequest, iso, token } from './wire';

export interface SimBatch {
  id: string;
  createdAt: number;
  requests: SimRequest[];
  cancelInitiatedAt: number | null;
  endedAt: number | null;
  results: SimResult[] | null;
}

export interface AccountOptions {
  stepMs: number;
  /** Requests a Message Batch may hold. */
  maxRequestsPerBatch: number;
  stateDir?: string;
}

const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const DAY_MS = 24 * 60 * 60 * 1000;
const RESULTS_RETENTION_MS = 29 * DAY_MS;

export class AnthropicAccount {
  /** Where the simulator listens (results_url names it); set once it does. */
  origin = '';
  private readonly batches = new Map<string, SimBatch>(); // insertion order = creation order
  private readonly state: SimulatorStateFile<{ batches: SimBatch[] }> | null;
  /** A batch ended since the last save: a GET changed the state too. */
  private ended = false;

  constructor(private readonly options: AccountOptions) {
    // With a stateDir the Message Batches survive a restart (local/simulators/persistence.ts).
    this.state = options.stateDir ? new SimulatorStateFile<{ batches: SimBatch[] }>(options.stateDir, 'anthropic') : null;
    for (const batch of this.state?.load()?.batches ?? []) this.batches.set(batch.id, batch);
  }

  /** Saves the batches after a request that may have changed them. */
  persist(method: string | undefined): void {
    if (!this.state || (method === 'GET' && !this.ended)) return;
    this.ended = false;
    this.state.save({ batches: [...this.batches.values()] });
  }

  /** Brings a batch up to date: it ends two steps after creation, or one step after a cancel. */
  private advance(batch: SimBatch, now = Date.now()): void {
    if (batch.endedAt !== null) return;
    const { stepMs } = this.options;
    // FINOPS_SIM_ANTHROPIC_BATCH_MS: how long a batch runs (default two steps), e.g. to keep the queue full a while.
    const runMs = Number(process.env.FINOPS_SIM_ANTHROPIC_BATCH_MS) > 0 ? Number(process.env.FINOPS_SIM_ANTHROPIC_BATCH_MS) : 2 * stepMs;
    const endsAt =
      batch.cancelInitiatedAt !== null ? Math.min(batch.cancelInitiatedAt + stepMs, batch.createdAt + runMs) : batch.createdAt + runMs;
    if (now < endsAt) return;
    batch.endedAt = endsAt;
    batch.results = finish(batch, stepMs);
    this.ended = true;
  }

  /** The Message Batch object, up to date. */
  view(batch: SimBatch) {
    this.advance(batch);
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (batch.results === null) counts.processing = batch.requests.length;
    else for (const r of batch.results) counts[r.result.type as 'succeeded' | 'errored' | 'canceled' | 'expired'] += 1;
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: batch.endedAt !== null ? 'ended' : batch.cancelInitiatedAt !== null ? 'canceling' : 'in_progress',
      request_counts: counts,
      ended_at: iso(batch.endedAt),
      created_at: iso(batch.createdAt),
      expires_at: iso(batch.createdAt + DAY_MS),
      archived_at:
        batch.endedAt !== null && Date.now() > batch.createdAt + RESULTS_RETENTION_MS ? iso(batch.createdAt + RESULTS_RETENTION_MS) : null,
      cancel_initiated_at: iso(batch.cancelInitiatedAt),
      results_url: batch.endedAt !== null ? `${this.origin}/v1/messages/batches/${batch.id}/results` : null,
    };
  }

  /** The batch of this id, or Anthropic's 404. */
  known(id: string): SimBatch {
    const batch = this.batches.get(id);
    if (!batch) throw new AnthropicError(404, 'not_found_error', `Message Batch ${id} not found.`);
    return batch;
  }

  /** A new Message Batch from a create body (checked as Anthropic checks it before accepting). */
  create(body: unknown) {
    const requests = checkedRequests(body, this.options.maxRequestsPerBatch);
    this.refuseWhenQueueFull(requests.length);
    const batch: SimBatch = {
      id: `msgbatch_${token(24)}`,
      createdAt: Date.now(),
      requests,
      cancelInitiatedAt: null,
      endedAt: null,
      results: null,
    };
    this.batches.set(batch.id, batch);
    return this.view(batch);
  }

  /**
   * Anthropic limits the batch requests waiting in the processing queue (per organization); a create
   * that would exceed it gets a 429 rate_limit_error (docs.anthropic.com "Rate limits": Message
   * Batches API). Off unless FINOPS_SIM_ANTHROPIC_MAX_QUEUED_REQUESTS is set.
   */
  private refuseWhenQueueFull(incoming: number): void {
    const cap = Number(process.env.FINOPS_SIM_ANTHROPIC_MAX_QUEUED_REQUESTS);
    if (!Number.isFinite(cap) || cap <= 0) return;
    let queued = 0;
    for (const batch of this.batches.values()) {
      this.advance(batch);
      if (batch.endedAt === null) queued += batch.requests.length;
    }
    if (queued + incoming > cap) {
      throw new AnthropicError(
        429,
        'rate_limit_error',
        `Number of batch requests in the processing queue would exceed your organization's limit of ${cap}. Please try again once earlier batches have ended.`,
      );
    }
  }

  /** A page of batches, newest first, by after_id / before_id cursors. */
  list(query: URLSearchParams) {
    const limitText = query.get('limit');
    const limit = limitText === null ? 20 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidRequest('limit: Input should be between 1 and 1000');
    const { page, hasMore } = pageOf([...this.batches.values()].reverse(), limit, query.get('after_id'), query.get('before_id'));
    return {
      data: page.map((batch) => this.view(batch)),
      has_more: hasMore,
      first_id: page[0]?.id ?? null,
      last_id: page[page.length - 1]?.id ?? null,
    };
  }

  cancel(batch: SimBatch) {
    this.advance(batch);
    // Unverified against the real API: we refuse to cancel a batch that already ended.
    if (batch.endedAt !== null) throw invalidRequest(`Message Batch ${batch.id} has already ended and cannot be canceled.`);
    batch.cancelInitiatedAt ??= Date.now();
    return this.view(batch);
  }

  remove(batch: SimBatch) {
    this.advance(batch);
    if (batch.endedAt === null)
      throw invalidRequest(`Message Batch ${batch.id} cannot be deleted while it is still processing. Cancel it first.`);
    this.batches.delete(batch.id);
    return { id: batch.id, type: 'message_batch_deleted' };
  }

  /** The results file's lines (JSONL), once the batch has ended. */
  resultLines(batch: SimBatch): string[] {
    this.advance(batch);
    if (batch.results === null)
      throw invalidRequest(
        `Message Batch ${batch.id} has not finished processing; results are available once processing_status is "ended".`,
      );
    return batch.results.map((r) => JSON.stringify(r) + '\n');
  }
}

/** A create body's requests, refused in Anthropic's words: not a list, empty, too many, a bad or repeated custom_id, params not an object. */
function checkedRequests(body: unknown, maxRequests: number): SimRequest[] {
  const requests = (body as { requests?: unknown })?.requests;
  if (!Array.isArray(requests)) throw invalidRequest('requests: Field required');
  if (requests.length === 0) throw invalidRequest('requests: List should have at least 1 item after validation, not 0');
  if (requests.length > maxRequests)
    throw invalidRequest(`requests: List should have at most ${maxRequests} items after validation, not ${requests.length}`);
  const seen = new Set<string>();
  requests.forEach((request: unknown, i) => {
    const r = request as Partial<SimRequest> | null;
    if (typeof r?.custom_id !== 'string' || !CUSTOM_ID_PATTERN.test(r.custom_id))
      throw invalidRequest(`requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
    if (seen.has(r.custom_id))
      throw invalidRequest(
        `requests.${i}.custom_id: Duplicate custom_id '${r.custom_id}'; custom_id must be unique within a Message Batch.`,
      );
    seen.add(r.custom_id);
    if (typeof r.params !== 'object' || r.params === null || Array.isArray(r.params))
      throw invalidRequest(`requests.${i}.params: Input should be a valid dictionary`);
  });
  return requests as SimRequest[];
}

/** One page of `newestFirst`: the `limit` batches after `afterId`, or just newer than `beforeId`; an unknown cursor is a 400. */
function pageOf<T extends { id: string }>(newestFirst: T[], limit: number, afterId: string | null, beforeId: string | null) {
  const position = (id: string) => {
    const at = newestFirst.findIndex((b) => b.id === id);
    if (at === -1) throw invalidRequest(`Invalid pagination cursor: ${id}`);
    return at;
  };
  if (beforeId !== null) {
    // The `limit` batches just newer than the cursor.
    const end = position(beforeId);
    const start = Math.max(0, end - limit);
    return { page: newestFirst.slice(start, end), hasMore: start > 0 };
  }
  const start = afterId !== null ? position(afterId) + 1 : 0;
  return { page: newestFirst.slice(start, start + limit), hasMore: start + limit < newestFirst.length };
}
