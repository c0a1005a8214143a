// Amazon Bedrock batch inference behind the OpenAI Files + Batch API.
//
// files.create   → the upload goes to the stack's Bedrock input bucket (or storage_config.s3 when the
//                  bucket is allowed).
// batches.create → every line is translated for the model's family and streamed to
//                  s3://<input bucket>/batches/<batchId>/input.jsonl as {recordId, modelInput}; the
//                  custom_ids go, in the same order, to custom-ids.jsonl beside it. Then:
//                  - at least FINOPS_BEDROCK_MIN_RECORDS records (default 100, Bedrock's quota): one
//                    CreateModelInvocationJob (metadata.run_mode = "batch_job");
//                  - fewer: the batch runs on demand inside the tracker (metadata.run_mode = "on_demand",
//                    no Bedrock job), unless extra_body.small_batch = "reject" asks for a 400 instead.
// tracker        → checkBatch polls the job (or advances the on-demand run); collectResults reads
//                  <output prefix>/<jobId>/input.jsonl.out; the result sink answers records without an output line.
//
// Extra fields: storage_config.s3 {bucket, region, prefix} (files.create), model, output_s3_uri,
// small_batch ("on_demand" | "reject"), timeout_hours (24–168) (batches.create).
import {
  CreateModelInvocationJobCommand,
  GetModelInvocationJobCommand,
  StopModelInvocationJobCommand,
  type GetModelInvocationJobResponse,
} from '@aws-sdk/client-bedrock';
import type {
  ProviderAdapter,
  ProviderBatchState,
  ProviderContext,
  CreateBatchInput,
  CreatedBatch,
  ResultSink,
  UnansweredReason,
} from '#lambda/providers/provider';
import type { BatchRecord, FileRecord } from '#contracts/records';
import type { LineWriter } from '#lambda/store/blobs';
import type { RequestCounts } from '#contracts/openai-types';
import { badRequest } from '#lambda/http/errors';
import { bedrockFoundationModelId } from './price-key';
import { LineError } from '#lambda/batch-files/lines';
import { inputRequests } from '#lambda/batch-files/validate';
import { stableToken } from '#lambda/ids';
import { nowSeconds, toUnixSeconds } from '#lambda/time';
import { ProviderUnavailableError } from '#lambda/providers/errors';
import { requireFamily, type BedrockFamily } from './model-family';
import { onDemandModelId } from './inference-profiles';
import { recordIdFor, recordIndexOf, toBedrockRecord, toModelInput, type BedrockOutputRecord } from './records';
import { familyOf } from './model-family';
import { resultLineFor } from './results';
import { notRunCodeForBatch, toOpenAIStatus, type NotRunCode } from './status';
import {
  assertBucketAllowed,
  batchInputKeys,
  defaultOutputUri,
  filePlacement,
  jobIdOf,
  normalizePrefix,
  parseS3Uri,
  storageConfigOf,
  toS3Uri,
  type S3Uri,
} from './s3-locations';
import { createJobError, isValidationOrConflict, jobCallError, s3CallError, unavailableOrSame } from './aws-errors';
import { bedrockClient, bedrockRuntimeClient } from './clients';
import { advanceOnDemand, requestOnDemandCancel, resultKey, storedResults, type OnDemandLocations } from './on-demand';
import { EMBEDDINGS_ENDPOINT } from '#lambda/batch-files/embeddings';
import { requireEmbeddingFamily, type EmbeddingFamily } from './embeddings';
import {
  checkEmbeddingLines,
  EmbeddingResultSink,
  embeddingMetaKey,
  inLines,
  isEmbeddingFamily,
  stagedEmbeddingRecords,
} from './embedding-batches';
import { TRANSLATED_CHAT_ENDPOINTS } from '#lambda/batch-files/endpoints';
import { convertLineBody } from '#lambda/providers/convert/responses-request';

/** Bedrock's default quota "Minimum number of records per batch inference job". */
export const DEFAULT_MIN_RECORDS = 100;
export const MIN_TIMEOUT_HOURS = 24;
export const MAX_TIMEOUT_HOURS = 168;
const ON_DEMAND_CONCURRENCY = 4;

export type RunMode = 'batch_job' | 'on_demand';

