// The tracker's cost and latency, derived from the synthesized definition and the real wait schedule.
import { localTrackerDefinition } from '../../lib/synth';
import { trackingCost } from '../../lib/batch-tracker/cost-model';
import { nextWaitSeconds } from '../../lambda/tracker/schedule';

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
    console.log(`${_label}: ${cost.checks} checks, ${cost.stateTransitions} transitions ($${dollars(cost.stateTransitions).toFixed(4)}), ~${cost.historyEvents} history events, seen ${cost.detectionLatencySeconds} s late`);
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
});
