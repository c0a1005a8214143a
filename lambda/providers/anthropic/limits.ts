// Anthropic's per-Message-Batch limits and the split of one gateway batch into several Message
// Batches when a file exceeds them. Pure: sizes in, sub-batch assignment out.

/** Anthropic accepts at most 100,000 requests or 256 MB of request body per Message Batch. */
export const ANTHROPIC_MAX_REQUESTS_PER_BATCH = 100_000;
/** 256 MB, counted in decimal megabytes to stay on the safe side of Anthropic's limit. */
export const ANTHROPIC_MAX_BYTES_PER_BATCH = 256_000_000;

export interface BatchLimits {
  maxRequests: number;
  maxBytes: number;
}

/**
 * The limits in force: Anthropic's, unless FINOPS_ANTHROPIC_MAX_REQUESTS_PER_BATCH /
 * FINOPS_ANTHROPIC_MAX_BYTES_PER_BATCH lower them (tests use that to force a split; an operator might
 * to keep batches small). Values above Anthropic's limits are capped at them.
 */
export function batchLimits(env: NodeJS.ProcessEnv = process.env): BatchLimits {
  return {
    maxRequests: positive(env.FINOPS_ANTHROPIC_MAX_REQUESTS_PER_BATCH, ANTHROPIC_MAX_REQUESTS_PER_BATCH),
    maxBytes: positive(env.FINOPS_ANTHROPIC_MAX_BYTES_PER_BATCH, ANTHROPIC_MAX_BYTES_PER_BATCH),
  };
}

function positive(value: string | undefined, max: number): number {
  const parsed = value === undefined || value === '' ? NaN : Math.floor(Number(value));
  return Number.isFinite(parsed) && parsed > 0 ? Math.min(parsed, max) : max;
}

/** `{"requests":[` + `]}` around the comma-separated requests of a create body. */
export const CREATE_BODY_OVERHEAD_BYTES = Buffer.byteLength('{"requests":[]}');

/** Bytes one request adds to a create body (its JSON; the separating comma is counted by the planner). */
export function requestBytes(request: { custom_id: string; params: unknown }): number {
  return Buffer.byteLength(JSON.stringify(request));
}

/**
 * Fills Message Batches in order: a request goes into the current one while it stays within both
 * limits, otherwise it starts the next. Requests keep their order, so a split is reproducible from the
 * per-batch counts alone.
 */
export class SubBatchPlanner {
  /** Requests per Message Batch, in order. */
  readonly counts: number[] = [];
  private bytes = 0;

  constructor(readonly limits: BatchLimits) {}

  /** Whether a request of this size fits in a Message Batch at all. */
  fitsAlone(size: number): boolean {
    return CREATE_BODY_OVERHEAD_BYTES + size <= this.limits.maxBytes;
  }

  /** Places a request; returns the index of the Message Batch it goes to. */
  add(size: number): number {
    if (!this.fitsAlone(size))
      throw new RangeError(`A request of ${size} bytes exceeds the ${this.limits.maxBytes}-byte Message Batch limit.`);
    const last = this.counts.length - 1;
    const fits = last >= 0 && this.counts[last] < this.limits.maxRequests && this.bytes + 1 + size <= this.limits.maxBytes;
    if (fits) {
      this.counts[last] += 1;
      this.bytes += 1 + size;
      return last;
    }
    this.counts.push(1);
    this.bytes = CREATE_BODY_OVERHEAD_BYTES + size;
    return this.counts.length - 1;
  }
}
