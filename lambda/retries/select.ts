// Which lines of a finished batch a retry runs again. Pure.
//
// A line of the error file failed; its identifiers are everything a client may name in `error_codes`:
// the gateway's own code for a request that never ran (`error.code`: batch_expired, batch_cancelled,
// batch_failed), the provider's error code and type (`response.body.error.code` / `.type`, e.g.
// rate_limit_exceeded / rate_limit_error, resource_exhausted) and the HTTP status as a string ("429").
// A line whose custom_id is in the output file succeeded and is never run again.
import { badRequest } from '#lambda/http/errors';

export interface RetryOptions {
  /** null: every failed line. */
  errorCodes: string[] | null;
  provider: unknown;
  model: string | null;
}

const MAX_CODES = 50;

export function parseRetryOptions(body: Record<string, unknown>): RetryOptions {
  const unknown = Object.keys(body).find((k) => !['error_codes', 'provider', 'model'].includes(k));
  if (unknown)
    throw badRequest(
      `Unknown parameter: '${unknown.slice(0, 64)}'. A retry takes error_codes, provider and model.`,
      unknown.slice(0, 64),
      'unknown_parameter',
    );
  let errorCodes: string[] | null = null;
  if (body.error_codes !== undefined && body.error_codes !== null) {
    const codes = body.error_codes;
    if (
      !Array.isArray(codes) ||
      codes.length === 0 ||
      codes.length > MAX_CODES ||
      codes.some((c) => typeof c !== 'string' || c === '' || c.length > 64)
    ) {
      throw badRequest(
        `Invalid 'error_codes': expected a list of 1 to ${MAX_CODES} error codes, types or HTTP statuses (e.g. ["rate_limit_exceeded", "batch_expired", "429"]).`,
        'error_codes',
        'invalid_error_codes',
      );
    }
    errorCodes = [...new Set(codes as string[])];
  }
  if (body.model !== undefined && body.model !== null && (typeof body.model !== 'string' || body.model === '' || body.model.length > 256)) {
    throw badRequest("Invalid 'model': expected a model id string.", 'model', 'invalid_model');
  }
  return { errorCodes, provider: body.provider, model: (body.model as string | undefined) ?? null };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a client may name in error_codes to pick this error line (see the header). */
export function failureIdentifiers(line: unknown): string[] {
  if (!isRecord(line)) return [];
  const ids: string[] = [];
  if (isRecord(line.error) && typeof line.error.code === 'string') ids.push(line.error.code);
  if (isRecord(line.response)) {
    if (typeof line.response.status_code === 'number') ids.push(String(line.response.status_code));
    const error = isRecord(line.response.body) && isRecord(line.response.body.error) ? line.response.body.error : null;
    if (error && typeof error.code === 'string') ids.push(error.code);
    if (error && typeof error.type === 'string') ids.push(error.type);
  }
  return ids;
}

/** Collects the custom_ids to run again while the error and output files stream by. */
export class RetrySelection {
  private readonly failed = new Set<string>();
  private readonly succeeded = new Set<string>();
  /** How many failed lines each identifier matched (for the message when nothing matches). */
  readonly seenCodes = new Map<string, number>();

  constructor(private readonly errorCodes: string[] | null) {}

  addErrorLine(line: unknown): void {
    if (!isRecord(line) || typeof line.custom_id !== 'string') return;
    const ids = failureIdentifiers(line);
    for (const id of ids) this.seenCodes.set(id, (this.seenCodes.get(id) ?? 0) + 1);
    if (this.errorCodes === null || ids.some((id) => this.errorCodes!.includes(id))) this.failed.add(line.custom_id);
  }

  addOutputLine(line: unknown): void {
    if (isRecord(line) && typeof line.custom_id === 'string') this.succeeded.add(line.custom_id);
  }

  /** Whether an input line runs again: it failed as asked and never succeeded. */
  includes(customId: string): boolean {
    return this.failed.has(customId) && !this.succeeded.has(customId);
  }

  get size(): number {
    return [...this.failed].filter((id) => !this.succeeded.has(id)).length;
  }
}
