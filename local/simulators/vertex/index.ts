// A local stand-in for Vertex AI batch prediction of Gemini models and the Cloud Storage JSON API it
// reads and writes, with Google's OAuth 2.0 token endpoint (docs/providers.md "Vertex AI"):
// - a service account of its own: `apiKey` is its JSON key, whose token_uri points at POST /token
//   here (oauth.ts); every other call needs `Authorization: Bearer <token>` (401 UNAUTHENTICATED without
//   one or with a wrong or expired one); only the account's own project may be used (403 PERMISSION_DENIED);
// - Cloud Storage (storage.ts) with the buckets given (default `finops-vertex-local`);
// - POST /v1/projects/{p}/locations/{l}/batchPredictionJobs: model `publishers/google/models/<gemini…>`
//   (another: 404 "The PublisherModel … does not exist."), instancesFormat and predictionsFormat
//   "jsonl", gcsSource.uris and gcsDestination.outputUriPrefix gs:// URIs; the job answers
//   JOB_STATE_PENDING; get, list (filter `display_name="…"`, pageSize, pageToken), :cancel, delete;
// - a job is PENDING one step, RUNNING one step (it imports its input then: a missing object or bucket,
//   a line that is not `{"request": {...}}`, or more requests than the limit fail the job with code 3
//   "Failed to import data…"), then SUCCEEDED, with `<outputUriPrefix>/prediction-model-<create time>/
//   predictions.jsonl`: one row per request in REVERSE input order (Vertex keeps no order), each
//   `{status, processed_time, request, response}` plus the line's sibling keys echoed, numeric-looking
//   strings turned into numbers as Vertex's import does; a failed row has no response and
//   `status: "Bad Request: {\"error\": {...}}"`. Outcomes per request are the Gemini simulator's
//   (../gemini/outcomes.ts). completionStats are int64 strings.
// - triggers in user text: "[simulate-expire]" → JOB_STATE_EXPIRED, "[simulate-batch-failure]" →
//   JOB_STATE_FAILED (code 13), "[simulate-row-lost]" → that row is missing and the job ends
//   JOB_STATE_PARTIALLY_SUCCEEDED; none of the first two has output.
// - :cancel → JOB_STATE_CANCELLING, JOB_STATE_CANCELLED one step later unless the job finished first;
//   cancelling a finished job is 400 FAILED_PRECONDITION.
// - limits: FINOPS_SIM_VERTEX_MAX_REQUESTS (default 200,000 requests per job).
// - faults (FaultInjector): rate_limit / server_error / timeout anywhere; `lose_batch` (404) on job
//   routes; `reset` on object downloads cuts the body half way.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { SimulatorStateFile } from '../persistence';
import { FaultInjector, type RunningSimulator, type SimulatorOptions } from '../simulator';
import { simulateOutcome, userTexts } from '../gemini/outcomes';
import { closeServer, listenOnLoopback } from '../../loopback';
import { isOAuthError, newServiceAccount, serviceAccountKeyJson, TokenIssuer, type SimServiceAccount } from './oauth';
import { SimStorage, type SimObject } from './storage';
import { HttpError, errorBody, header, iso, json, pageStart, pageToken, parseJson, readBody } from './wire';

export interface VertexSimulatorOptions extends SimulatorOptions {
  /** Project of the simulator's service account (default `finops-local`). */
  projectId?: string;
  /** Buckets that exist (default [`finops-vertex-local`]). */
  buckets?: string[];
}

export interface VertexSimulator extends RunningSimulator {
  /** The service account JSON key (= apiKey). */
  serviceAccountKey: string;
  /** Test hook, not part of the API: the name of every job. */
  jobNames(): string[];
  projectId: string;
  bucket: string;
  storage: SimStorage;
}

const MODEL_PATH = /^publishers\/google\/models\/((gemini|gemma)-[A-Za-z0-9._-]+)$/;
const DEFAULT_MAX_REQUESTS = 200_000;

type JobState = 'PENDING' | 'RUNNING' | 'CANCELLING' | 'SUCCEEDED' | 'PARTIALLY_SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';

interface SimJob {
  id: string;
  project: string;
  location: string;
  displayName: string;
  model: string;
  inputUri: string;
  outputPrefix: string;
  createdAt: number;
  cancelledAt: number | null;
  endedAt: number | null;
  state: JobState;
  outputDirectory: string | null;
  stats: { successful: number; failed: number; incomplete: number } | null;
  error: { code: number; message: string } | null;
}

