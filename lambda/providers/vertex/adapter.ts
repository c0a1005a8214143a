// Gemini on Vertex AI behind the OpenAI Files and Batch APIs (docs/providers.md "Vertex AI").
//
// files.create: the gateway keeps the validated OpenAI JSONL; this adapter converts it line by line
//   (the Gemini converter: Vertex takes the same GenerateContentRequest) into Vertex batch lines and
//   uploads them to the customer's bucket with Cloud Storage's resumable protocol, one chunk in memory.
// batches.create (the tracker's submit): projects/{p}/locations/{l}/batchPredictionJobs with that
//   gs:// input, instancesFormat/predictionsFormat "jsonl", model publishers/google/models/{model},
//   output under gs://{bucket}/{prefix}/outputs/{tenant}/{batch id}; the job name is providerBatchId.
// results: every predictions*.jsonl under the job's outputInfo.gcsOutputDirectory is streamed, each
//   row joined on its echoed custom_id and converted by the Gemini result converter; the result sink
//   answers every input custom_id without a row (with the reason the job's end gives), so each request appears once.
import { GatewayError, badRequest } from '#lambda/http/errors';
import { readLines } from '#lambda/batch-files/lines';
import { inputRequests } from '#lambda/batch-files/validate';
import { isTerminal } from '#contracts/openai-types';
import type { BatchRecord, BlobLocation, FileRecord } from '#contracts/records';
import { ProviderLostBatchError } from '#lambda/providers/errors';
import { byteLengthOf, requireChunkBytes, retryChunk, sendInChunks } from '#lambda/providers/chunked-upload';
import type {
  CreateBatchInput,
  CreatedBatch,
  GcpServiceAccountCredentials,
  ProviderAdapter,
  ProviderBatchState,
  ProviderContext,
  ResultSink,
  UnansweredReason,
} from '#lambda/providers/provider';

type Ctx = ProviderContext<'gcp-service-account'>;
import { requestPathTimeoutMs } from '#lambda/providers/deadlines';
import { toGenerateContentRequest } from '#lambda/providers/gemini/request';
import { convertAtLine } from '#lambda/providers/convert/conversion-error';
import { resolveModel } from '#lambda/providers/gemini/adapter';
import { toOutputLine, type ResultContext } from '#lambda/providers/gemini/response';
import { rfc3339ToUnixSeconds } from '#lambda/providers/gemini/status';
import { parseServiceAccountKey } from './auth';
import { DEFAULT_GCS_CHUNK_BYTES, GCS_CHUNK_GRANULARITY, GcsClient, parseGsUri, toGsUri, type GsUri } from './gcs';
import { GoogleHttp } from './http';
import { VertexJobs, PUBLISHER_MODEL_PREFIX } from './jobs';
import { parsePredictionLine, toGeminiResult, toVertexInputLine } from './lines';
import { apiUrlFor, notConfigured, requireBucket, vertexSettings, type VertexSettings } from './settings';
import { TERMINAL_JOB_STATES, toProviderBatchState } from './status';
import type { VertexBatchPredictionJob } from './types';

export const DEFAULT_TIMEOUT_MS = 30_000;
const CHUNK_ATTEMPTS = 3;
const INPUT_CONTENT_TYPE = 'application/jsonl';
/** Output objects Vertex writes for Gemini rows: predictions.jsonl (and numbered shards of it). */
const PREDICTIONS_OBJECT = /(^|\/)predictions[^/]*\.jsonl$/;

export interface VertexAdapterOptions {
  /** Bytes per upload chunk; a multiple of 256 KiB (default 8 MiB). Tests use small chunks. */
  uploadChunkBytes?: number;
  timeoutMs?: number;
  /** Read per call (tests change the environment between gateways). */
  settings?: () => VertexSettings;
}

interface VertexBatchData {
  /** The gateway's copy of the input: which custom_ids exist. */
  inputBlob: BlobLocation;
  inputUri: string;
  outputPrefix: string;
  vertexModel: string;
}

interface Clients {
  settings: VertexSettings;
  project: string;
  gcs: GcsClient;
  jobs: VertexJobs;
}

/** What the adapter's functions share: its options, resolved. */
interface VertexAdapterConfig {
  chunkBytes: number;
  timeoutMs: number;
  settingsOf: () => VertexSettings;
}

