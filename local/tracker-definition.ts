// The batch tracker's ASL for the local gateway: the very definition `cdk synth` produces
// (lib/synth.ts localTrackerDefinition). Synthesizing the stack costs seconds of CPU, and a test run
// starts dozens of gateways from the same sources, so when FINOPS_LOCAL_TRACKER_DEFINITION_CACHE names
// a file (the jest run sets one per run: test/support/global-setup.ts), the first gateway of the run
// synthesizes and writes it there and every later one reads it back. Unset (npm start): synthesized.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export const TRACKER_DEFINITION_CACHE_ENV = 'FINOPS_LOCAL_TRACKER_DEFINITION_CACHE';

export async function trackerDefinitionForLocalRun(): Promise<object> {
  const cache = process.env[TRACKER_DEFINITION_CACHE_ENV];
  if (cache) {
    try {
      return JSON.parse(readFileSync(cache, 'utf8')) as object;
    } catch {
      // Not written yet in this run (or unreadable): synthesize it below.
    }
  }
  // Loaded only here: the CDK app and the stack's modules are most of a gateway's start-up.
  const { localTrackerDefinition } = await import('#lib/synth');
  const definition = localTrackerDefinition();
  if (cache) {
    // Whole or not at all: another test worker may read the file at any moment.
    const partial = `${cache}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(definition));
    renameSync(partial, cache);
  }
  return definition;
}
