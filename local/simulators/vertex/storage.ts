// The Cloud Storage JSON API part of the simulator (cloud.google.com/storage/docs/json_api), for the
// calls a batch pipeline makes: resumable uploads (POST uploadType=resumable → Location session;
// PUT chunks with Content-Range `bytes a-b/total`, 308 Resume Incomplete with `Range: bytes=0-n`
// until the last; `bytes */total` asks for the status; intermediate chunks a multiple of 256 KiB),
// simple media uploads, object get / ?alt=media / delete, list with prefix and pageToken. Buckets
// are fixed at start: an unknown one is 404, as a bucket that does not exist. The paths are routes.ts's.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { HttpError, header, iso, json, pageStart, pageToken, readBody } from './wire';

const CHUNK_GRANULARITY = 256 * 1024;
const MAX_OBJECT_BYTES = 5 * 1024 * 1024 * 1024;
const LIST_PAGE = 1000;

export interface SimObject {
  bucket: string;
  name: string;
  contentType: string;
  bytes: Buffer;
  createdAt: number;
  generation: string;
}

interface Session {
  bucket: string;
  name: string;
  contentType: string;
  total: number | null;
  parts: Buffer[];
  received: number;
  done: SimObject | null;
}

/** An object route's bucket and object name, its (decoded) path and query. */
export interface ObjectAt {
  bucket: string;
  name: string;
  path: string;
  query: URLSearchParams;
}

export class SimStorage {
  readonly objects = new Map<string, SimObject>(); // `${bucket}/${name}`
  private readonly sessions = new Map<string, Session>();
  /** Chunks of every upload, for tests that check the client streamed. */
  chunksReceived = 0;

  constructor(
    readonly buckets: Set<string>,
    private origin: () => string,
  ) {}

  get(bucket: string, name: string): SimObject | undefined {
    return this.objects.get(`${bucket}/${name}`);
  }

  put(bucket: string, name: string, bytes: Buffer, contentType: string): SimObject {
    const object: SimObject = {
      bucket,
      name,
      contentType,
      bytes,
      createdAt: Date.now(),
      generation: String(Date.now() * 1000 + Math.floor(Math.random() * 1000)),
    };
    this.objects.set(`${bucket}/${name}`, object);
    return object;
  }

  view(o: SimObject) {
    return {
      kind: 'storage#object',
      id: `${o.bucket}/${o.name}/${o.generation}`,
      name: o.name,
      bucket: o.bucket,
      generation: o.generation,
      contentType: o.contentType,
      size: String(o.bytes.length),
      md5Hash: createHash('md5').update(o.bytes).digest('base64'),
      timeCreated: iso(o.createdAt),
      updated: iso(o.createdAt),
      storageClass: 'STANDARD',
    };
  }

  private bucket(name: string): string {
    if (!this.buckets.has(name)) throw new HttpError(404, 'notFound', 'The specified bucket does not exist.');
    return name;
  }

  private known(bucket: string, name: string): SimObject {
    const object = this.get(this.bucket(bucket), name);
    if (!object) throw new HttpError(404, 'notFound', `No such object: ${bucket}/${name}`);
    return object;
  }

  /** POST /upload/storage/v1/b/{bucket}/o: a resumable upload's start or a simple media upload. */
  async upload(req: IncomingMessage, res: ServerResponse, bucketName: string, query: URLSearchParams) {
    if (query.get('uploadType') === 'resumable') return this.startResumable(req, res, bucketName, query);
    if (query.get('uploadType') !== 'media') throw unsupportedUpload(req, query);
    const name = query.get('name');
    if (!name) throw new HttpError(400, 'required', 'Required parameter: name');
    const bucket = this.bucket(bucketName);
    const body = await readBody(req, MAX_OBJECT_BYTES);
    json(res, 200, this.view(this.put(bucket, name, body, header(req, 'content-type') ?? 'application/octet-stream')));
  }

  /** PUT /upload/storage/v1/b/{bucket}/o?upload_id=…: a chunk of a resumable upload, or its status. */
  async uploadChunk(req: IncomingMessage, res: ServerResponse, query: URLSearchParams) {
    const id = query.get('upload_id');
    if (!id) throw unsupportedUpload(req, query);
    return this.resumeChunk(req, res, id);
  }

