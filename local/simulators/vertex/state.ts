// With a stateDir, objects, jobs, the service account and its tokens survive a restart
// (local/simulators/persistence.ts): object bytes once per generation, the rest after every request
// that changed it (any non-GET, or a job that moved on).
import { SimulatorStateFile } from '#local/simulators/persistence';
import type { SimJob } from './account';
import type { SimServiceAccount } from './oauth';
import type { SimObject, SimStorage } from './storage';

type Stored = { account: SimServiceAccount; tokens: Array<[string, number]>; objects: Array<Omit<SimObject, 'bytes'>>; jobs: SimJob[] };

/** Loads the saved state into `storage` and `jobs`; the saved account, its tokens, and the saver (null: nothing kept). */
export function restoreState(stateDir: string | undefined, storage: SimStorage, jobs: Map<string, SimJob>) {
  if (!stateDir) return null;
  const store = new SimulatorStateFile<Stored>(stateDir, 'vertex');
  const saved = store.load();
  for (const o of saved?.objects ?? [])
    storage.objects.set(`${o.bucket}/${o.name}`, { ...o, bytes: store.getBlob(`${o.bucket}/${o.name}@${o.generation}`) });
  for (const job of saved?.jobs ?? []) jobs.set(job.id, job);
  const signature = () => [...jobs.values()].map((j) => `${j.id}:${j.state}:${j.endedAt}`).join(',') + `|${storage.objects.size}`;
  let last = signature();
  return {
    account: saved?.account,
    tokens: saved?.tokens ?? [],
    save(account: SimServiceAccount, tokens: Map<string, number>, method: string) {
      const now = signature();
      if (method === 'GET' && now === last) return;
      last = now;
      for (const o of storage.objects.values()) store.putBlob(`${o.bucket}/${o.name}@${o.generation}`, o.bytes);
      store.save({
        account,
        tokens: [...tokens],
        objects: [...storage.objects.values()].map(({ bytes: _b, ...rest }) => rest),
        jobs: [...jobs.values()],
      });
    },
  };
}
