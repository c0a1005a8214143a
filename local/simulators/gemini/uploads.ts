// Gemini's resumable upload protocol (shared/spec/gemini.md §1): `start` opens a session and answers
// its URL in x-goog-upload-url; `upload` appends a chunk at x-goog-upload-offset (intermediate chunks
// a multiple of 256 KiB), `finalize` makes the file (its length checked against the declared one),
// `query` tells what the server holds. The session URL is the credential of the later commands.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GeminiAccount, SimFile, UploadSession } from './account';
import { GeminiError, header, json, parseJson, readBody, token } from './wire';

export const CHUNK_GRANULARITY = 256 * 1024;
const MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;
const MAX_METADATA_BYTES = 1024 * 1024;

const invalid = (message: string, uploadStatus?: 'active' | 'final') =>
  new GeminiError(400, 'INVALID_ARGUMENT', message, undefined, uploadStatus ? { 'x-goog-upload-status': uploadStatus } : {});

/** `start`: checks the metadata and opens a session; answers its URL. */
export async function startUpload(account: GeminiAccount, req: IncomingMessage, res: ServerResponse) {
  if (header(req, 'x-goog-upload-protocol') !== 'resumable' || header(req, 'x-goog-upload-command') !== 'start') {
    throw invalid(
      'Only the resumable upload protocol is supported: send X-Goog-Upload-Protocol: resumable and X-Goog-Upload-Command: start.',
    );
  }
  const body = parseJson(await readBody(req, MAX_METADATA_BYTES), true) as { file?: Record<string, unknown> } | null;
  const meta = body?.file ?? {};
  const session: UploadSession = {
    id: token(32),
    declaredLength: declaredLength(req),
    mimeType:
      header(req, 'x-goog-upload-header-content-type') ??
      ((meta.mimeType ?? meta.mime_type) as string | undefined) ??
      'application/octet-stream',
    displayName: checkedDisplayName(meta),
    name: checkedName(account, meta),
    parts: [],
    received: 0,
    chunks: 0,
    file: null,
  };
  account.sessions.set(session.id, session);
  const url = `${account.origin}/upload/v1beta/files?upload_id=${session.id}&upload_protocol=resumable`;
  res.writeHead(200, {
    'x-goog-upload-url': url,
    'x-goog-upload-status': 'active',
    'x-goog-upload-chunk-granularity': String(CHUNK_GRANULARITY),
    'x-goog-upload-control-url': url,
    'content-length': 0,
  });
  res.end();
}

function declaredLength(req: IncomingMessage): number | null {
  const declared = header(req, 'x-goog-upload-header-content-length');
  const length = declared === undefined ? null : Number(declared);
  if (length !== null && (!Number.isInteger(length) || length < 0))
    throw invalid('X-Goog-Upload-Header-Content-Length must be a non-negative integer.');
  if (length !== null && length > MAX_FILE_BYTES) throw invalid('File too large: the maximum file size is 2 GB.');
  return length;
}

function checkedDisplayName(meta: Record<string, unknown>): string | undefined {
  const displayName = (meta.displayName ?? meta.display_name) as string | undefined;
  if (displayName !== undefined && (typeof displayName !== 'string' || displayName.length > 512))
    throw invalid('* file.display_name: must be at most 512 characters.\n');
  return displayName;
}

function checkedName(account: GeminiAccount, meta: Record<string, unknown>): string | undefined {
  const name = meta.name as string | undefined;
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || !/^files\/[a-z0-9-]{1,40}$/.test(name))
    throw invalid(`Invalid file name ${JSON.stringify(name)}: expected files/<id> with lowercase letters, digits and dashes.`);
  if (account.files.has(name)) throw new GeminiError(409, 'ALREADY_EXISTS', `File ${name} already exists.`);
  return name;
}

/** `query`, `upload`, `finalize` (or `upload, finalize`) on an open session. */
export async function uploadCommand(account: GeminiAccount, req: IncomingMessage, res: ServerResponse, session: UploadSession) {
  const command = (header(req, 'x-goog-upload-command') ?? '').split(',').map((c) => c.trim().toLowerCase());
  if (command.includes('query')) {
    const status = session.file ? 'final' : 'active';
    res
      .writeHead(200, { 'x-goog-upload-status': status, 'x-goog-upload-size-received': String(session.received), 'content-length': 0 })
      .end();
    return;
  }
  if (session.file)
    throw new GeminiError(400, 'FAILED_PRECONDITION', 'The upload session is already finalized.', undefined, {
      'x-goog-upload-status': 'final',
    });
  if (!command.includes('upload') && !command.includes('finalize'))
    throw invalid(`Unknown X-Goog-Upload-Command ${JSON.stringify(header(req, 'x-goog-upload-command') ?? '')}.`, 'active');
  const bytes = await readBody(req, MAX_FILE_BYTES);
  if (command.includes('upload')) appendChunk(req, session, bytes, !command.includes('finalize'));
  if (!command.includes('finalize')) {
    res.writeHead(200, { 'x-goog-upload-status': 'active', 'content-length': 0 }).end();
    return;
  }
  json(res, 200, { file: account.fileView(finalize(account, session)) }, { 'x-goog-upload-status': 'final' });
}

/** A chunk at the offset the server holds; an intermediate one a multiple of the granularity. */
function appendChunk(req: IncomingMessage, session: UploadSession, bytes: Buffer, intermediate: boolean) {
  const offset = Number(header(req, 'x-goog-upload-offset'));
  if (offset !== session.received) {
    throw invalid(
      `Invalid X-Goog-Upload-Offset ${header(req, 'x-goog-upload-offset') ?? '(missing)'}: the server has ${session.received} bytes.`,
      'active',
    );
  }
  if (intermediate && bytes.length % CHUNK_GRANULARITY !== 0)
    throw invalid(`Intermediate chunks must be a multiple of ${CHUNK_GRANULARITY} bytes; got ${bytes.length}.`, 'active');
  session.parts.push(bytes);
  session.received += bytes.length;
  session.chunks += 1;
}

/** The file of a finished upload; a length other than the declared one ends the session. */
function finalize(account: GeminiAccount, session: UploadSession): SimFile {
  if (session.declaredLength !== null && session.declaredLength !== session.received) {
    account.sessions.delete(session.id);
    throw invalid(
      `Upload is ${session.received} bytes but X-Goog-Upload-Header-Content-Length declared ${session.declaredLength}.`,
      'final',
    );
  }
  const file: SimFile = {
    name: session.name ?? `files/${token(12).toLowerCase()}`,
    displayName: session.displayName,
    mimeType: session.mimeType,
    bytes: Buffer.concat(session.parts),
    createdAt: Date.now(),
    source: 'UPLOADED',
    chunks: session.chunks,
  };
  session.file = file;
  session.parts = [];
  account.files.set(file.name, file);
  return file;
}
