// With a stateDir, files and batches survive a restart (local/simulators/persistence.ts): file bytes
// once each, the rest after every request that changed it (any non-GET, or a batch that moved on).
// Upload sessions under way are not kept: the client starts the upload again.
import { SimulatorStateFile } from '#local/simulators/persistence';
import type { GeminiAccount, SimBatch, SimFile } from './account';

type Stored = { files: Array<Omit<SimFile, 'bytes'>>; batches: SimBatch[] };

/** Loads the saved account into `account`; the saver to call after each request (null: nothing kept). */
export function restoreState(stateDir: string | undefined, account: GeminiAccount) {
  if (!stateDir) return null;
  const { files, batches } = account;
  const store = new SimulatorStateFile<Stored>(stateDir, 'gemini');
  const saved = store.load();
  for (const file of saved?.files ?? []) files.set(file.name, { ...file, bytes: store.getBlob(file.name) });
  for (const batch of saved?.batches ?? []) batches.set(batch.id, batch);
  const signature = () => [...batches.values()].map((b) => `${b.id}:${b.state}:${b.endedAt}`).join(',') + `|${files.size}`;
  let last = signature();
  return {
    saveIfChanged(method: string) {
      const now = signature();
      if (method === 'GET' && now === last) return;
      last = now;
      for (const file of files.values()) store.putBlob(file.name, file.bytes);
      store.save({ files: [...files.values()].map(({ bytes: _bytes, ...rest }) => rest), batches: [...batches.values()] });
    },
  };
}
