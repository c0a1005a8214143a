// Azure OpenAI's Batch object → OpenAI's, so the OpenAI adapter's mapping (../openai/status.ts) reads
// it unchanged. Pure. Azure's object is close to OpenAI's but not equal (docs/providers.md, Azure):
// - `status` comes in OpenAI's words in the object table (batch.md "Batch object"), but the docs'
//   samples also show `"Validating"` (batch-rest.md) and `Completed` (batch.md "Troubleshooting",
//   the list filter `status eq 'Completed'`), and the Python sample polls for `canceled`: case and
//   spelling are normalised, PascalCase words become snake_case;
// - `created_at`/`expires_at` are Unix seconds in the table but ISO 8601 strings in batch-rest.md's
//   samples (`"2024-07-19T17:13:57.2491382+00:00"`): every `*_at` is read as either;
// - `request_counts` members are null until validation is over (batch-rest.md): read as 0;
// - `endpoint` may be null and there is no `model` or `usage` (batch-python.md's samples).
import { toUnixSeconds } from '#lambda/time';

const TIMESTAMP_FIELDS = [
  'created_at',
  'in_progress_at',
  'expires_at',
  'finalizing_at',
  'completed_at',
  'failed_at',
  'expired_at',
  'cancelling_at',
  'cancelled_at',
] as const;

/** Azure spellings that are not OpenAI's once lowercased. */
const SPELLINGS: Record<string, string> = { canceled: 'cancelled', canceling: 'cancelling', inprogress: 'in_progress' };

/** `Validating` → `validating`, `InProgress` → `in_progress`, `Canceled` → `cancelled`; unknown words pass through lowercased. */
export function normalizeAzureStatus(status: unknown): string {
  if (typeof status !== 'string') return '';
  const snake = status
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return SPELLINGS[snake.replace(/_/g, '')] ?? SPELLINGS[snake] ?? snake;
}

/** A timestamp as Azure sends it (Unix seconds, a numeric string, or ISO 8601) → Unix seconds or null. */
export function azureTimestamp(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.floor(value) : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  return toUnixSeconds(value);
}

const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** One Batch object as Azure sent it → the same object in OpenAI's shape (other fields kept). */
export function normalizeAzureBatch<T extends Record<string, unknown>>(raw: T): T {
  const out: Record<string, unknown> = { ...raw, status: normalizeAzureStatus(raw.status) };
  for (const field of TIMESTAMP_FIELDS) if (field in raw) out[field] = azureTimestamp(raw[field]);
  const counts = (raw.request_counts ?? {}) as Record<string, unknown>;
  out.request_counts = { total: count(counts.total), completed: count(counts.completed), failed: count(counts.failed) };
  return out as T;
}

/** A list page (`{object: 'list', data: [...]}`) or one Batch object, normalised. */
export function normalizeAzureBatchAnswer(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const value = body as Record<string, unknown>;
  if (value.object === 'list' && Array.isArray(value.data)) {
    return { ...value, data: value.data.map((b) => (b && typeof b === 'object' ? normalizeAzureBatch(b as Record<string, unknown>) : b)) };
  }
  return value.object === 'batch' || 'status' in value ? normalizeAzureBatch(value) : value;
}