/** What the adapter keeps in BatchRecord.providerData. */
export interface BedrockBatchData {
  runMode: RunMode;
  /** A chat family, or an embedding family for /v1/embeddings batches (embedding-batches.ts). */
  family: BedrockFamily | EmbeddingFamily;
  recordCount: number;
  /** Embeddings: the OpenAI lines the records came from (a line may take several records). */
  lineCount?: number;
  inputBucket: string;
  recordsKey: string;
  customIdsKey: string;
  /** Job runs: the output S3 URI given to Bedrock (a prefix ending in '/'). */
  outputUri?: string;
  jobArn?: string;
  /** On-demand runs: where each record's answer is stored. */
  onDemandPrefix?: string;
  /** The region the job (or on-demand run) runs in, when not the stack's: its input bucket's region. */
  region?: string;
  /** Last Bedrock job status seen by checkBatch. */
  jobStatus?: string;
  inputTokenCount?: number;
  outputTokenCount?: number;
}

export function minRecordCount(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.FINOPS_BEDROCK_MIN_RECORDS);
  return Number.isInteger(value) && value >= 1 ? value : DEFAULT_MIN_RECORDS;
}

function onDemandOptions(env: NodeJS.ProcessEnv = process.env) {
  const seconds = Number(env.FINOPS_BEDROCK_ON_DEMAND_BUDGET_SECONDS);
  // The tracker's check function runs for at most 300 s: start calls for 120 s, abandon stragglers at 240 s.
  const startBudgetMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 120_000;
  return { concurrency: ON_DEMAND_CONCURRENCY, startBudgetMs, hardDeadlineMs: startBudgetMs * 2 };
}

/** Bedrock job names and request tokens allow letters, digits and hyphens only; gateway ids have '_'. */
export const jobNameFor = (batchId: string) => `gw-${batchId.replace(/[^A-Za-z0-9]+/g, '-')}`.slice(0, 63);
export const requestTokenFor = (batchId: string) => batchId.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '');

function smallBatchMode(extras: Record<string, unknown>): 'on_demand' | 'reject' {
  const value = extras.small_batch;
  if (value === undefined || value === null || value === '' || value === 'on_demand') return 'on_demand';
  if (value === 'reject') return 'reject';
  throw badRequest(`small_batch must be "on_demand" (default) or "reject"; got ${JSON.stringify(value)}.`, 'small_batch');
}

function timeoutHoursOf(extras: Record<string, unknown>): number {
  const raw = extras.timeout_hours;
  if (raw === undefined || raw === null || raw === '') return MIN_TIMEOUT_HOURS;
  const hours = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(hours) || hours < MIN_TIMEOUT_HOURS || hours > MAX_TIMEOUT_HOURS) {
    throw badRequest(
      `timeout_hours must be a whole number of hours from ${MIN_TIMEOUT_HOURS} to ${MAX_TIMEOUT_HOURS}; got ${JSON.stringify(raw)}.`,
      'timeout_hours',
    );
  }
  return hours;
}

/** One model per Bedrock job: extra_body.model, else the model every line names. */
function resolveModel(requested: string | null, file: FileRecord): string {
  if (file.model === null) {
    throw badRequest(
      'The input file mixes several models; a Bedrock batch job runs exactly one model. Split the file by model.',
      'input_file_id',
      'model_mismatch',
    );
  }
  const model = requested ?? file.model;
  if (!model)
    throw badRequest(
      'model is required for Bedrock batches: pass extra_body.model or set body.model on every line.',
      'model',
      'missing_model',
    );
  if (requested && file.model && requested !== file.model) {
    throw badRequest(
      `extra_body.model is ${JSON.stringify(requested)} but the input file's lines use ${JSON.stringify(file.model)}; they must match.`,
      'model',
      'model_mismatch',
    );
  }
  return model;
}

function outputUriOf(ctx: ProviderContext, input: CreateBatchInput): S3Uri {
  const raw = input.extras.output_s3_uri;
  if (raw === undefined || raw === null || raw === '') return defaultOutputUri(ctx.config, input.tenantId, input.batchId);
  if (typeof raw !== 'string') throw badRequest('output_s3_uri must be a string like s3://bucket/prefix/.', 'output_s3_uri');
  const uri = parseS3Uri(raw, 'output_s3_uri');
  assertBucketAllowed(uri.bucket, [ctx.config.bedrockOutputBucket], ctx.config, 'output_s3_uri');
  // Each batch gets its own folder under the client's prefix, so two batches never share output.
  return { bucket: uri.bucket, key: `${normalizePrefix(uri.key)}${input.tenantId}/${input.batchId}/` };
}

