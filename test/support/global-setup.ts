// Once per jest run, before any worker starts: a file for the tracker definition the run's local
// gateways share (local/tracker-definition.ts), so the stack is synthesized once per run instead of
// once per gateway. Workers inherit the variable; global-teardown.ts removes the file.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRACKER_DEFINITION_CACHE_ENV } from '#local/tracker-definition';

export default function globalSetup(): void {
  // A run-specific name: sources edited between runs (or in watch mode) are synthesized afresh.
  process.env[TRACKER_DEFINITION_CACHE_ENV] = join(tmpdir(), `finops-tracker-definition-${process.pid}-${Date.now()}.json`);
}