  /** GET /storage/v1/b/{bucket}/o: objects by name, with prefix, maxResults, pageToken. */
  list(bucketName: string, query: URLSearchParams) {
    const prefix = query.get('prefix') ?? '';
    const bucket = this.bucket(bucketName);
    const all = [...this.objects.values()]
      .filter((o) => o.bucket === bucket && o.name.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const size = Math.min(Number(query.get('maxResults') ?? LIST_PAGE) || LIST_PAGE, LIST_PAGE);
    const start = pageStart(query.get('pageToken'));
    const page = all.slice(start, start + size);
    return {
      kind: 'storage#objects',
      ...(page.length ? { items: page.map((o) => this.view(o)) } : {}),
      ...(start + size < all.length ? { nextPageToken: pageToken(start + size) } : {}),
    };
  }

  /** /storage/v1/b/{bucket}/o/{name}: DELETE, GET ?alt=media (a `reset` cuts it half way), GET metadata. */
  object(req: IncomingMessage, res: ServerResponse, at: ObjectAt, resetMidBody: () => boolean) {
    const method = req.method ?? 'GET';
    const found = this.known(at.bucket, at.name);
    if (method === 'DELETE') {
      this.objects.delete(`${found.bucket}/${found.name}`);
      res.writeHead(204).end();
    } else if (method === 'GET' && at.query.get('alt') === 'media') {
      res.writeHead(200, { 'content-type': found.contentType, 'content-length': found.bytes.length });
      if (!resetMidBody()) res.end(found.bytes);
      else
        res.write(found.bytes.subarray(0, Math.max(1, Math.floor(found.bytes.length / 2))), () =>
          setTimeout(() => res.socket?.destroy(), 10),
        );
    } else if (method === 'GET') json(res, 200, this.view(found));
    else throw new HttpError(405, 'methodNotAllowed', `Method ${method} is not allowed on ${at.path}.`);
  }

  private async startResumable(req: IncomingMessage, res: ServerResponse, bucketName: string, query: URLSearchParams) {
    const bucket = this.bucket(bucketName);
    const meta = (await readBody(req, 64 * 1024)).toString('utf8');
    const parsed = meta ? (JSON.parse(meta) as { name?: string; contentType?: string }) : {};
    const name = query.get('name') ?? parsed.name;
    if (!name) throw new HttpError(400, 'required', 'Required parameter: name');
    const declared = header(req, 'x-upload-content-length');
    const total = declared === undefined ? null : Number(declared);
    if (total !== null && (!Number.isInteger(total) || total < 0 || total > MAX_OBJECT_BYTES))
      throw new HttpError(400, 'invalid', 'X-Upload-Content-Length must be a size of at most 5 TiB.');
    const id = randomBytes(18).toString('base64url');
    this.sessions.set(id, {
      bucket,
      name,
      contentType: header(req, 'x-upload-content-type') ?? parsed.contentType ?? 'application/octet-stream',
      total,
      parts: [],
      received: 0,
      done: null,
    });
    res
      .writeHead(200, {
        location: `${this.origin()}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&upload_id=${id}`,
        'content-length': 0,
      })
      .end();
  }

  private async resumeChunk(req: IncomingMessage, res: ServerResponse, id: string) {
    const session = this.sessions.get(id);
    if (!session) throw new HttpError(404, 'notFound', 'The upload session does not exist or has expired.');
    const range = header(req, 'content-range') ?? '';
    const bytes = await readBody(req, MAX_OBJECT_BYTES);
    const incomplete = () =>
      res.writeHead(308, { ...(session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {}), 'content-length': 0 }).end();
    const status = /^bytes \*\/(\d+|\*)$/.exec(range);
    if (status) {
      if (session.done) return json(res, 200, this.view(session.done));
      return incomplete();
    }
    const chunk = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range);
    if (!chunk) throw new HttpError(400, 'invalid', `Invalid Content-Range ${JSON.stringify(range)}.`);
    if (session.done) return json(res, 200, this.view(session.done));
    const [start, end] = [Number(chunk[1]), Number(chunk[2])];
    const total = chunk[3] === '*' ? null : Number(chunk[3]);
    if (end - start + 1 !== bytes.length)
      throw new HttpError(400, 'invalid', `Content-Range covers ${end - start + 1} bytes but the body has ${bytes.length}.`);
    if (session.total !== null && total !== null && total !== session.total)
      throw new HttpError(400, 'invalid', `Content-Range total ${total} differs from X-Upload-Content-Length ${session.total}.`);
    // A resent chunk the server already holds is skipped, as a client resuming after a lost answer expects.
    if (start < session.received)
      return end + 1 <= session.received ? incomplete() : Promise.reject(new HttpError(400, 'invalid', 'Overlapping chunk.'));
    if (start !== session.received)
      throw new HttpError(400, 'invalid', `Chunk starts at ${start}; the server has ${session.received} bytes.`);
    const last = total !== null && end + 1 === total;
    if (!last && bytes.length % CHUNK_GRANULARITY !== 0)
      throw new HttpError(400, 'invalid', `Intermediate chunks must be a multiple of ${CHUNK_GRANULARITY} bytes; got ${bytes.length}.`);
    session.parts.push(bytes);
    session.received += bytes.length;
    this.chunksReceived += 1;
    if (!last) return incomplete();
    session.done = this.put(session.bucket, session.name, Buffer.concat(session.parts), session.contentType);
    session.parts = [];
    json(res, 200, this.view(session.done));
  }
}

export function unsupportedUpload(req: IncomingMessage, query: URLSearchParams) {
  return new HttpError(400, 'invalid', `Unsupported upload: ${req.method ?? 'GET'} uploadType=${query.get('uploadType') ?? '(none)'}.`);
}
