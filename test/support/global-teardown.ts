// The end of the jest run: the shared tracker definition of global-setup.ts goes.
import { rmSync } from 'node:fs';
import { TRACKER_DEFINITION_CACHE_ENV } from '#local/tracker-definition';

export default function globalTeardown(): void {
  const cache = process.env[TRACKER_DEFINITION_CACHE_ENV];
  if (cache) rmSync(cache, { force: true });
}