export function createVertexAdapter(options: VertexAdapterOptions = {}): ProviderAdapter<'gcp-service-account'> {
  const config: VertexAdapterConfig = {
    chunkBytes: requireChunkBytes(options.uploadChunkBytes ?? DEFAULT_GCS_CHUNK_BYTES, GCS_CHUNK_GRANULARITY),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    settingsOf: options.settings ?? (() => vertexSettings()),
  };
  return {
    name: 'vertex',
    // The request Vertex runs is Gemini's GenerateContentRequest: the same converter decides what can run.
    runCheck: () => ({ group: 'vertex', convert: (body) => toGenerateContentRequest(body) }),
    priceModelId: (model) => model.replace(PUBLISHER_MODEL_PREFIX, ''),
    onFileStored: (ctx, file) => onFileStored(config, ctx, file),
    onFileDeleted: (ctx, file) => onFileDeleted(config, ctx, file),
    acceptBatch: async (_ctx, input) => ({ model: checkRequest(input, config.settingsOf()).model }),
    createBatch: (ctx, input) => createBatch(config, ctx, input),
    checkBatch: (ctx, batch) => checkBatch(config, ctx, batch),
    cancelBatch: (ctx, batch) => cancelBatch(config, ctx, batch),
    collectResults: (ctx, batch, sink) => collectResults(config, ctx, batch, sink),
  };
}

/** `requestPath`: a client is waiting (file copy, delete, cancel): bounded by requestPathTimeoutMs. */
async function clientsFor(config: VertexAdapterConfig, ctx: Ctx, requestPath = false): Promise<Clients> {
  const settings = config.settingsOf();
  const credentials: GcpServiceAccountCredentials = await ctx.credentials();
  const key = parseServiceAccountKey(credentials.serviceAccount);
  const project = settings.project ?? key.project_id;
  if (!project)
    throw notConfigured(
      'the stack property vertexProject (FINOPS_VERTEX_PROJECT) is not set and the service account key names no project_id',
    );
  const { timeoutMs } = config;
  const http = new GoogleHttp(key, requestPath ? Math.min(timeoutMs, requestPathTimeoutMs()) : timeoutMs, 'Vertex AI');
  const apiUrl = apiUrlFor(credentials.baseUrl, settings.location);
  return {
    settings,
    project,
    gcs: new GcsClient(http, settings.storageUrl),
    jobs: new VertexJobs(http, apiUrl, project, settings.location),
  };
}

async function onFileStored(config: VertexAdapterConfig, ctx: Ctx, file: FileRecord): Promise<Partial<FileRecord>> {
  if (file.purpose !== 'batch') return {};
  const clients = await clientsFor(config, ctx, true);
  const target = inputTarget(clients.settings, file);
  const bytes = await uploadConverted(config, ctx, clients, file, target);
  return { providerFileId: toGsUri(target), providerData: { ...file.providerData, vertexInput: { uri: toGsUri(target), bytes } } };
}

async function onFileDeleted(config: VertexAdapterConfig, ctx: Ctx, file: FileRecord): Promise<void> {
  const uri = file.providerFileId ? parseGsUri(file.providerFileId) : null;
  if (!uri) return;
  await (await clientsFor(config, ctx, true)).gcs.delete(uri.bucket, uri.object);
}

/** Two streaming passes: convert everything (a bad line fails before any upload) and measure; then upload. */
async function uploadConverted(config: VertexAdapterConfig, ctx: Ctx, { gcs }: Clients, file: FileRecord, target: GsUri): Promise<number> {
  const total = await byteLengthOf(convertedLines(ctx, file));
  const session = await gcs.startUpload(target.bucket, target.object, total, INPUT_CONTENT_TYPE);
  // The last chunk carries the total, which tells Cloud Storage the upload is complete.
  await sendInChunks(convertedLines(ctx, file), config.chunkBytes, (chunk, offset) => sendChunk(gcs, session, offset, chunk, total));
  ctx.logger.info('Uploaded batch input to Cloud Storage for Vertex AI', { fileId: file.id, object: toGsUri(target), bytes: total });
  return total;
}

/** One chunk, retried on transient failures; asks the session what it holds before resending. */
async function sendChunk(gcs: GcsClient, session: string, offset: number, bytes: Buffer, total: number): Promise<void> {
  const end = offset + bytes.length;
  await retryChunk(
    CHUNK_ATTEMPTS,
    (attempt) => 250 * 2 ** (attempt - 1),
    async (attempt) => {
      if (attempt > 1) {
        const held = await gcs.uploadStatus(session, total);
        if (typeof held !== 'number' || held >= end) return; // the lost answer's chunk landed
        if (held !== offset) throw new Error(`Cloud Storage holds ${held} bytes of the upload, expected ${offset}.`);
      }
      const answer = await gcs.uploadChunk(session, offset, bytes, total);
      const last = end === total;
      if (last && typeof answer === 'number')
        throw new Error(`Cloud Storage did not complete the upload (holds ${answer} of ${total} bytes).`);
      if (!last && answer !== end)
        throw new Error(`Cloud Storage holds ${String(answer)} bytes of the upload after a chunk ending at ${end}.`);
    },
  );
}

