// The expiry sweep: files past their expires_at (files.create's `expires_after`, batches.create's
// `output_expires_after`) are already hidden from every read (MetadataStore.getFile / listFiles);
// this removes them for good — provider copy, bytes and record, as files.delete does — so that
// expired files stop costing storage. It walks the per-day expiry entries (MetadataStore) from the
// first day not yet finished up to today, and remembers where it got to, so a sweep that did not run
// for a while catches up, and a sweep that died half-way is simply run again.
import { logger, getServices } from '#lambda/runtime';
import { isExpired } from '#lambda/store/metadata';
import { nowSeconds, utcDate } from '#lambda/time';
import { deleteGatewayFile } from './delete';

/** How far back the very first sweep looks (one Query a day, once): entries written before the schedule first ran. */
const FIRST_SWEEP_LOOKBACK_DAYS = 31;
const DAY_SECONDS = 24 * 3600;

export interface SweepResult {
  /** Files removed because they expired. */
  removed: number;
  /** Expiry entries whose file was already gone (deleted by its owner) or now expires later (results collected again). */
  alreadyGone: number;
  /** Files whose removal failed this time (the next sweep tries again). */
  failed: number;
  /** The UTC days swept, oldest first. */
  days: string[];
}

const nextDay = (day: string) => utcDate(Date.parse(`${day}T00:00:00Z`) / 1000 + DAY_SECONDS);

export async function sweepExpiredFiles(now = nowSeconds()): Promise<SweepResult> {
  const { metadata } = getServices();
  const today = utcDate(now);
  const from = (await metadata.expirySweepFrom()) ?? utcDate(now - FIRST_SWEEP_LOOKBACK_DAYS * DAY_SECONDS);
  const result: SweepResult = { removed: 0, alreadyGone: 0, failed: 0, days: [] };
  let finished = true;
  for (let day = from; day <= today; day = nextDay(day)) {
    result.days.push(day);
    let failedToday = 0;
    for (const entry of await metadata.dueExpiries(day, now)) {
      const file = await metadata.getFileById(entry.fileId);
      try {
        if (file && isExpired(file, now)) {
          await deleteGatewayFile(file);
          result.removed += 1;
        } else {
          result.alreadyGone += 1;
        }
        await metadata.forgetExpiry(entry);
      } catch (err) {
        failedToday += 1;
        logger.error('Could not remove an expired file; the next sweep tries again', {
          fileId: entry.fileId,
          provider: file?.provider,
          error: (err as Error).message,
        });
      }
    }
    result.failed += failedToday;
    // Past days are finished while none so far left a failure behind; today, a day with failures and
    // every day after it are swept again next time.
    finished &&= failedToday === 0 && day < today;
    if (finished) await metadata.setExpirySweepFrom(nextDay(day));
  }
  return result;
}
