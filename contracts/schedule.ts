// How long the tracker waits between two status checks of a batch. The wait grows with the batch's age,
// so a quick batch is seen done quickly and a long one costs few state transitions:
//   wait = clamp(age / 10, 60 s, 15 min), and never sooner than the provider's retry hint.
// A batch done at age t is therefore seen within max(60 s, t / 10) — within 60 s of finishing during its
// first 10 minutes, within 10 % of its age after that. README "Batch tracker" has the resulting costs.
export const MIN_WAIT_SECONDS = 60;
export const MAX_WAIT_SECONDS = 15 * 60;
export const AGE_FRACTION = 0.1;

export function nextWaitSeconds(ageSeconds: number, retryAfterSeconds?: number): number {
  const byAge = Math.min(MAX_WAIT_SECONDS, Math.max(MIN_WAIT_SECONDS, Math.floor(Math.max(0, ageSeconds) * AGE_FRACTION)));
  const hint = retryAfterSeconds && retryAfterSeconds > 0 ? Math.min(Math.ceil(retryAfterSeconds), MAX_WAIT_SECONDS) : 0;
  return Math.max(byAge, hint);
}