/**
 * Translates every line and streams the records and custom_ids to the input bucket. Nothing reaches
 * Bedrock until every line has translated, so a bad line costs nothing.
 */
async function stageRecords(
  ctx: ProviderContext,
  file: FileRecord,
  model: string,
  family: BedrockFamily | EmbeddingFamily,
  keys: ReturnType<typeof batchInputKeys>,
  bucket: string,
): Promise<number> {
  const records = ctx.blobs.openLineWriter({ bucket, key: keys.records });
  const customIds = ctx.blobs.openLineWriter({ bucket, key: keys.customIds });
  // Embeddings: a line may take several records; which part of which line each is goes beside them.
  const meta = isEmbeddingFamily(family) ? ctx.blobs.openLineWriter({ bucket, key: embeddingMetaKey(keys.customIds) }) : null;
  const writers = meta ? [records, customIds, meta] : [records, customIds];
  const write = async (writer: LineWriter, text: string, key: string) => {
    try {
      await writer.writeLine(text);
    } catch (err) {
      throw s3CallError(err, 'write', toS3Uri({ bucket, key }));
    }
  };
  let count = 0;
  try {
    for await (const { line, request } of inputRequests(ctx.blobs.readLines(file.blob))) {
      if (request.body.model !== model) {
        throw new LineError(
          line,
          `Line ${line}: body.model is ${JSON.stringify(request.body.model)} but the batch runs ${JSON.stringify(model)}; a Bedrock job runs one model.`,
          'model_mismatch',
        );
      }
      const staged = isEmbeddingFamily(family)
        ? stagedEmbeddingRecords(request, family, line)
        : [
            {
              modelInput: convertLineBody(request, (body) => toBedrockRecord(recordIdFor(count), body, family, line)).modelInput,
              meta: null,
            },
          ];
      for (const { modelInput, meta: recordMeta } of staged) {
        await write(records, JSON.stringify({ recordId: recordIdFor(count), modelInput }), keys.records);
        await write(customIds, JSON.stringify(request.custom_id), keys.customIds);
        if (meta) await write(meta, JSON.stringify(recordMeta), embeddingMetaKey(keys.customIds));
        count += 1;
      }
    }
  } catch (err) {
    await Promise.all(writers.map((w) => w.abort()));
    // Line and write errors are already GatewayErrors and pass through; what is left came from reading the upload.
    throw s3CallError(err, 'read', toS3Uri(file.blob));
  }
  try {
    await Promise.all(writers.map((w) => w.close()));
  } catch (err) {
    throw s3CallError(err, 'write', toS3Uri({ bucket, key: keys.records }));
  }
  if (count === 0) throw badRequest('The input file has no requests.', 'input_file_id', 'empty_file');
  return count;
}

async function createJob(
  ctx: ProviderContext,
  input: CreateBatchInput,
  model: string,
  data: BedrockBatchData,
  timeoutHours: number,
): Promise<string> {
  const region = data.region ?? ctx.config.region;
  const bedrock = bedrockClient(region);
  const jobName = jobNameFor(input.batchId);
  try {
    const created = await bedrock.send(
      new CreateModelInvocationJobCommand({
        jobName,
        roleArn: ctx.config.bedrockRoleArn,
        modelId: model,
        inputDataConfig: {
          s3InputDataConfig: { s3Uri: toS3Uri({ bucket: data.inputBucket, key: data.recordsKey }), s3InputFormat: 'JSONL' },
        },
        outputDataConfig: { s3OutputDataConfig: { s3Uri: data.outputUri! } },
        // Same token on every attempt (the SDK's retries and ours): Bedrock then never makes two jobs.
        clientRequestToken: requestTokenFor(input.batchId),
        timeoutDurationInHours: timeoutHours,
        tags: [{ key: 'gw-batch', value: input.batchId }],
        // Families without a native translator write Converse request bodies (converse.ts).
        ...(data.family === 'converse' ? { modelInvocationType: 'Converse' as const } : {}),
      }),
    );
    if (!created.jobArn) throw new Error('CreateModelInvocationJob answered without a jobArn');
    return created.jobArn;
  } catch (err) {
    // An answer that never arrived (connection lost, 5xx, timeout) may have come after Bedrock made the
    // job: the tracker submits again with the same clientRequestToken, and Bedrock answers with that job.
    throw createJobError(err);
  }
}

