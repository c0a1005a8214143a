// A local stand-in for the Gemini Developer API's Files and Batch APIs (shared/spec/gemini.md §1-2),
// close enough that the official @google/genai client works against it unchanged and the gateway's
// code paths really run:
// - auth by `x-goog-api-key` header or `?key=`: none → 403 PERMISSION_DENIED, a wrong one → 400
//   INVALID_ARGUMENT with reason API_KEY_INVALID (what Google answers for a bad API key);
// - Google's error shape {error:{code,message,status}}; a file that does not exist answers 403
//   "… or it may not exist", as the real Files API does;
// - resumable uploads (start → x-goog-upload-url → upload / upload, finalize / query) with offsets,
//   256 KiB chunk granularity and the declared length checked;
// - files get / list (pageSize ≤ 100, pageToken) / delete; download (`/download/v1beta/…:download` and
//   `/v1beta/…:download`, ?alt=media) of GENERATED files only: uploaded files cannot be downloaded;
// - batchGenerateContent (file or inline input) returning an Operation, and the embeddings batch
//   asyncBatchEmbedContent for embedding models only (embeddings.ts); batches get / list
//   (`operations`, nextPageToken) / :cancel / delete; states on the wire are BATCH_STATE_*, counts in
//   batchStats are int64 strings, proto3 style (zero counts omitted);
// - a batch is PENDING for one step, RUNNING for one step, then SUCCEEDED with a GENERATED responses
//   file of GenerateContentResponse / error lines in input order (outcomes.ts lists per-request
//   triggers). A cancel lands one step later (unless the batch finished first) → CANCELLED, no output.
//   Batch-wide triggers in any user text: "[simulate-expire]" → EXPIRED, "[simulate-batch-failure]" →
//   FAILED with an Operation error; neither has output.
// - faults (FaultInjector): rate_limit / server_error / timeout anywhere; on batch routes `lose_batch`
//   (404) and `reset` (connection dropped); on downloads `reset` cuts the body half way.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { SimulatorStateFile } from '../persistence';
import { FaultInjector, type RunningSimulator, type SimulatorOptions } from '../simulator';
import { simulateOutcome, userTexts } from './outcomes';
import { EMBED_BATCH_TYPE, EMBED_OUTPUT_TYPE, embedTexts, isEmbeddingModel, simulateEmbedOutcome } from './embeddings';
import { closeServer, listenOnLoopback } from '../../loopback';

export interface GeminiSimulatorOptions extends SimulatorOptions {
  /**
   * Serve downloads on the documented `/download/v1beta/…` path (default true). False answers 404
   * there, as some deployments do, so clients must fall back to `/v1beta/…:download`.
   */
  documentedDownloadPath?: boolean;
}

export interface GeminiSimulator extends RunningSimulator {
  /** Test hook, not part of the API: the bytes and chunk count of a stored file. */
  storedFile(name: string): { bytes: Buffer; source: 'UPLOADED' | 'GENERATED'; chunks: number } | undefined;
}

const CHUNK_GRANULARITY = 256 * 1024;
const MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;
const FILE_TTL_MS = 48 * 60 * 60 * 1000;
const BATCH_TYPE = 'type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch';
const OUTPUT_TYPE = 'type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatchOutput';
const MODEL_PATTERN = /^(gemini|gemma)-[A-Za-z0-9._-]+$/;

interface SimFile {
  name: string;
  displayName?: string;
  mimeType: string;
  bytes: Buffer;
  createdAt: number;
  source: 'UPLOADED' | 'GENERATED';
  chunks: number;
}

interface UploadSession {
  id: string;
  declaredLength: number | null;
  mimeType: string;
  displayName?: string;
  name?: string;
  parts: Buffer[];
  received: number;
  chunks: number;
  file: SimFile | null;
}

interface SimRequest {
  key: string;
  request: unknown;
}