function inputTarget(settings: VertexSettings, file: FileRecord): GsUri {
  return { bucket: requireBucket(settings), object: `${settings.prefix}/inputs/${file.tenantId}/${file.id}.jsonl` };
}

/** The job's gs:// input; uploaded again when the customer's bucket lost it (a lifecycle rule, a person). */
async function ensureInput(config: VertexAdapterConfig, ctx: Ctx, clients: Clients, file: FileRecord): Promise<string> {
  const recorded = file.providerFileId ? parseGsUri(file.providerFileId) : null;
  const target = recorded ?? inputTarget(clients.settings, file);
  if (recorded && (await clients.gcs.stat(recorded.bucket, recorded.object))) return toGsUri(recorded);
  ctx.logger.info('Cloud Storage copy of the Vertex AI input is gone; uploading it again', { fileId: file.id, object: toGsUri(target) });
  await uploadConverted(config, ctx, clients, file, target);
  return toGsUri(target);
}

function checkRequest(input: CreateBatchInput, settings: VertexSettings): { file: FileRecord; model: string } {
  const file = input.inputFile;
  if (!file)
    throw badRequest(
      'Vertex AI batches need an input_file_id: upload the requests with files.create (provider "vertex") first.',
      'input_file_id',
      'missing_input_file',
    );
  if ((file.lineCount ?? 0) > settings.maxRequestsPerJob) {
    throw badRequest(
      `${file.id} has ${file.lineCount} requests; a Vertex AI batch prediction job takes at most ${settings.maxRequestsPerJob}. Split the file.`,
      'input_file_id',
      'too_many_requests_in_file',
    );
  }
  return { file, model: resolveModel(input.model, file) };
}

async function createBatch(config: VertexAdapterConfig, ctx: Ctx, input: CreateBatchInput): Promise<CreatedBatch> {
  const clients = await clientsFor(config, ctx);
  const { file, model } = checkRequest(input, clients.settings);
  const inputUri = await ensureInput(config, ctx, clients, file);
  const outputPrefix = toGsUri({
    bucket: requireBucket(clients.settings),
    object: `${clients.settings.prefix}/outputs/${input.tenantId}/${input.batchId}`,
  });
  // Creation is not idempotent at Vertex: the display name carries our batch id, so a submit
  // retried after a lost answer finds the job the first attempt made.
  const job =
    (await clients.jobs.findByDisplayName(input.batchId)) ??
    (await clients.jobs.create({ displayName: input.batchId, model, inputUri, outputPrefix }));
  if (!job.name)
    throw new GatewayError(502, 'Vertex AI created a batch prediction job without a name.', 'server_error', null, 'provider_error');
  const state = toProviderBatchState(job, file.lineCount ?? 0);
  ctx.logger.info('Created Vertex AI batch prediction job', { batchId: input.batchId, job: job.name, model });
  const providerData: VertexBatchData = {
    inputBlob: file.blob,
    inputUri,
    outputPrefix,
    vertexModel: `${PUBLISHER_MODEL_PREFIX}${model}`,
  };
  return { providerBatchId: job.name, model, status: state.status, requestCounts: state.requestCounts!, providerData: { ...providerData } };
}

async function checkBatch(config: VertexAdapterConfig, ctx: Ctx, batch: BatchRecord): Promise<ProviderBatchState> {
  const job = await (await clientsFor(config, ctx)).jobs.get(jobName(batch));
  return toProviderBatchState(job, batch.requestCounts.total);
}

async function cancelBatch(config: VertexAdapterConfig, ctx: Ctx, batch: BatchRecord): Promise<void> {
  const { jobs } = await clientsFor(config, ctx, true);
  const name = jobName(batch);
  try {
    await jobs.cancel(name);
  } catch (err) {
    // Cancelling a finished job is refused (400 FAILED_PRECONDITION); for us that is success.
    if (!(err instanceof GatewayError) || err.status !== 400) throw err;
    if (!TERMINAL_JOB_STATES.has((await jobs.get(name)).state ?? '')) throw err;
  }
}