/** Region of a file stored outside the stack's region (storage_config.s3.region), kept at files.create. */
const fileRegionOf = (file: FileRecord): string | undefined =>
  typeof file.providerData?.region === 'string' ? file.providerData.region : undefined;

/**
 * A job runs in its input file's region. In the stack's region it stages into the stack's input
 * bucket; in another allowed region (the stack's bucket is not there) beside the file, and it needs
 * an output_s3_uri in that region, since the stack's output bucket is not there either.
 */
function regionalPlacement(ctx: ProviderContext, file: FileRecord, input: CreateBatchInput): { inputBucket: string; region?: string } {
  const region = fileRegionOf(file);
  if (!region || region === ctx.config.region) return { inputBucket: ctx.config.bedrockInputBucket };
  if (!input.extras.output_s3_uri) {
    throw badRequest(
      `The input file is in ${region}, so its Bedrock job runs there: pass output_s3_uri with a bucket in ${region} (the gateway's own output bucket is in ${ctx.config.region}).`,
      'output_s3_uri',
      'region_mismatch',
    );
  }
  return { inputBucket: file.blob.bucket, region };
}

/** The region in a job ARN (arn:aws:bedrock:<region>:…), else the stack's. */
const jobRegion = (ctx: ProviderContext, jobArn: string) => /^arn:aws[a-z-]*:bedrock:([a-z0-9-]+):/.exec(jobArn)?.[1] ?? ctx.config.region;

/** Everything checkable without reading the file: batches.create runs it (acceptBatch), and Submit again. */
function checkRequest(ctx: ProviderContext, input: CreateBatchInput) {
  const file = input.inputFile;
  if (!file) throw badRequest('input_file_id is required for Bedrock batches: upload the JSONL with files.create first.', 'input_file_id');
  const model = resolveModel(input.model, file);
  const family = input.endpoint === EMBEDDINGS_ENDPOINT ? requireEmbeddingFamily(model) : requireFamily(model);
  const smallBatch = smallBatchMode(input.extras);
  const timeoutHours = timeoutHoursOf(input.extras);
  const output = outputUriOf(ctx, input);
  const minimum = minRecordCount();
  const rejectSmall = (count: number) =>
    badRequest(
      `The batch has ${count} request${count === 1 ? '' : 's'}; a Bedrock batch job needs at least ${minimum}. ` +
        'Leave out small_batch (or set "on_demand") to run it with on-demand invocations instead.',
      'small_batch',
      'too_few_requests',
    );
  if (smallBatch === 'reject' && file.lineCount !== undefined && file.lineCount < minimum) throw rejectSmall(file.lineCount);
  const placement = regionalPlacement(ctx, file, input);
  return { file, model, family, smallBatch, timeoutHours, output, minimum, rejectSmall, placement };
}

async function createBatch(ctx: ProviderContext, input: CreateBatchInput): Promise<CreatedBatch> {
  const { file, model, family, smallBatch, timeoutHours, output, minimum, rejectSmall, placement } = checkRequest(ctx, input);

  const keys = batchInputKeys(input.batchId);
  const count = await stageRecords(ctx, file, model, family, keys, placement.inputBucket);
  const data: BedrockBatchData = {
    runMode: count < minimum ? 'on_demand' : 'batch_job',
    family,
    recordCount: count,
    inputBucket: placement.inputBucket,
    ...(placement.region ? { region: placement.region } : {}),
    recordsKey: keys.records,
    customIdsKey: keys.customIds,
    ...(isEmbeddingFamily(family) && file.lineCount !== undefined ? { lineCount: file.lineCount } : {}),
  };
  // request_counts count the OpenAI requests, not the records they took.
  const requestCounts: RequestCounts = { total: data.lineCount ?? count, completed: 0, failed: 0 };

  if (data.runMode === 'on_demand') {
    if (smallBatch === 'reject') {
      // Only reached when the file's line count was unknown before staging: remove what was staged.
      await Promise.all(
        [keys.records, keys.customIds].map((key) => ctx.blobs.delete({ bucket: data.inputBucket, key }).catch(() => undefined)),
      );
      throw rejectSmall(count);
    }
    data.onDemandPrefix = keys.onDemandPrefix;
    return {
      providerBatchId: null,
      model,
      status: 'in_progress',
      requestCounts,
      providerData: { ...data },
      metadata: { run_mode: 'on_demand' },
    };
  }

  data.outputUri = toS3Uri(output);
  const jobArn = await createJob(ctx, input, model, data, timeoutHours);
  data.jobArn = jobArn;
  ctx.logger.info('Bedrock batch job created', { batchId: input.batchId, jobArn, records: count });
  return {
    providerBatchId: jobArn,
    model,
    status: 'validating',
    requestCounts,
    providerData: { ...data },
    metadata: { run_mode: 'batch_job' },
    expiresAt: input.createdAt + timeoutHours * 3600,
  };
}