interface SimBatch {
  id: string;
  model: string;
  displayName: string;
  createdAt: number;
  inputFile: string | null;
  requests: SimRequest[];
  inline: boolean;
  cancelledAt: number | null;
  endedAt: number | null;
  state: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';
  responsesFile: string | null;
  inlinedResponses: Array<Record<string, unknown>> | null;
  /** An embeddings batch (asyncBatchEmbedContent, embeddings.ts); absent: batchGenerateContent. */
  kind?: 'embed';
  stats: { successful: number; failed: number };
  error: { code: number; message: string } | null;
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
    readonly details?: unknown[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export async function startGeminiSimulator(options: GeminiSimulatorOptions = {}): Promise<GeminiSimulator> {
  const stepMs = options.stepMs ?? 1000;
  const apiKey = options.apiKey ?? 'sim-gemini-key';
  const documentedDownloadPath = options.documentedDownloadPath ?? true;
  const faults = new FaultInjector();
  const files = new Map<string, SimFile>(); // insertion order = creation order
  const sessions = new Map<string, UploadSession>();
  const batches = new Map<string, SimBatch>();
  let origin = '';
  const state = restoreState(options.stateDir, files, batches);

  // -------------------------------------------------------------------------------------------------
  // files

  const fileView = (file: SimFile) => ({
    name: file.name,
    ...(file.displayName ? { displayName: file.displayName } : {}),
    mimeType: file.mimeType,
    sizeBytes: String(file.bytes.length),
    createTime: iso(file.createdAt),
    updateTime: iso(file.createdAt),
    expirationTime: iso(file.createdAt + FILE_TTL_MS),
    sha256Hash: Buffer.from(createHash('sha256').update(file.bytes).digest('hex')).toString('base64'),
    uri: `${origin}/v1beta/${file.name}`,
    ...(file.source === 'GENERATED' ? { downloadUri: `${origin}/download/v1beta/${file.name}:download?alt=media` } : {}),
    state: fileState(file),
    source: file.source,
  });

  /**
   * Uploaded files pass through PROCESSING before they are ACTIVE (ai.google.dev/api/files#State); a
   * batch cannot use one until then. Instant unless FINOPS_SIM_GEMINI_FILE_PROCESSING_MS is set.
   */
  const fileState = (file: SimFile): 'PROCESSING' | 'ACTIVE' => {
    const ms = Number(process.env.FINOPS_SIM_GEMINI_FILE_PROCESSING_MS);
    return file.source !== 'GENERATED' && Number.isFinite(ms) && ms > 0 && Date.now() < file.createdAt + ms ? 'PROCESSING' : 'ACTIVE';
  };

  /** Gemini's batch quota (concurrent batches) answers 429 RESOURCE_EXHAUSTED; off unless FINOPS_SIM_GEMINI_MAX_ACTIVE_BATCHES is set. */
  const refuseWhenQuotaReached = () => {
    const cap = Number(process.env.FINOPS_SIM_GEMINI_MAX_ACTIVE_BATCHES);
    if (!Number.isFinite(cap) || cap <= 0) return;
    const active = [...batches.values()].filter((b) => !operationView(b).done).length;
    if (active >= cap)
      throw new HttpError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).', undefined, { 'retry-after': '1' });
  };

  /** A file still PROCESSING cannot back a batch (FAILED_PRECONDITION, as Gemini answers). */
  const usableFile = (file: SimFile): SimFile => {
    if (fileState(file) !== 'ACTIVE')
      throw new HttpError(
        400,
        'FAILED_PRECONDITION',
        `The File ${file.name.replace(/^files\//, '')} is not in an ACTIVE state and usage is not allowed.`,
      );
    return file;
  };

  const knownFile = (name: string): SimFile => {
    const file = files.get(name);
    if (!file || Date.now() > file.createdAt + FILE_TTL_MS) {
      throw new HttpError(
        403,
        'PERMISSION_DENIED',
        `You do not have permission to access the File ${name.replace(/^files\//, '')} or it may not exist.`,
      );
    }
    return file;
  };

  async function startUpload(req: IncomingMessage) {
    if (header(req, 'x-goog-upload-protocol') !== 'resumable' || header(req, 'x-goog-upload-command') !== 'start') {
      throw new HttpError(
        400,
        'INVALID_ARGUMENT',
        'Only the resumable upload protocol is supported: send X-Goog-Upload-Protocol: resumable and X-Goog-Upload-Command: start.',
      );
    }
    const body = parseJson(await readBody(req, 1024 * 1024), true) as { file?: Record<string, unknown> } | null;
    const meta = body?.file ?? {};
    const declared = header(req, 'x-goog-upload-header-content-length');
    const declaredLength = declared === undefined ? null : Number(declared);
    if (declaredLength !== null && (!Number.isInteger(declaredLength) || declaredLength < 0)) {
      throw new HttpError(400, 'INVALID_ARGUMENT', 'X-Goog-Upload-Header-Content-Length must be a non-negative integer.');
    }
    if (declaredLength !== null && declaredLength > MAX_FILE_BYTES)
      throw new HttpError(400, 'INVALID_ARGUMENT', 'File too large: the maximum file size is 2 GB.');
    const displayName = (meta.displayName ?? meta.display_name) as string | undefined;
    if (displayName !== undefined && (typeof displayName !== 'string' || displayName.length > 512)) {
      throw new HttpError(400, 'INVALID_ARGUMENT', '* file.display_name: must be at most 512 characters.\n');
    }
    const name = meta.name as string | undefined;
    if (name !== undefined) {
      if (typeof name !== 'string' || !/^files\/[a-z0-9-]{1,40}$/.test(name))
        throw new HttpError(
          400,
          'INVALID_ARGUMENT',
          `Invalid file name ${JSON.stringify(name)}: expected files/<id> with lowercase letters, digits and dashes.`,
        );
      if (files.has(name)) throw new HttpError(409, 'ALREADY_EXISTS', `File ${name} already exists.`);
    }
    const session: UploadSession = {
      id: token(32),
      declaredLength,
      mimeType:
        header(req, 'x-goog-upload-header-content-type') ??
        ((meta.mimeType ?? meta.mime_type) as string | undefined) ??
        'application/octet-stream',
      displayName,
      name,
      parts: [],
      received: 0,
      chunks: 0,
      file: null,
    };
    sessions.set(session.id, session);
    return session;
  }

  async function uploadCommand(req: IncomingMessage, res: ServerResponse, session: UploadSession) {
    const command = (header(req, 'x-goog-upload-command') ?? '').split(',').map((c) => c.trim().toLowerCase());
    const status = () => (session.file ? 'final' : 'active');
    if (command.includes('query')) {
      res
        .writeHead(200, { 'x-goog-upload-status': status(), 'x-goog-upload-size-received': String(session.received), 'content-length': 0 })
        .end();
      return;
    }
    if (session.file)
      throw new HttpError(400, 'FAILED_PRECONDITION', 'The upload session is already finalized.', undefined, {
        'x-goog-upload-status': 'final',
      });
    if (!command.includes('upload') && !command.includes('finalize')) {
      throw new HttpError(
        400,
        'INVALID_ARGUMENT',
        `Unknown X-Goog-Upload-Command ${JSON.stringify(header(req, 'x-goog-upload-command') ?? '')}.`,
        undefined,
        { 'x-goog-upload-status': 'active' },
      );
    }
    const offset = Number(header(req, 'x-goog-upload-offset'));
    const bytes = await readBody(req, MAX_FILE_BYTES);
    if (command.includes('upload')) {
      if (offset !== session.received) {
        throw new HttpError(
          400,
          'INVALID_ARGUMENT',
          `Invalid X-Goog-Upload-Offset ${header(req, 'x-goog-upload-offset') ?? '(missing)'}: the server has ${session.received} bytes.`,
          undefined,
          { 'x-goog-upload-status': 'active' },
        );
      }
      if (!command.includes('finalize') && bytes.length % CHUNK_GRANULARITY !== 0) {
        throw new HttpError(
          400,
          'INVALID_ARGUMENT',
          `Intermediate chunks must be a multiple of ${CHUNK_GRANULARITY} bytes; got ${bytes.length}.`,
          undefined,
          { 'x-goog-upload-status': 'active' },
        );
      }
      session.parts.push(bytes);
      session.received += bytes.length;
      session.chunks += 1;
    }
    if (!command.includes('finalize')) {
      res.writeHead(200, { 'x-goog-upload-status': 'active', 'content-length': 0 }).end();
      return;
    }
    if (session.declaredLength !== null && session.declaredLength !== session.received) {
      sessions.delete(session.id);
      throw new HttpError(
        400,
        'INVALID_ARGUMENT',
        `Upload is ${session.received} bytes but X-Goog-Upload-Header-Content-Length declared ${session.declaredLength}.`,
        undefined,
        { 'x-goog-upload-status': 'final' },
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
    files.set(file.name, file);
    json(res, 200, { file: fileView(file) }, { 'x-goog-upload-status': 'final' });
  }

  function listFiles(query: URLSearchParams) {
    const { size, start } = paging(query, 10);
    const all = [...files.values()].filter((f) => Date.now() <= f.createdAt + FILE_TTL_MS).reverse();
    const page = all.slice(start, start + size);
    const next = start + size < all.length ? pageToken(start + size) : undefined;
    // proto3 JSON: an empty list is omitted, so no files answers {}.
    return { ...(page.length ? { files: page.map(fileView) } : {}), ...(next ? { nextPageToken: next } : {}) };
  }

  async function download(res: ServerResponse, file: SimFile, query: URLSearchParams, resetMidBody: boolean) {
    if (query.get('alt') !== 'media') throw new HttpError(400, 'INVALID_ARGUMENT', 'Downloads need ?alt=media.');
    if (file.source !== 'GENERATED') {
      throw new HttpError(
        400,
        'INVALID_ARGUMENT',
        `Cannot download file ${file.name}: only files generated by the API (source GENERATED) can be downloaded; uploaded files cannot.`,
      );
    }
    res.writeHead(200, { 'content-type': file.mimeType, 'content-length': file.bytes.length });
    if (!resetMidBody) {
      res.end(file.bytes);
      return;
    }
    // Cut the connection half way through, in the middle of a line.
    res.write(file.bytes.subarray(0, Math.max(1, Math.floor(file.bytes.length / 2))), () => setTimeout(() => res.socket?.destroy(), 10));
  }

  // -------------------------------------------------------------------------------------------------
  // batches

  const advance = (batch: SimBatch, now = Date.now()) => {
    if (batch.endedAt !== null) return;
    const finishesAt = batch.createdAt + 2 * stepMs;
    const cancelLandsAt = batch.cancelledAt === null ? Infinity : batch.cancelledAt + stepMs;
    if (cancelLandsAt < finishesAt && now >= cancelLandsAt) {
      batch.state = 'CANCELLED';
      batch.endedAt = cancelLandsAt;
      return;
    }
    if (now >= finishesAt) {
      batch.endedAt = finishesAt;
      finish(batch);
      return;
    }
    batch.state = now >= batch.createdAt + stepMs ? 'RUNNING' : 'PENDING';
  };

  function finish(batch: SimBatch) {
    const texts = batch.requests.flatMap((r) => (batch.kind === 'embed' ? (embedTexts(r.request) ?? []) : userTexts(r.request)));
    if (texts.some((t) => t.includes('[simulate-expire]'))) {
      batch.state = 'EXPIRED';
      return;
    }
    if (texts.some((t) => t.includes('[simulate-batch-failure]'))) {
      batch.state = 'FAILED';
      batch.error = { code: 13, message: 'Internal error encountered while running the batch.' };
      return;
    }
    const outcomes = batch.requests.map((r) => ({
      key: r.key,
      ...(batch.kind === 'embed' ? simulateEmbedOutcome(batch.model, r.request) : simulateOutcome(batch.id, r.key, r.request, batch.model)),
    }));
    batch.stats = { successful: outcomes.filter((o) => 'response' in o).length, failed: outcomes.filter((o) => 'error' in o).length };
    batch.state = 'SUCCEEDED';
    if (batch.inline) {
      batch.inlinedResponses = outcomes.map(({ key, ...rest }) => ({ ...rest, metadata: { key } }));
      return;
    }
    const file: SimFile = {
      name: `files/batch-${batch.id}`,
      mimeType: 'application/jsonl',
      bytes: Buffer.from(outcomes.map((o) => JSON.stringify(o) + '\n').join('')),
      createdAt: batch.endedAt ?? Date.now(),
      source: 'GENERATED',
      chunks: 0,
    };
    files.set(file.name, file);
    batch.responsesFile = file.name;
  }

  const operationView = (batch: SimBatch) => {
    advance(batch);
    const n = batch.requests.length;
    const stats: Record<string, string> = { requestCount: String(n) };
    if (batch.state === 'PENDING' || batch.state === 'RUNNING') stats.pendingRequestCount = String(n);
    if (batch.stats.successful) stats.successfulRequestCount = String(batch.stats.successful);
    if (batch.stats.failed) stats.failedRequestCount = String(batch.stats.failed);
    const output = batch.responsesFile
      ? { responsesFile: batch.responsesFile }
      : batch.inlinedResponses
        ? { [batch.kind === 'embed' ? 'inlinedEmbedContentResponses' : 'inlinedResponses']: { inlinedResponses: batch.inlinedResponses } }
        : undefined;
    const done = batch.endedAt !== null;
    return {
      name: `batches/${batch.id}`,
      metadata: {
        '@type': batch.kind === 'embed' ? EMBED_BATCH_TYPE : BATCH_TYPE,
        name: `batches/${batch.id}`,
        model: `models/${batch.model}`,
        displayName: batch.displayName,
        ...(batch.inputFile ? { inputConfig: { fileName: batch.inputFile } } : {}),
        ...(output ? { output } : {}),
        createTime: iso(batch.createdAt),
        updateTime: iso(batch.endedAt ?? (batch.state === 'RUNNING' ? batch.createdAt + stepMs : batch.createdAt)),
        ...(done ? { endTime: iso(batch.endedAt!) } : {}),
        batchStats: stats,
        state: `BATCH_STATE_${batch.state}`,
      },
      done,
      ...(done && output ? { response: { '@type': batch.kind === 'embed' ? EMBED_OUTPUT_TYPE : OUTPUT_TYPE, ...output } } : {}),
      ...(batch.error ? { error: batch.error } : {}),
    };
  };

  const knownBatch = (id: string): SimBatch => {
    const batch = batches.get(id);
    if (!batch) throw new HttpError(404, 'NOT_FOUND', `Batch batches/${id} not found.`);
    return batch;
  };

  async function createBatch(req: IncomingMessage, model: string, method: 'batchGenerateContent' | 'asyncBatchEmbedContent') {
    // Embedding models take only asyncBatchEmbedContent, generative models only batchGenerateContent.
    const embed = method === 'asyncBatchEmbedContent';
    if (!(MODEL_PATTERN.test(model) || isEmbeddingModel(model)) || isEmbeddingModel(model) !== embed) {
      throw new HttpError(
        404,
        'NOT_FOUND',
        `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
      );
    }
    const body = parseJson(await readBody(req, 20 * 1024 * 1024)) as { batch?: Record<string, unknown> };
    const spec = body?.batch;
    if (typeof spec !== 'object' || spec === null)
      throw new HttpError(400, 'INVALID_ARGUMENT', '* BatchGenerateContentRequest.batch: batch is required\n');
    const displayName = spec.displayName ?? spec.display_name;
    if (typeof displayName !== 'string' || displayName === '')
      throw new HttpError(400, 'INVALID_ARGUMENT', '* BatchGenerateContentRequest.batch.display_name: display_name is required\n');
    const input = (spec.inputConfig ?? spec.input_config) as Record<string, unknown> | undefined;
    const fileName = input?.fileName ?? input?.file_name;
    const inline = (input?.requests as { requests?: unknown } | undefined)?.requests;
    let requests: SimRequest[];
    refuseWhenQuotaReached();
    if (typeof fileName === 'string') requests = requestsFromFile(usableFile(knownFile(fileName)));
    else if (Array.isArray(inline)) {
      requests = inline.map((item: { request?: unknown; metadata?: { key?: unknown } }, i) => ({
        key: typeof item?.metadata?.key === 'string' ? item.metadata.key : String(i),
        request: item?.request,
      }));
    } else
      throw new HttpError(
        400,
        'INVALID_ARGUMENT',
        '* BatchGenerateContentRequest.batch.input_config: one of file_name or requests is required\n',
      );
    if (requests.length === 0) throw new HttpError(400, 'INVALID_ARGUMENT', 'The batch input has no requests.');
    const batch: SimBatch = {
      id: token(20).toLowerCase(),
      model,
      displayName,
      createdAt: Date.now(),
      inputFile: typeof fileName === 'string' ? fileName : null,
      requests,
      inline: typeof fileName !== 'string',
      cancelledAt: null,
      endedAt: null,
      state: 'PENDING',
      responsesFile: null,
      inlinedResponses: null,
      ...(embed ? { kind: 'embed' as const } : {}),
      stats: { successful: 0, failed: 0 },
      error: null,
    };
    batches.set(batch.id, batch);
    return operationView(batch);
  }

  function requestsFromFile(file: SimFile): SimRequest[] {
    const requests: SimRequest[] = [];
    file.bytes
      .toString('utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        let value: { key?: unknown; request?: unknown };
        try {
          value = JSON.parse(line);
        } catch {
          throw new HttpError(400, 'INVALID_ARGUMENT', `Invalid JSON in ${file.name} at line ${i + 1}.`);
        }
        if (typeof value?.key !== 'string')
          throw new HttpError(400, 'INVALID_ARGUMENT', `${file.name} line ${i + 1}: "key" must be a string.`);
        if (typeof value.request !== 'object' || value.request === null)
          throw new HttpError(400, 'INVALID_ARGUMENT', `${file.name} line ${i + 1}: "request" must be a GenerateContentRequest object.`);
        requests.push({ key: value.key, request: value.request });
      });
    return requests;
  }

  function listBatches(query: URLSearchParams) {
    const { size, start } = paging(query, 50);
    const all = [...batches.values()].reverse();
    const page = all.slice(start, start + size);
    const next = start + size < all.length ? pageToken(start + size) : undefined;
    return { ...(page.length ? { operations: page.map(operationView) } : {}), ...(next ? { nextPageToken: next } : {}) };
  }

  function cancel(batch: SimBatch) {
    advance(batch);
    if (batch.endedAt !== null)
      throw new HttpError(
        400,
        'FAILED_PRECONDITION',
        `Batch batches/${batch.id} is already in a terminal state (BATCH_STATE_${batch.state}) and cannot be cancelled.`,
      );
    batch.cancelledAt ??= Date.now();
    return {};
  }

  // -------------------------------------------------------------------------------------------------
  // routing

  async function route(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) {
    const method = req.method ?? 'GET';

    if (path === '/upload/v1beta/files' && method === 'POST') {
      const uploadId = query.get('upload_id');
      if (uploadId !== null) {
        // The session URL is the credential (the documented curl sends no key to it).
        const session = sessions.get(uploadId);
        if (!session) throw new HttpError(404, 'NOT_FOUND', 'Upload session not found or expired.');
        return uploadCommand(req, res, session);
      }
      authorize(req, query);
      const session = await startUpload(req);
      res.writeHead(200, {
        'x-goog-upload-url': `${origin}/upload/v1beta/files?upload_id=${session.id}&upload_protocol=resumable`,
        'x-goog-upload-status': 'active',
        'x-goog-upload-chunk-granularity': String(CHUNK_GRANULARITY),
        'x-goog-upload-control-url': `${origin}/upload/v1beta/files?upload_id=${session.id}&upload_protocol=resumable`,
        'content-length': 0,
      });
      return res.end();
    }

    authorize(req, query);

    const downloadMatch = /^(\/download)?\/v1beta\/(files\/[^/:]+):download$/.exec(path);
    if (downloadMatch && method === 'GET') {
      if (downloadMatch[1] && !documentedDownloadPath) throw new HttpError(404, 'NOT_FOUND', `No route for ${method} ${path}.`);
      const file = knownFile(downloadMatch[2]);
      const fault = faults.take(method, path);
      return download(res, file, query, fault?.kind === 'reset');
    }

    if (path === '/v1beta/files' && method === 'GET') return json(res, 200, listFiles(query));
    const fileMatch = /^\/v1beta\/(files\/[^/:]+)$/.exec(path);
    if (fileMatch) {
      const file = knownFile(fileMatch[1]);
      if (method === 'GET') return json(res, 200, fileView(file));
      if (method === 'DELETE') {
        files.delete(file.name);
        return json(res, 200, {});
      }
      throw new HttpError(405, 'INVALID_ARGUMENT', `Method ${method} is not allowed on ${path}.`);
    }

    const createMatch = /^\/v1beta\/models\/([^/:]+):(batchGenerateContent|asyncBatchEmbedContent)$/.exec(path);
    if (createMatch && method === 'POST')
      return json(res, 200, await createBatch(req, createMatch[1], createMatch[2] as 'batchGenerateContent' | 'asyncBatchEmbedContent'));

    if (path === '/v1beta/batches' && method === 'GET') return json(res, 200, listBatches(query));
    const batchMatch = /^\/v1beta\/batches\/([^/:]+)(:cancel|:delete)?$/.exec(path);
    if (batchMatch) {
      const [, id, action] = batchMatch;
      const batch = knownBatch(id);
      const fault = faults.take(method, path);
      if (fault?.kind === 'lose_batch') throw new HttpError(404, 'NOT_FOUND', `Batch batches/${id} not found.`);
      if (fault?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (action === undefined && method === 'GET') return json(res, 200, operationView(batch));
      if (action === ':cancel' && method === 'POST') return json(res, 200, cancel(batch));
      if ((action === undefined && method === 'DELETE') || (action === ':delete' && method === 'POST')) {
        batches.delete(id);
        return json(res, 200, {});
      }
      throw new HttpError(405, 'INVALID_ARGUMENT', `Method ${method} is not allowed on ${path}.`);
    }
    throw new HttpError(404, 'NOT_FOUND', `No route for ${method} ${path}.`);
  }

  function authorize(req: IncomingMessage, query: URLSearchParams) {
    const key = header(req, 'x-goog-api-key') ?? query.get('key') ?? undefined;
    if (key === undefined || key === '') {
      throw new HttpError(
        403,
        'PERMISSION_DENIED',
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    if (key !== apiKey) {
      throw new HttpError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
      ]);
    }
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      const path = decodeURIComponent(url.pathname);
      if (
        await faults.intercept(req, res, path, (status, message) =>
          errorBody(status, status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL', message),
        )
      )
        return;
      await route(req, res, path, url.searchParams);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const e = err instanceof HttpError ? err : new HttpError(500, 'INTERNAL', 'An internal error has occurred.');
      json(res, e.code, errorBody(e.code, e.status, e.message, e.details), e.headers);
    } finally {
      state?.saveIfChanged(req.method ?? 'GET');
    }
  });
  origin = await listenOnLoopback(server, options.port);

  return {
    url: origin,
    apiKey,
    faults,
    storedFile(name: string) {
      const file = files.get(name);
      return file ? { bytes: file.bytes, source: file.source, chunks: file.chunks } : undefined;
    },
    close: () => closeServer(server),
  };
}

/**
 * With a stateDir, files and batches survive a restart (local/simulators/persistence.ts): file bytes
 * once each, the rest after every request that changed it (any non-GET, or a batch that moved on).
 * Upload sessions under way are not kept: the client starts the upload again.
 */
function restoreState(stateDir: string | undefined, files: Map<string, SimFile>, batches: Map<string, SimBatch>) {
  if (!stateDir) return null;
  type Stored = { files: Array<Omit<SimFile, 'bytes'>>; batches: SimBatch[] };
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

/** Google's error shape. */
function errorBody(code: number, status: string, message: string, details?: unknown[]) {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(raw: Buffer, allowEmpty = false): unknown {
  if (raw.length === 0 && allowEmpty) return null;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
  }
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, 'INVALID_ARGUMENT', `Request payload size exceeds the limit: ${maxBytes} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** pageSize (default, max 100) and the offset a pageToken stands for. */
function paging(query: URLSearchParams, defaultSize: number): { size: number; start: number } {
  const sizeText = query.get('pageSize') ?? query.get('page_size');
  const requested = sizeText === null ? defaultSize : Number(sizeText);
  if (!Number.isInteger(requested) || requested < 0)
    throw new HttpError(400, 'INVALID_ARGUMENT', 'page_size must be a non-negative integer.');
  const size = Math.min(requested === 0 ? defaultSize : requested, 100);
  const tokenText = query.get('pageToken') ?? query.get('page_token');
  if (!tokenText) return { size, start: 0 };
  const start = Number(
    Buffer.from(tokenText, 'base64url')
      .toString('utf8')
      .replace(/^offset:/, ''),
  );
  if (!Number.isInteger(start) || start < 0) throw new HttpError(400, 'INVALID_ARGUMENT', 'Invalid page_token.');
  return { size, start };
}

const pageToken = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');

const iso = (ms: number) => new Date(ms).toISOString();

function token(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}