/** A finished job's rows, converted, into the sink; returns why the requests without a row did not run (the sink answers them). */
async function collectResults(config: VertexAdapterConfig, ctx: Ctx, batch: BatchRecord, sink: ResultSink): Promise<UnansweredReason> {
  const clients = await clientsFor(config, ctx);
  const job = await clients.jobs.get(jobName(batch));
  const state = toProviderBatchState(job, batch.requestCounts.total);
  // Not-run lines for a job still working would report requests as lost.
  if (!isTerminal(state.status)) throw new Error(`Vertex AI job ${job.name} of ${batch.id} has not finished (${job.state}).`);
  const data = batch.providerData as Partial<VertexBatchData> | undefined;
  if (!data?.inputBlob) throw new Error(`Batch ${batch.id} has no record of its input file; cannot account for every request.`);

  // Which custom_ids exist: rows are joined on them, never on order.
  const expected = new Set<string>();
  for await (const { request } of inputRequests(ctx.blobs.readLines(data.inputBlob))) expected.add(request.custom_id);
  const context: ResultContext = {
    batchId: batch.id,
    model: batch.model ?? (job.model ?? '').replace(PUBLISHER_MODEL_PREFIX, ''),
    created: rfc3339ToUnixSeconds(job.endTime ?? job.updateTime) ?? batch.createdAt,
  };
  const { written, ignored } = await writePredictions(clients, job, expected, context, sink);
  ctx.logger.info('Collected Vertex AI results', {
    batchId: batch.id,
    job: job.name,
    results: written.size,
    withoutResult: expected.size - written.size,
    ignoredLines: ignored,
  });
  return notRunReason(state, job);
}

/** Every prediction row of an expected custom_id, once, converted into the sink; other rows are counted as ignored. */
async function writePredictions(
  clients: Clients,
  job: VertexBatchPredictionJob,
  expected: Set<string>,
  context: ResultContext,
  sink: ResultSink,
): Promise<{ written: Set<string>; ignored: number }> {
  const written = new Set<string>();
  let ignored = 0;
  for (const object of await predictionObjects(clients, job)) {
    for await (const line of readLines(await clients.gcs.download(object.bucket, object.object))) {
      if (line.text.trim() === '') continue;
      const { row, customId } = parsePredictionLine(line.text, line.number);
      if (customId === null || !expected.has(customId) || written.has(customId)) {
        ignored += 1;
        continue;
      }
      written.add(customId);
      await sink.write(toOutputLine(toGeminiResult(row, customId), context));
    }
  }
  return { written, ignored };
}

/** The predictions objects of a finished job (none when it failed before writing any). */
async function predictionObjects({ gcs }: Clients, job: VertexBatchPredictionJob): Promise<GsUri[]> {
  const directory = job.outputInfo?.gcsOutputDirectory;
  if (!directory) return [];
  const dir = parseGsUri(directory.endsWith('/') ? directory : `${directory}/`);
  if (!dir) throw new Error(`Vertex AI named an unexpected output directory ${JSON.stringify(directory)} for ${job.name}.`);
  const listed = await gcs.list(dir.bucket, dir.object);
  return listed
    .filter((o) => PREDICTIONS_OBJECT.test(o.name.slice(dir.object.length)))
    .map((o) => ({ bucket: dir.bucket, object: o.name }));
}

async function* convertedLines(ctx: Ctx, file: FileRecord): AsyncGenerator<string> {
  for await (const { line, request } of inputRequests(ctx.blobs.readLines(file.blob))) {
    yield JSON.stringify(convertAtLine(line, 'unsupported_for_vertex', () => toVertexInputLine(request))) + '\n';
  }
}

const JOB_NAME_PATTERN = /^projects\/[^/]+\/locations\/[a-z0-9-]+\/batchPredictionJobs\/[0-9]+$/;

function jobName(batch: BatchRecord): string {
  if (!batch.providerBatchId || !JOB_NAME_PATTERN.test(batch.providerBatchId)) {
    throw new ProviderLostBatchError(`Batch ${batch.id} has no valid Vertex AI job name (${JSON.stringify(batch.providerBatchId)}).`);
  }
  return batch.providerBatchId;
}

/** Why requests without a row did not run, from the job's final state. */
function notRunReason(state: ProviderBatchState, job: VertexBatchPredictionJob): UnansweredReason {
  switch (state.status) {
    case 'cancelled':
      return { code: 'batch_cancelled' };
    case 'expired':
      return {
        code: 'batch_expired',
        message: 'This request was not executed: the Vertex AI job expired before it ran (jobs wait at most 72 hours for capacity).',
      };
    case 'failed':
      return { code: 'batch_failed', message: state.errors?.[0]?.message ?? undefined };
    default:
      return { code: 'batch_failed', message: `Vertex AI returned no result for this request (job state ${job.state ?? 'unknown'}).` };
  }
}

export const vertexAdapter: ProviderAdapter<'gcp-service-account'> = createVertexAdapter();
