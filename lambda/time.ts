// OpenAI timestamps are Unix seconds, never milliseconds.
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The UTC calendar day (yyyy-mm-dd) of a Unix time in seconds. */
export const utcDate = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().slice(0, 10);

/**
 * RFC 3339 / ISO-8601 (or a Date) → Unix seconds; null when absent or unparseable. Date.parse is only
 * specified up to millisecond precision and Google sends up to nanoseconds, so digits past the
 * milliseconds are dropped first.
 */
export function toUnixSeconds(value: string | Date | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}
