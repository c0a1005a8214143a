// The simulated account, kept across restarts when the simulator has a stateDir (kill -9 of
// npm start): saved after every request that may have changed it, file contents once each.
import type { IncomingMessage } from 'node:http';
import { SimulatorStateFile } from '#local/simulators/persistence';
import { SimulatedAccount, type AccountOptions, type AccountSnapshot } from './account';

export interface PersistedAccount {
  account: SimulatedAccount;
  /** account.settle(now), remembering whether a batch moved on (then even a GET saves). */
  settle(now: number): void;
  /** After each request (the kit's afterRequest): saves unless it was a GET that changed nothing. */
  afterRequest(req: IncomingMessage): void;
}

/**
 * `saveEveryRequest`: save after GETs too, for a simulator whose GETs change the account in ways
 * settle() does not report (the Azure simulator's empty error files).
 */
export function persistedAccount(
  name: string,
  stepMs: number,
  options: AccountOptions,
  stateDir: string | undefined,
  saveEveryRequest = false,
): PersistedAccount {
  const state = stateDir ? new SimulatorStateFile<AccountSnapshot>(stateDir, name) : null;
  const saved = state?.load();
  const account =
    saved && state ? SimulatedAccount.restore(stepMs, saved, (id) => state.getBlob(id), options) : new SimulatedAccount(stepMs, options);
  let settledSomething = false;
  return {
    account,
    settle(now) {
      if (account.settle(now)) settledSomething = true;
    },
    afterRequest(req) {
      if (!state || (req.method === 'GET' && !settledSomething && !saveEveryRequest)) return;
      settledSomething = false;
      for (const id of account.fileIds()) state.putBlob(id, account.getFile(id).content);
      state.save(account.snapshot());
    },
  };
}
