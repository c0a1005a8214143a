// Checks on a batches.create request that hold for every provider (pure, table-tested).
import { badRequest } from '#lambda/http/errors';
import { isObject, SUPPORTED_ENDPOINTS } from '#lambda/batch-files/validate';
import { parseExpirySeconds } from '#lambda/files/ingest';
import { completionWindowHours, isProviderName, openaiCompatibleQuirks } from '#contracts/providers';

export const COMPLETION_WINDOW_SECONDS = 24 * 3600;

/** Seconds of a completion window already checked (`24h`, `48h`, `7d`). */
export function completionWindowSeconds(window: string): number {
  return (completionWindowHours(window) ?? 24) * 3600;
}

/**
 * Whether the gateway takes this completion window: `24h` always; a longer one only when the request
 * names a provider that accepts it (Groq: 24h to 7d). The provider's adapter checks its own range again.
 */
function acceptsWindow(window: unknown, provider: unknown): boolean {
  if (window === '24h') return true;
  const quirks = isProviderName(provider) ? openaiCompatibleQuirks(provider) : null;
  const hours = completionWindowHours(window);
  return quirks !== null && hours !== null && hours >= quirks.completionWindowHours.min && hours <= quirks.completionWindowHours.max;
}

export interface BatchCreateRequest {
  inputFileId: string;
  endpoint: string;
  /** `24h`, or a longer window the named provider accepts. */
  completionWindow: string;
  metadata: Record<string, string> | null;
  model: string | null;
  provider: unknown;
  /** `output_expires_after`: the output and error files expire this long after they are written. */
  outputExpiresAfterSeconds: number | null;
  extras: Record<string, unknown>;
}

export function parseBatchCreate(body: Record<string, unknown>): BatchCreateRequest {
  const { input_file_id, endpoint, completion_window, metadata, model, provider, output_expires_after, ...extras } = body;
  if (typeof input_file_id !== 'string')
    throw badRequest("Missing required parameter: 'input_file_id'.", 'input_file_id', 'missing_required_parameter');
  if (typeof endpoint !== 'string') throw badRequest("Missing required parameter: 'endpoint'.", 'endpoint', 'missing_required_parameter');
  if (!(SUPPORTED_ENDPOINTS as readonly string[]).includes(endpoint)) {
    throw badRequest(
      `Invalid 'endpoint': ${JSON.stringify(endpoint.slice(0, 80))}. This gateway supports ${SUPPORTED_ENDPOINTS.join(', ')}.`,
      'endpoint',
      'invalid_endpoint',
    );
  }
  if (!acceptsWindow(completion_window, provider)) {
    throw badRequest(
      `Invalid 'completion_window': ${JSON.stringify(completion_window ?? null)}. The only supported value is "24h".`,
      'completion_window',
      'invalid_completion_window',
    );
  }
  if (model !== undefined && model !== null && (typeof model !== 'string' || model.length === 0 || model.length > 256)) {
    throw badRequest("Invalid 'model': expected a model id string.", 'model', 'invalid_model');
  }
  return {
    inputFileId: input_file_id,
    endpoint,
    completionWindow: completion_window as string,
    metadata: parseMetadata(metadata),
    model: (model as string | undefined) ?? null,
    provider,
    outputExpiresAfterSeconds: parseExpirySeconds(output_expires_after, 'output_expires_after'),
    extras,
  };
}

/** OpenAI's metadata rules: at most 16 pairs, keys ≤ 64 characters, string values ≤ 512 characters. */
export function parseMetadata(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw badRequest("Invalid 'metadata': expected an object of string values.", 'metadata', 'invalid_metadata');
  const entries = Object.entries(value);
  if (entries.length > 16) throw badRequest("Invalid 'metadata': at most 16 key-value pairs.", 'metadata', 'invalid_metadata');
  for (const [key, v] of entries) {
    if (key.length > 64)
      throw badRequest(
        `Invalid 'metadata': key ${JSON.stringify(key.slice(0, 70))} is longer than 64 characters.`,
        'metadata',
        'invalid_metadata',
      );
    if (typeof v !== 'string' || v.length > 512)
      throw badRequest(
        `Invalid 'metadata': the value of ${JSON.stringify(key)} must be a string of at most 512 characters.`,
        'metadata',
        'invalid_metadata',
      );
  }
  return value as Record<string, string>;
}
