// Simulator state on disk, so that a kill -9 and restart of the local gateway (npm start) finds every
// provider batch and file where it was, as a real provider would: the tracker then resumes instead of
// seeing its batches "lost". One JSON document per simulator, replaced atomically (write + rename)
// after every request that may have changed it, synchronously, so what a client was told is on disk;
// large bodies (file contents) go to their own files, written once.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class SimulatorStateFile<T> {
  private readonly file: string;
  private readonly blobs: string;

  constructor(dir: string, name: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `${name}.json`);
    this.blobs = join(dir, `${name}-blobs`);
    mkdirSync(this.blobs, { recursive: true });
  }

  load(): T | null {
    return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as T) : null;
  }

  save(state: T): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.file);
  }

  /** Keeps a large body beside the document (once; ids are never reused). */
  putBlob(id: string, body: Buffer): void {
    const path = join(this.blobs, encodeURIComponent(id));
    if (!existsSync(path)) writeFileSync(path, body);
  }

  getBlob(id: string): Buffer {
    return readFileSync(join(this.blobs, encodeURIComponent(id)));
  }

  deleteBlob(id: string): void {
    rmSync(join(this.blobs, encodeURIComponent(id)), { force: true });
  }
}
