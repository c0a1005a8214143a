// The tracker's cost and latency, derived from the synthesized definition and the real wait schedule.
import { localTrackerDefinition } from '#lib/synth';
import { trackingCost } from '#lib/batch-tracker/cost-model';
import { nextWaitSeconds } from '#contracts/schedule';

const definition = localTrackerDefinition();
const minutes = (m: number) => m * 60;
const hours = (h: number) => h * 3600;
const costOf = (seconds: number) => trackingCost(definition, seconds, (age) => nextWaitSeconds(age));

// Standard workflows: $0.025 per 1,000 state transitions.
const dollars = (transitions: number) => (transitions * 0.025) / 1000;

describe('batch tracker cost (state transitions) and detection latency', () => {
  test.each([
    ['1 min', minutes(1)],
    ['1 h', hours(1)],
    ['24 h', hours(24)],
    ['168 h', hours(168)],
  ])('%s batch', (_label, seconds) => {
    const cost = costOf(seconds);
    // Printed so the README table can be checked against the code.
    console.log(
      `${_label}: ${cost.checks} checks, ${cost.stateTransitions} transitions ($${dollars(cost.stateTransitions).toFixed(4)}), ~${cost.historyEvents} history events, seen ${cost.detectionLatencySeconds} s late`,
    );
    expect(cost.detectionLatencySeconds).toBeGreaterThanOrEqual(0);
    expect(cost.historyEvents).toBeLessThan(25_000);
  });

  test('a 24 h batch costs at most 400 state transitions (about $0.01)', () => {
    const cost = costOf(hours(24));
    expect(cost.stateTransitions).toBeLessThanOrEqual(400);
    expect(dollars(cost.stateTransitions)).toBeLessThanOrEqual(0.01);
  });

  test('a fixed 60 s poll would cost 4,320 transitions a day, and a fixed 30 s poll breaks the history limit', () => {
    expect(trackingCost(definition, hours(24), () => 60).stateTransitions).toBeGreaterThanOrEqual(4320);
    expect(trackingCost(definition, hours(24), () => 30).historyEvents).toBeGreaterThan(25_000);
  });

  test('a 168 h Bedrock job uses less than a third of the 25,000-event history limit', () => {
    expect(costOf(hours(168)).historyEvents).toBeLessThan(25_000 / 3);
  });

  test('a batch done after 2 minutes is seen done within 60 s', () => {
    for (let s = 1; s <= minutes(2); s += 7) expect(costOf(s).detectionLatencySeconds).toBeLessThanOrEqual(60);
  });

  test('a batch done after hours is seen within 10 % of its age', () => {
    for (let s = hours(1); s <= hours(168); s += 977) {
      expect(costOf(s).detectionLatencySeconds).toBeLessThanOrEqual(0.1 * s);
    }
  });

  // Issue 12: transient provider errors wait inside each step, with the poll wait, until the batch's
  // window plus grace (1 h by default), and collecting may go on 24 h longer. Worst cases:
  const windowEnd = hours(24) + hours(1);
  test.each([
    ['provider refuses every submit for the whole window (then expired)', windowEnd, { submitUntil: windowEnd }],
    ['provider down for every check of the whole window (then expired)', windowEnd, {}],
    ['and then down for collecting for 24 h more', windowEnd, { collectUntil: windowEnd + hours(24) }],
  ] as const)('outage: %s stays far inside the history limit', (_label, seconds, outage) => {
    const cost = trackingCost(definition, seconds, (age) => nextWaitSeconds(age), outage);
    console.log(
      `outage, ${_label}: ${cost.stateTransitions} transitions ($${dollars(cost.stateTransitions).toFixed(4)}), ~${cost.historyEvents} history events`,
    );
    expect(cost.historyEvents).toBeLessThan(25_000 / 5);
    expect(cost.stateTransitions).toBeLessThanOrEqual(800);
  });

  test('an outage costs no more than the healthy polling it replaces (submit outage of 24 h vs. a 24 h batch)', () => {
    const healthy = costOf(hours(24));
    const outage = trackingCost(definition, hours(24), (age) => nextWaitSeconds(age), { submitUntil: hours(24) });
    // Submit waits as checks do; the batch is then seen done at once (one check), so at most a few more.
    expect(outage.stateTransitions).toBeLessThanOrEqual(healthy.stateTransitions + 6);
  });
});
