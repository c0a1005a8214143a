// What tracking a batch costs: walks the tracker's ASL the way one execution would, for a batch the
// provider finishes after `durationSeconds`, with the waits the check step would choose. Counts the
// state transitions (what Standard workflows bill) and estimates history events (25,000 max per
// execution), and measures how late the tracker sees the batch done. Pure: no AWS, no clock.
import { TrackerState } from './state-names';

interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Choices?: Array<{ StringEquals?: string; Next: string }>;
  Default?: string;
}

interface Asl {
  StartAt: string;
  States: Record<string, AslState>;
}

export interface TrackingCost {
  durationSeconds: number;
  checks: number;
  stateTransitions: number;
  historyEvents: number;
  /** Seconds between the provider finishing and the tracker seeing it. */
  detectionLatencySeconds: number;
}

/** History events each state type writes in a Standard execution (entered/exited, scheduled/started/succeeded). */
const EVENTS_PER_STATE: Record<string, number> = { Task: 5, Wait: 3, Choice: 2, Succeed: 2, Fail: 2, Pass: 2 };

/**
 * @param waitSeconds the check step's schedule (contracts/schedule.ts nextWaitSeconds)
 */
/**
 * A provider outage, in seconds of the batch's age: until `submitUntil` every submit is refused
 * (throttled, down, full) and waits; until `collectUntil` every collect does. An outage while the
 * batch runs costs nothing extra: a failed check waits exactly as a "still running" one does.
 */
export interface Outage {
  submitUntil?: number;
  collectUntil?: number;
}

export function trackingCost(
  definition: object,
  durationSeconds: number,
  waitSeconds: (ageSeconds: number) => number,
  outage: Outage = {},
): TrackingCost {
  const asl = definition as Asl;
  let state = asl.StartAt;
  let now = 0;
  let transitions = 0;
  let events = 2; // ExecutionStarted, ExecutionSucceeded
  let checks = 0;
  let detectedAt = -1;
  let lastCheck: 'wait' | 'collect' = 'wait';
  for (let guard = 0; guard < 1_000_000; guard++) {
    const s = asl.States[state];
    if (!s) throw new Error(`The definition has no state "${state}"`);
    transitions += 1;
    events += EVENTS_PER_STATE[s.Type] ?? 2;
    if (state === TrackerState.checkStatus) {
      checks += 1;
      lastCheck = now >= durationSeconds ? 'collect' : 'wait';
      if (lastCheck === 'collect') detectedAt = now;
    }
    if (state === TrackerState.wait || state === TrackerState.waitToSubmit || state === TrackerState.waitToCollect) now += waitSeconds(now);
    if (s.Type === 'Succeed' || s.Type === 'Fail' || s.End) break;
    if (s.Type === 'Choice') {
      // A healthy provider: the batch is submitted at once and its results are collected at once.
      const value =
        state === TrackerState.isSubmitted
          ? now < (outage.submitUntil ?? 0)
            ? 'wait'
            : 'submitted'
          : state === TrackerState.isCollected
            ? now < (outage.collectUntil ?? 0)
              ? 'wait'
              : 'announce'
            : lastCheck;
      state = s.Choices!.find((c) => c.StringEquals === value)?.Next ?? s.Default!;
      continue;
    }
    state = s.Next!;
  }
  return {
    durationSeconds,
    checks,
    stateTransitions: transitions,
    historyEvents: events,
    detectionLatencySeconds: detectedAt - durationSeconds,
  };
}