function batchData(batch: BatchRecord): BedrockBatchData {
  const data = batch.providerData as BedrockBatchData | undefined;
  if (!data?.runMode || !data.recordsKey) throw new Error(`Batch ${batch.id} has no Bedrock run data`);
  return data;
}

function onDemandLocations(batch: BatchRecord, data: BedrockBatchData): OnDemandLocations {
  return {
    bucket: data.inputBucket,
    recordsKey: data.recordsKey,
    resultsPrefix: data.onDemandPrefix ?? batchInputKeys(batch.id).onDemandPrefix,
    modelId: batch.model ?? '',
    recordCount: data.recordCount,
  };
}

async function getJob(ctx: ProviderContext, jobArn: string): Promise<GetModelInvocationJobResponse> {
  try {
    return await bedrockClient(jobRegion(ctx, jobArn)).send(new GetModelInvocationJobCommand({ jobIdentifier: jobArn }));
  } catch (err) {
    throw jobCallError(err, 'GetModelInvocationJob', jobArn);
  }
}

interface Manifest {
  totalRecordCount?: number;
  processedRecordCount?: number;
  successRecordCount?: number;
  errorRecordCount?: number;
  inputTokenCount?: number;
  outputTokenCount?: number;
}

/** The job's output objects: `<prefix><jobId>/<input name>.out` and its manifest. Listed, never guessed. */
async function findJobOutput(
  ctx: ProviderContext,
  data: BedrockBatchData,
): Promise<{ bucket: string; results: string | null; manifest: string | null }> {
  const output = parseS3Uri(data.outputUri!, 'output_s3_uri');
  const jobFolder = `${output.key}${jobIdOf(data.jobArn!)}/`;
  const inputName = data.recordsKey.slice(data.recordsKey.lastIndexOf('/') + 1);
  let keys: string[];
  try {
    keys = await ctx.blobs.list(output.bucket, jobFolder);
    // One third-party reader found the manifest directly under the output URI; accept it there too.
    if (!keys.some((k) => k.endsWith('manifest.json.out')))
      keys = keys.concat((await ctx.blobs.list(output.bucket, output.key)).filter((k) => k === `${output.key}manifest.json.out`));
  } catch (err) {
    throw s3CallError(err, 'list', toS3Uri({ bucket: output.bucket, key: jobFolder }));
  }
  const results =
    keys.find((k) => k === `${jobFolder}${inputName}.out`) ?? keys.find((k) => k.startsWith(jobFolder) && k.endsWith('.jsonl.out')) ?? null;
  const manifest = keys.find((k) => k.endsWith('manifest.json.out')) ?? null;
  return { bucket: output.bucket, results, manifest };
}

async function readManifest(ctx: ProviderContext, data: BedrockBatchData): Promise<Manifest | null> {
  const where = await findJobOutput(ctx, data);
  if (!where.manifest) return null;
  try {
    return JSON.parse((await ctx.blobs.getBuffer({ bucket: where.bucket, key: where.manifest })).toString('utf8')) as Manifest;
  } catch (err) {
    if (err instanceof SyntaxError) {
      ctx.logger.warn('Unreadable Bedrock manifest', { key: where.manifest });
      return null;
    }
    throw s3CallError(err, 'read', toS3Uri({ bucket: where.bucket, key: where.manifest }));
  }
}

/**
 * request_counts from the job's counters, else from the manifest once the job is done. Records that
 * never ran (stopped, expired, partially completed) count as failed: they end up in the error file.
 */
