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
 * @param waitSeconds the check step's schedule (lambda/tracker/schedule.ts nextWaitSeconds)
 */
export function trackingCost(definition: object, durationSeconds: number, waitSeconds: (ageSeconds: number) => number): TrackingCost {
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
    if (state === TrackerState.wait) now += waitSeconds(now);
    if (s.Type === 'Succeed' || s.Type === 'Fail' || s.End) break;
    if (s.Type === 'Choice') {
      state = s.Choices!.find((c) => c.StringEquals === lastCheck)?.Next ?? s.Default!;
      continue;
    }
    state = s.Next!;
  }
  return { durationSeconds, checks, stateTransitions: transitions, historyEvents: events, detectionLatencySeconds: detectedAt - durationSeconds };
}
