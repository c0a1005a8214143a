// Async hooks live as long as the process, but jest loads every module afresh for each test file.
// The AWS X-Ray SDK (loaded by Powertools' Tracer, lambda/tracer.ts) enables a cls-hooked async hook
// when it loads, so without this each test file a jest worker runs left one more hook running on
// every promise of every later file (60 hooks made promise-heavy code ~10x slower), and each kept its
// file's whole module registry alive. Run per test file (jest.config.js setupFiles): the hooks the
// previous file of this worker created are disabled (its tests and teardown are over by then), and
// the hooks this file creates are recorded for the next one. Within a file nothing changes.
import type * as asyncHooks from 'node:async_hooks';

/** On the process-wide module object, which outlives each file's module registry. */
const STATE = Symbol.for('finops.test.asyncHooksPerFile');

interface PerFileState {
  createHook: typeof asyncHooks.createHook;
  created: asyncHooks.AsyncHook[];
}

// The CommonJS exports object itself (a namespace import's properties cannot be assigned).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the mutable exports object, shared by every file of the worker
const hooks = require('node:async_hooks') as typeof asyncHooks & { [STATE]?: PerFileState };

const state = (hooks[STATE] ??= { createHook: hooks.createHook, created: [] });
for (const hook of state.created.splice(0)) hook.disable();
hooks.createHook = (callbacks) => {
  const hook = state.createHook(callbacks);
  state.created.push(hook);
  return hook;
};