export function jobRequestCounts(total: number, counters: Manifest | null, done: boolean): RequestCounts {
  if (!counters || counters.successRecordCount === undefined) return { total, completed: 0, failed: done ? total : 0 };
  const completed = counters.successRecordCount ?? 0;
  const errored = counters.errorRecordCount ?? 0;
  return { total, completed, failed: done ? Math.max(total - completed, errored) : errored };
}

async function checkJob(ctx: ProviderContext, batch: BatchRecord, data: BedrockBatchData): Promise<ProviderBatchState> {
  const job = await getJob(ctx, batch.providerBatchId!);
  const status = toOpenAIStatus(job.status);
  const done = ['completed', 'failed', 'expired', 'cancelled'].includes(status);
  let counters: Manifest | null = job.successRecordCount !== undefined ? job : null;
  let manifest: Manifest | null = null;
  if (done) {
    manifest = await readManifest(ctx, data);
    counters ??= manifest;
  }
  const state: ProviderBatchState = {
    status,
    requestCounts: jobRequestCounts(data.recordCount, counters, done),
    providerData: {
      ...data,
      jobStatus: job.status,
      ...(manifest?.inputTokenCount !== undefined
        ? { inputTokenCount: manifest.inputTokenCount, outputTokenCount: manifest.outputTokenCount }
        : {}),
    },
  };
  if (status === 'failed')
    state.errors = [{ code: 'provider_failed', message: job.message || 'The Bedrock batch job failed.', param: null, line: null }];
  return state;
}

async function checkBatch(ctx: ProviderContext, batch: BatchRecord): Promise<ProviderBatchState> {
  const data = batchData(batch);
  return inLines(await checkRecords(ctx, batch, data), data);
}

async function checkRecords(ctx: ProviderContext, batch: BatchRecord, data: BedrockBatchData): Promise<ProviderBatchState> {
  if (data.runMode === 'on_demand') {
    const region = data.region ?? ctx.config.region;
    // Models without on-demand throughput on their bare id are invoked through an inference profile.
    const where = {
      ...onDemandLocations(batch, data),
      modelId: onDemandModelId(batch.model ?? '', region),
      ...(data.family === 'converse' ? { invocation: 'Converse' as const } : {}),
    };
    return advanceOnDemand(ctx, bedrockRuntimeClient(region), where, batch.cancelRequested === true, onDemandOptions());
  }
  return checkJob(ctx, batch, data);
}

async function cancelBatch(ctx: ProviderContext, batch: BatchRecord): Promise<void> {
  const data = batchData(batch);
  // On-demand runs stop at the tracker's next check, which sees batch.cancelRequested; a check running
  // now sees the marker (on-demand.ts) before it starts more calls.
  if (data.runMode === 'on_demand') return requestOnDemandCancel(ctx, onDemandLocations(batch, data));
  if (!batch.providerBatchId) return;
  try {
    await bedrockClient(jobRegion(ctx, batch.providerBatchId)).send(
      new StopModelInvocationJobCommand({ jobIdentifier: batch.providerBatchId }),
    );
  } catch (err) {
    // A job that already finished (or is already stopping) cannot be stopped: nothing left to cancel.
    if (isValidationOrConflict(err)) return;
    throw jobCallError(err, 'StopModelInvocationJob', batch.providerBatchId);
  }
}

/** The custom_ids in record order. Held in memory: at most 50,000 × 512 characters; record bodies are streamed. */
async function loadCustomIds(ctx: ProviderContext, data: BedrockBatchData): Promise<string[]> {
  const ids: string[] = [];
  const location = { bucket: data.inputBucket, key: data.customIdsKey };
  try {
    for await (const line of ctx.blobs.readLines(location)) if (line.text !== '') ids.push(JSON.parse(line.text) as string);
  } catch (err) {
    throw s3CallError(err, 'read', toS3Uri(location));
  }
  if (ids.length !== data.recordCount) throw new Error(`custom-ids.jsonl has ${ids.length} entries for ${data.recordCount} records`);
  return ids;
}

function completionContext(batch: BatchRecord, recordId: string, created: number, requestIdPrefix: string) {
  return {
    model: batch.model ?? '',
    created,
    id: `chatcmpl-${stableToken(24, batch.id, recordId)}`,
    requestId: `${requestIdPrefix}-${recordId}`,
  };
}