export async function startVertexSimulator(options: VertexSimulatorOptions = {}): Promise<VertexSimulator> {
  const stepMs = options.stepMs ?? 1000;
  const projectId = options.projectId ?? 'finops-local';
  const buckets = options.buckets ?? ['finops-vertex-local'];
  const faults = new FaultInjector();
  let origin = '';
  const storage = new SimStorage(new Set(buckets), () => origin);
  const jobs = new Map<string, SimJob>();
  const persisted = restoreState(options.stateDir, storage, jobs);
  const account: SimServiceAccount = persisted?.account ?? newServiceAccount(projectId);
  const issuer = new TokenIssuer(account);
  for (const [token, expiry] of persisted?.tokens ?? []) issuer.tokens.set(token, expiry);
  let nextId = Math.max(1_000_000_000, ...[...jobs.keys()].map((id) => Number(id) + 1));

  const jobName = (job: SimJob) => `projects/${job.project}/locations/${job.location}/batchPredictionJobs/${job.id}`;

  const advance = (job: SimJob, now = Date.now()) => {
    if (job.endedAt !== null) return;
    const finishesAt = job.createdAt + 2 * stepMs;
    const cancelLandsAt = job.cancelledAt === null ? Infinity : job.cancelledAt + stepMs;
    if (cancelLandsAt < finishesAt && now >= cancelLandsAt) {
      job.state = 'CANCELLED';
      job.endedAt = cancelLandsAt;
      job.error = { code: 1, message: 'CANCELED' };
      return;
    }
    if (now >= finishesAt) {
      job.endedAt = finishesAt;
      run(job);
      return;
    }
    job.state = job.cancelledAt !== null ? 'CANCELLING' : now >= job.createdAt + stepMs ? 'RUNNING' : 'PENDING';
  };

  /** Imports the input, runs every request, writes the predictions file. */
  function run(job: SimJob) {
    const fail = (code: number, message: string) => {
      job.state = 'FAILED';
      job.error = { code, message };
    };
    const input = gsObject(job.inputUri);
    if (!input)
      return fail(
        3,
        `Failed to import data. Please check 'Prepare input' section of the batch predictions documentation. No such object: ${job.inputUri}`,
      );
    const lines = importLines(input);
    if (typeof lines === 'string')
      return fail(3, `Failed to import data. Please check 'Prepare input' section of the batch predictions documentation. ${lines}`);
    const texts = lines.flatMap((l) => userTexts(l.request));
    if (texts.some((t) => t.includes('[simulate-expire]'))) return void (job.state = 'EXPIRED');
    if (texts.some((t) => t.includes('[simulate-batch-failure]')))
      return fail(13, 'System error. Please try this operation again. If the error persists, contact Vertex AI support.');
    const out = parseGs(job.outputPrefix);
    if (!out || !storage.buckets.has(out.bucket))
      return fail(
        9,
        `Failed to get GCS bucket location for ${out?.bucket ?? job.outputPrefix}. Please check that the bucket exists and permissions are set correctly.`,
      );
    const rows: string[] = [];
    let lost = 0;
    job.stats = { successful: 0, failed: 0, incomplete: 0 };
    lines.forEach((line, i) => {
      if (userTexts(line.request).some((t) => t.includes('[simulate-row-lost]'))) return void (lost += 1);
      const outcome = simulateOutcome(job.id, String(i), line.request, job.model);
      const row = { ...line.siblings, processed_time: iso(job.endedAt ?? Date.now()), request: line.request };
      if ('response' in outcome) {
        job.stats!.successful += 1;
        rows.push(JSON.stringify({ status: '', ...row, response: outcome.response }));
      } else {
        job.stats!.failed += 1;
        rows.push(JSON.stringify({ status: `${reasonPhrase(outcome.error.code)}: ${JSON.stringify({ error: outcome.error })}`, ...row }));
      }
    });
    job.stats.incomplete = lost;
    job.outputDirectory = `gs://${out.bucket}/${out.object.replace(/\/+$/, '')}/prediction-model-${iso(job.createdAt)}`;
    storage.put(
      out.bucket,
      `${job.outputDirectory.slice(`gs://${out.bucket}/`.length)}/predictions.jsonl`,
      Buffer.from(
        rows
          .reverse()
          .map((r) => r + '\n')
          .join(''),
      ),
      'application/jsonl',
    );
    job.state = lost > 0 ? 'PARTIALLY_SUCCEEDED' : 'SUCCEEDED';
  }

  /** Vertex's import of a JSONL input: every line an object with a `request` object; numeric-looking strings become numbers. */
  function importLines(input: SimObject): Array<{ request: Record<string, unknown>; siblings: Record<string, unknown> }> | string {
    const max = Number(process.env.FINOPS_SIM_VERTEX_MAX_REQUESTS) || DEFAULT_MAX_REQUESTS;
    const text = input.bytes
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    if (text.length > max) return `The input has ${text.length} requests; a batch prediction job takes at most ${max}.`;
    const lines = [];
    for (const [i, raw] of text.entries()) {
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return `Line ${i + 1} is not valid JSON.`;
      }
      if (typeof value?.request !== 'object' || value.request === null || Array.isArray(value.request))
        return `Line ${i + 1} has no "request" object.`;
      const { request, ...rest } = value;
      const siblings = Object.fromEntries(
        Object.entries(rest).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v]),
      );
      lines.push({ request: request as Record<string, unknown>, siblings });
    }
    return lines;
  }

  const gsObject = (uri: string) => {
    const at = parseGs(uri);
    return at ? storage.get(at.bucket, at.object) : undefined;
  };

  const jobView = (job: SimJob) => {
    advance(job);
    const stats = job.stats;
    const ended = job.endedAt !== null;
    return {
      name: jobName(job),
      displayName: job.displayName,
      model: `publishers/google/models/${job.model}`,
      inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: [job.inputUri] } },
      outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: job.outputPrefix } },
      state: `JOB_STATE_${job.state}`,
      ...(job.error ? { error: job.error } : {}),
      ...(job.outputDirectory ? { outputInfo: { gcsOutputDirectory: job.outputDirectory } } : {}),
      ...(stats
        ? {
            completionStats: {
              successfulCount: String(stats.successful),
              failedCount: String(stats.failed),
              incompleteCount: String(stats.incomplete),
            },
          }
        : {}),
      createTime: iso(job.createdAt),
      ...(job.state !== 'PENDING' && !(ended && job.state === 'CANCELLED' && job.endedAt! < job.createdAt + stepMs)
        ? { startTime: iso(job.createdAt + stepMs) }
        : {}),
      ...(ended ? { endTime: iso(job.endedAt!) } : {}),
      updateTime: iso(job.endedAt ?? Date.now()),
    };
  };

  async function createJob(req: IncomingMessage, project: string, location: string) {
    const body = parseJson(await readBody(req, 1024 * 1024)) as Record<string, any>;
    const match = MODEL_PATH.exec(String(body?.model ?? ''));
    if (!match)
      throw new HttpError(
        404,
        'NOT_FOUND',
        `The PublisherModel ${String(body?.model ?? '').replace(/^publishers\/google\/models\//, '')} does not exist.`,
      );
    if (typeof body.displayName !== 'string' || body.displayName === '')
      throw new HttpError(400, 'INVALID_ARGUMENT', 'BatchPredictionJob.display_name is required.');
    if (body.inputConfig?.instancesFormat !== 'jsonl')
      throw new HttpError(
        400,
        'INVALID_ARGUMENT',
        'inputConfig.instancesFormat must be "jsonl" for a Cloud Storage input of a Gemini model.',
      );
    if (body.outputConfig?.predictionsFormat !== 'jsonl')
      throw new HttpError(400, 'INVALID_ARGUMENT', 'outputConfig.predictionsFormat must be "jsonl" for a Cloud Storage destination.');
    const uris = body.inputConfig?.gcsSource?.uris;
    const prefix = body.outputConfig?.gcsDestination?.outputUriPrefix;
    if (!Array.isArray(uris) || uris.length !== 1 || !parseGs(String(uris[0])))
      throw new HttpError(400, 'INVALID_ARGUMENT', 'inputConfig.gcsSource.uris must hold one gs:// URI of a JSONL file.');
    if (typeof prefix !== 'string' || !/^gs:\/\/[^/]+/.test(prefix))
      throw new HttpError(400, 'INVALID_ARGUMENT', 'outputConfig.gcsDestination.outputUriPrefix must be a gs:// URI.');
    const job: SimJob = {
      id: String(nextId++),
      project,
      location,
      displayName: body.displayName,
      model: match[1],
      inputUri: String(uris[0]),
      outputPrefix: prefix,
      createdAt: Date.now(),
      cancelledAt: null,
      endedAt: null,
      state: 'PENDING',
      outputDirectory: null,
      stats: null,
      error: null,
    };
    jobs.set(job.id, job);
    return jobView(job);
  }

  function listJobs(query: URLSearchParams, project: string, location: string) {
    const filter = query.get('filter');
    const wanted = filter ? /^display_name="([^"]*)"$/.exec(filter)?.[1] : undefined;
    if (filter && wanted === undefined) throw new HttpError(400, 'INVALID_ARGUMENT', `Unsupported filter ${JSON.stringify(filter)}.`);
    const all = [...jobs.values()]
      .filter((j) => j.project === project && j.location === location && (wanted === undefined || j.displayName === wanted))
      .reverse();
    const size = Math.min(Number(query.get('pageSize') ?? 100) || 100, 1000);
    const start = pageStart(query.get('pageToken'));
    const page = all.slice(start, start + size);
    return {
      ...(page.length ? { batchPredictionJobs: page.map(jobView) } : {}),
      ...(start + size < all.length ? { nextPageToken: pageToken(start + size) } : {}),
    };
  }

  async function route(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) {
    const method = req.method ?? 'GET';
    if (path === '/token' && method === 'POST')
      return json(res, 200, issuer.grant(new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8'))));
    issuer.authorize(header(req, 'authorization'));
    if (await storage.route(req, res, path, query, () => faults.take(method, path)?.kind === 'reset')) return;

    const m = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/batchPredictionJobs(?:\/(\d+))?(:cancel)?$/.exec(path);
    if (!m) throw new HttpError(404, 'NOT_FOUND', `No route for ${method} ${path}.`);
    const [, project, location, id, action] = m;
    if (project !== account.projectId)
      throw new HttpError(
        403,
        'PERMISSION_DENIED',
        `Permission 'aiplatform.batchPredictionJobs.${method === 'POST' && !id ? 'create' : 'get'}' denied on resource '//aiplatform.googleapis.com/projects/${project}/locations/${location}' (or it may not exist).`,
      );
    if (!id && method === 'POST') return json(res, 200, await createJob(req, project, location));
    if (!id && method === 'GET') return json(res, 200, listJobs(query, project, location));
    const job = jobs.get(id ?? '');
    const fault = job ? faults.take(method, path) : undefined;
    if (!job || job.project !== project || job.location !== location || fault?.kind === 'lose_batch')
      throw new HttpError(
        404,
        'NOT_FOUND',
        `The BatchPredictionJob does not exist: projects/${project}/locations/${location}/batchPredictionJobs/${id}`,
      );
    if (action === ':cancel' && method === 'POST') {
      advance(job);
      if (job.endedAt !== null)
        throw new HttpError(
          400,
          'FAILED_PRECONDITION',
          `BatchPredictionJob ${jobName(job)} is in state JOB_STATE_${job.state} and cannot be cancelled.`,
        );
      job.cancelledAt ??= Date.now();
      return json(res, 200, {});
    }
    if (!action && method === 'GET') return json(res, 200, jobView(job));
    if (!action && method === 'DELETE') {
      jobs.delete(job.id);
      return json(res, 200, { name: `${jobName(job)}/operations/delete`, done: true });
    }
    throw new HttpError(405, 'INVALID_ARGUMENT', `Method ${method} is not allowed on ${path}.`);
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    const isStorage = path.startsWith('/storage/') || path.startsWith('/upload/storage/');
    try {
      if (
        await faults.intercept(req, res, path, (status, message) =>
          errorBody(status, status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL', message, isStorage),
        )
      )
        return;
      await route(req, res, path, url.searchParams);
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      if (isOAuthError(err)) return json(res, err.code, { error: err.status, error_description: err.message });
      const e = err instanceof HttpError ? err : new HttpError(500, 'INTERNAL', 'Internal error encountered.');
      json(res, e.code, errorBody(e.code, e.status, e.message, isStorage), e.headers);
    } finally {
      persisted?.save(account, issuer.tokens, req.method ?? 'GET');
    }
  });
  origin = await listenOnLoopback(server, options.port);
  const serviceAccountKey = serviceAccountKeyJson(account, `${origin}/token`);

  return {
    url: origin,
    apiKey: serviceAccountKey,
    serviceAccountKey,
    projectId: account.projectId,
    bucket: buckets[0],
    storage,
    faults,
    jobNames: () => [...jobs.values()].map(jobName),
    close: () => closeServer(server),
  };
}

function reasonPhrase(code: number): string {
  return (
    (
      {
        400: 'Bad Request',
        403: 'Forbidden',
        404: 'Not Found',
        429: 'Too Many Requests',
        500: 'Internal Server Error',
        503: 'Service Unavailable',
      } as Record<number, string>
    )[code] ?? 'Error'
  );
}

function parseGs(uri: string): { bucket: string; object: string } | null {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return m ? { bucket: m[1], object: m[2] } : null;
}

/** With a stateDir, objects, jobs, the service account and its tokens survive a restart. */
function restoreState(stateDir: string | undefined, storage: SimStorage, jobs: Map<string, SimJob>) {
  if (!stateDir) return null;
  type Stored = { account: SimServiceAccount; tokens: Array<[string, number]>; objects: Array<Omit<SimObject, 'bytes'>>; jobs: SimJob[] };
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