/** Where one batch's output records go: an embeddings job's to its part joiner, the others to the sink as OpenAI lines. */
interface RecordTarget {
  batch: BatchRecord;
  data: BedrockBatchData;
  customIds: string[];
  /** `created` of the chat completions. */
  created: number;
  /** Prefix of each line's request_id. */
  requestIdPrefix: string;
  embeddings: EmbeddingResultSink | null;
  sink: ResultSink;
}

async function openRecordTarget(ctx: ProviderContext, target: Omit<RecordTarget, 'embeddings'>): Promise<RecordTarget> {
  const { batch, data, customIds, requestIdPrefix, sink } = target;
  const embeddings = isEmbeddingFamily(data.family)
    ? await EmbeddingResultSink.open(ctx, batch, { ...data, family: data.family }, customIds, requestIdPrefix, sink)
    : null;
  return { ...target, embeddings };
}

async function writeRecord(target: RecordTarget, index: number, recordId: string, record: BedrockOutputRecord): Promise<void> {
  const { batch, data, customIds, created, requestIdPrefix, embeddings, sink } = target;
  if (embeddings) return embeddings.record(index, record);
  await sink.write(
    resultLineFor(record, customIds[index], data.family as BedrockFamily, completionContext(batch, recordId, created, requestIdPrefix)),
  );
}

/** The job's last status and when it ended; the last status seen when Bedrock no longer knows the job. */
async function endedJob(
  ctx: ProviderContext,
  batch: BatchRecord,
  data: BedrockBatchData,
): Promise<{ jobStatus?: string; created: number }> {
  let jobStatus = data.jobStatus;
  let created = nowSeconds();
  try {
    const job = await getJob(ctx, batch.providerBatchId!);
    jobStatus = job.status;
    created = toUnixSeconds(job.endTime) ?? created;
  } catch (err) {
    // Results already in S3 are still worth writing if Bedrock lost the job afterwards.
    if (err instanceof ProviderUnavailableError) throw err;
    ctx.logger.warn('Bedrock job unknown while collecting results; using the last seen status', { jobArn: batch.providerBatchId });
  }
  return { jobStatus, created };
}

/** Streams the job's output file into the target: each expected record once, unreadable or unexpected lines logged and skipped. */
async function writeJobOutput(ctx: ProviderContext, target: RecordTarget, location: { bucket: string; key: string }): Promise<void> {
  const written = new Uint8Array(target.data.recordCount);
  try {
    for await (const line of ctx.blobs.readLines(location)) {
      if (line.text.trim() === '') continue;
      let record: BedrockOutputRecord;
      try {
        record = JSON.parse(line.text) as BedrockOutputRecord;
      } catch {
        ctx.logger.warn('Unreadable line in Bedrock output', { key: location.key, line: line.number });
        continue;
      }
      const index = recordIndexOf(record.recordId);
      if (index === null || index >= target.data.recordCount || written[index]) {
        ctx.logger.warn('Bedrock output record not expected or seen twice', { recordId: record.recordId });
        continue;
      }
      written[index] = 1;
      await writeRecord(target, index, record.recordId!, record);
    }
  } catch (err) {
    throw s3CallError(err, 'read', toS3Uri(location));
  }
}

async function collectJobResults(
  ctx: ProviderContext,
  batch: BatchRecord,
  data: BedrockBatchData,
  sink: ResultSink,
): Promise<UnansweredReason> {
  const customIds = await loadCustomIds(ctx, data);
  const { jobStatus, created } = await endedJob(ctx, batch, data);
  const where = await findJobOutput(ctx, data);
  const jobId = jobIdOf(data.jobArn ?? batch.providerBatchId!);
  const target = await openRecordTarget(ctx, { batch, data, customIds, created, requestIdPrefix: `bedrock-${jobId}`, sink });
  if (where.results) await writeJobOutput(ctx, target, { bucket: where.bucket, key: where.results });
  else ctx.logger.warn('Bedrock job has no output file', { jobArn: batch.providerBatchId, status: jobStatus });
  // Records without an output line are answered by the result sink, with this reason.
  const code: NotRunCode = notRunCodeForBatch(batch, jobStatus ?? 'Failed', nowSeconds());
  const message = jobStatus === 'Completed' ? 'Bedrock reported the job complete but returned no result for this request.' : undefined;
  // An embeddings job joins the parts of split lines and answers a line with a missing part itself.
  if (target.embeddings) await target.embeddings.finish(code, message);
  return { code, ...(message ? { message } : {}) };
}

async function collectOnDemandResults(
  ctx: ProviderContext,
  batch: BatchRecord,
  data: BedrockBatchData,
  sink: ResultSink,
): Promise<UnansweredReason> {
  const customIds = await loadCustomIds(ctx, data);
  const where = onDemandLocations(batch, data);
  const done = await storedResults(ctx, where);
  const created = nowSeconds();
  const code: NotRunCode = notRunCodeForBatch(batch, undefined, created);
  const target = await openRecordTarget(ctx, { batch, data, customIds, created, requestIdPrefix: `bedrock-on-demand-${batch.id}`, sink });
  for (let i = 0; i < data.recordCount; i++) {
    const recordId = recordIdFor(i);
    const outcome = done.get(recordId);
    // Records never invoked (cancelled, expired) are answered by the result sink.
    if (!outcome) continue;
    const location = { bucket: where.bucket, key: resultKey(where.resultsPrefix, outcome, recordId) };
    let record: BedrockOutputRecord;
    try {
      record = JSON.parse((await ctx.blobs.getBuffer(location)).toString('utf8')) as BedrockOutputRecord;
    } catch (err) {
      throw s3CallError(err, 'read', toS3Uri(location));
    }
    await writeRecord(target, i, recordId, record);
  }
  if (target.embeddings) await target.embeddings.finish(code);
  return { code };
}

async function collectResults(ctx: ProviderContext, batch: BatchRecord, sink: ResultSink): Promise<UnansweredReason> {
  const data = batchData(batch);
  if (data.runMode === 'on_demand') return collectOnDemandResults(ctx, batch, data, sink);
  return collectJobResults(ctx, batch, data, sink);
}

export const bedrockAdapter: ProviderAdapter = {
  name: 'bedrock',
  acceptsInlineRequests: false,
  endpoints: { ...TRANSLATED_CHAT_ENDPOINTS, [EMBEDDINGS_ENDPOINT]: 'translated' },

  priceModelId: bedrockFoundationModelId,
  /** Below the job minimum (FINOPS_BEDROCK_MIN_RECORDS) a batch runs on demand, without the batch discount. */
  expectedRunMode: (requests, env) => (requests < minRecordCount(env) ? 'on_demand' : 'batch'),
  runCheck(model) {
    const family = familyOf(model);
    return family ? { group: `bedrock:${family}`, convert: (body) => toModelInput({ ...body, model }, family) } : null;
  },

  async placeFile(ctx, input) {
    return filePlacement(ctx.config, input.tenantId, input.fileId, input.filename, storageConfigOf(input.extras));
  },

  // A file in another allowed region remembers it: its batches' jobs run there (regionalPlacement).
  async onFileStored(ctx, file, extras) {
    // Embeddings lines are checked against their model's rules now, so a line Bedrock cannot run is a 400 at upload.
    if (file.endpoint === EMBEDDINGS_ENDPOINT) await checkEmbeddingLines(ctx, file);
    const region = storageConfigOf(extras)?.region;
    return region && region !== ctx.config.region ? { providerData: { ...file.providerData, region } } : {};
  },

  async acceptBatch(ctx, input) {
    const { file, model, timeoutHours, minimum } = checkRequest(ctx, input);
    // The file's line count (known since upload) tells the run mode already; Submit confirms it.
    const runMode: RunMode | null = file.lineCount === undefined ? null : file.lineCount < minimum ? 'on_demand' : 'batch_job';
    // The job's own timeout is the batch's window: the tracker waits for a full quota that long.
    return { model, expiresAt: input.createdAt + timeoutHours * 3600, ...(runMode ? { metadata: { run_mode: runMode } } : {}) };
  },

  async createBatch(ctx, input) {
    try {
      return await createBatch(ctx, input);
    } catch (err) {
      throw unavailableOrSame(err, 'batch creation');
    }
  },

  checkBatch,
  cancelBatch,
  collectResults,

  // CreateModelInvocationJob takes one modelId per job; records carry only recordId and modelInput (docs/providers.md).
  oneModelPerJob: true,
};
