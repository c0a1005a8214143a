// A local Amazon Bedrock: the batch-inference control plane (model invocation jobs, REST JSON as the AWS
// SDK speaks it) and the runtime InvokeModel call, reading and writing a local S3 server (s3rver).
//
//   POST /model-invocation-job                          CreateModelInvocationJob (idempotent clientRequestToken)
//   GET  /model-invocation-job/{jobIdentifier}           GetModelInvocationJob (URL-encoded ARN or job id)
//   GET  /model-invocation-jobs?statusEquals=&nameContains=&submitTimeAfter=&submitTimeBefore=&sortOrder=&maxResults=&nextToken=
//   POST /model-invocation-job/{jobIdentifier}/stop      StopModelInvocationJob
//   POST /model/{modelId}/invoke                         InvokeModel (runtime)
//   POST /model/{modelId}/converse                       Converse (runtime; converse.ts)
//
// A job moves Submitted → Validating → Scheduled → InProgress → Completed, one status per stepMs; in
// InProgress a third of the records is processed per step (the processed counters grow), then
// `<output>/<jobId>/<input name>.out` and `manifest.json.out` are written. Validation reads the input
// from S3 and fails the job (status Failed, `message`) when a line is not JSON, the input is missing, or
// there are fewer records than minRecords (Bedrock's quota, default 100). Stop → Stopping → Stopped with
// the records processed so far written out. Records with [simulate-unprocessed] make a job end
// PartiallyCompleted; other record triggers are in model-behaviour.ts. Errors are JSON {message} with
// the type in x-amzn-ErrorType. SigV4 signatures are accepted without verification (but required).
// One port speaks HTTP/1.1 and HTTP/2 (h2c): @aws-sdk/client-bedrock-runtime sends InvokeModel over
// HTTP/2 by default, as it does to the real service.
//
// Faults (FaultInjector): rate_limit → 429 ThrottlingException, server_error → 500
// InternalServerException, timeout; `lose_batch` → 404 ResourceNotFoundException on Get/Stop of a known
// job; `reset` destroys the connection — on CreateModelInvocationJob *after* the job was created, as if
// the answer got lost on the way.
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createConnection, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig } from '../../../lambda/store/blobs';
import { SimulatorStateFile } from '../persistence';
import { FaultInjector, type RunningSimulator, type SimulatorOptions } from '../simulator';
import { answer, ModelError, simFamilyOf, type SimFamily } from './model-behaviour';
import { onDemandThroughputViolation } from '../rules/bedrock';
import { answerConverse } from './converse';
import { listenOnLoopback } from '../../loopback';

export interface BedrockSimulatorOptions extends SimulatorOptions {
  s3: { endpoint: string; region?: string };
  /** Region in job ARNs (default: s3.region or us-east-1). */
  region?: string;
  /** Bedrock's "Minimum number of records per batch inference job" (default FINOPS_BEDROCK_MIN_RECORDS or 100). */
  minRecords?: number;
  /** Whether GetModelInvocationJob returns the newer record counters (default true). */
  reportRecordCounts?: boolean;
}

type JobStatus =
  | 'Submitted'
  | 'Validating'
  | 'Scheduled'
  | 'InProgress'
  | 'Completed'
  | 'PartiallyCompleted'
  | 'Failed'
  | 'Stopping'
  | 'Stopped'
  | 'Expired';
const TERMINAL: JobStatus[] = ['Completed', 'PartiallyCompleted', 'Failed', 'Stopped', 'Expired'];
const ACCOUNT = '000000000000';
const MAX_RECORDS = 50_000;

interface InputRecord {
  recordId: string;
  modelInput: unknown;
  /** Which input object it came from (one .out file per input file). */
  file: string;
}

interface SimJob {
  jobId: string;
  jobArn: string;
  jobName: string;
  modelId: string;
  family: SimFamily;
  /** CreateModelInvocationJob's modelInvocationType: records are native InvokeModel bodies or Converse requests. */
  invocationType: 'InvokeModel' | 'Converse';
  roleArn: string;
  clientRequestToken: string | undefined;
  inputDataConfig: { s3InputDataConfig: { s3Uri: string; s3InputFormat?: string } };
  outputDataConfig: { s3OutputDataConfig: { s3Uri: string } };
  timeoutDurationInHours: number;
  status: JobStatus;
  message?: string;
  submitTime: Date;
  lastModifiedTime: Date;
  endTime?: Date;
  jobExpirationTime: Date;
  records: InputRecord[] | null;
  /** Output lines per input file, in input order. */
  outputs: Map<string, string[]>;
  next: number;
  processed: number;
  success: number;
  errors: number;
  unprocessed: number;
  inputTokens: number;
  outputTokens: number;
  stopRequested: boolean;
  /** Creation order, to sort jobs submitted within the same millisecond. */
  seq: number;
  timer?: NodeJS.Timeout;
  ticking?: boolean;
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const validation = (message: string) => new AwsError(400, 'ValidationException', message);

function parseS3Uri(uri: string): { bucket: string; key: string } | null {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return match ? { bucket: match[1], key: match[2] } : null;
}

const JOB_NAME = /^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9+\-.]){0,63}$/;
const ROLE_ARN = /^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role\/.+$/;
const TOKEN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;

export async function startBedrockSimulator(options: BedrockSimulatorOptions): Promise<RunningSimulator> {
  const stepMs = options.stepMs ?? 1000;
  const region = options.region ?? options.s3.region ?? 'us-east-1';
  const envMin = Number(process.env.FINOPS_BEDROCK_MIN_RECORDS);
  const minRecords = options.minRecords ?? (Number.isInteger(envMin) && envMin > 0 ? envMin : 100);
  const reportRecordCounts = options.reportRecordCounts ?? true;
  const faults = new FaultInjector();
  const s3 = new S3Client({
    ...s3ClientConfig(options.s3.region ?? region),
    endpoint: options.s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const jobs = new Map<string, SimJob>();
  const byToken = new Map<string, string>();
  /** Saves the jobs after each step of their lifecycle (set below when the simulator has a stateDir). */
  let afterTick: () => void = () => undefined;
  let closed = false;

  // ---- S3 -------------------------------------------------------------------------------------------

  async function readObject(bucket: string, key: string): Promise<string> {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return res.Body!.transformToString('utf8');
  }

  async function inputFiles(uri: string): Promise<Array<{ bucket: string; key: string }>> {
    const parsed = parseS3Uri(uri)!;
    if (parsed.key !== '' && !parsed.key.endsWith('/')) return [parsed];
    // A prefix: every .jsonl object under it is input.
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: parsed.bucket, Prefix: parsed.key, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key?.endsWith('.jsonl')) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.map((key) => ({ bucket: parsed.bucket, key }));
  }

  function outputFolder(job: SimJob): { bucket: string; prefix: string } {
    const out = parseS3Uri(job.outputDataConfig.s3OutputDataConfig.s3Uri)!;
    const base = out.key === '' || out.key.endsWith('/') ? out.key : `${out.key}/`;
    return { bucket: out.bucket, prefix: `${base}${job.jobId}/` };
  }

  async function writeOutputs(job: SimJob): Promise<void> {
    const folder = outputFolder(job);
    for (const [file, lines] of job.outputs) {
      if (lines.length === 0) continue;
      const name = file.slice(file.lastIndexOf('/') + 1);
      await s3.send(
        new PutObjectCommand({
          Bucket: folder.bucket,
          Key: `${folder.prefix}${name}.out`,
          Body: lines.join('\n') + '\n',
          ContentType: 'application/jsonl',
        }),
      );
    }
    const manifest = {
      totalRecordCount: job.records?.length ?? 0,
      processedRecordCount: job.processed,
      successRecordCount: job.success,
      errorRecordCount: job.errors,
      inputTokenCount: job.inputTokens,
      outputTokenCount: job.outputTokens,
    };
    await s3.send(
      new PutObjectCommand({
        Bucket: folder.bucket,
        Key: `${folder.prefix}manifest.json.out`,
        Body: JSON.stringify(manifest),
        ContentType: 'application/json',
      }),
    );
  }

  // ---- quotas (off unless set: FINOPS_SIM_BEDROCK_MAX_JOBS_PER_MODEL, FINOPS_SIM_BEDROCK_JOB_EXPIRES_MS) ----

  /**
   * Bedrock caps the batch inference jobs in progress or submitted per base model; one more is refused
   * with ServiceQuotaExceededException ("You can resubmit your request later", botocore's Bedrock
   * exceptions). 400 on the wire, like the other client errors of this API.
   */
  function refuseOverJobQuota(modelId: string): void {
    const cap = Number(process.env.FINOPS_SIM_BEDROCK_MAX_JOBS_PER_MODEL);
    if (!Number.isFinite(cap) || cap <= 0) return;
    const open = [...jobs.values()].filter((j) => j.modelId === modelId && !TERMINAL.includes(j.status)).length;
    if (open >= cap)
      throw new AwsError(
        400,
        'ServiceQuotaExceededException',
        `You have exceeded the number of batch inference jobs in progress or submitted for model ${modelId} (${cap}). You can resubmit your request later.`,
      );
  }

  /** A job still running when its timeout passes ends `Expired`, with the records it processed written out. */
  function expiredNow(job: SimJob): boolean {
    const ms = Number(process.env.FINOPS_SIM_BEDROCK_JOB_EXPIRES_MS);
    return Number.isFinite(ms) && ms > 0 && Date.now() - job.submitTime.getTime() > ms;
  }

  // ---- job lifecycle ---------------------------------------------------------------------------------

  function setStatus(job: SimJob, status: JobStatus, message?: string) {
    job.status = status;
    job.lastModifiedTime = new Date();
    if (message !== undefined) job.message = message;
    if (TERMINAL.includes(status)) job.endTime = job.lastModifiedTime;
  }

  async function validate(job: SimJob): Promise<string | null> {
    let files: Array<{ bucket: string; key: string }>;
    try {
      files = await inputFiles(job.inputDataConfig.s3InputDataConfig.s3Uri);
    } catch (err) {
      return `Unable to access the input S3 location ${job.inputDataConfig.s3InputDataConfig.s3Uri}: ${(err as Error).name}`;
    }
    if (files.length === 0) return `No .jsonl input files found at ${job.inputDataConfig.s3InputDataConfig.s3Uri}`;
    const records: InputRecord[] = [];
    for (const file of files) {
      if (!file.key.endsWith('.jsonl')) return `Input file ${file.key} must have the .jsonl extension`;
      let text: string;
      try {
        text = await readObject(file.bucket, file.key);
      } catch (err) {
        return `Unable to read input file s3://${file.bucket}/${file.key}: ${(err as Error).name}`;
      }
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        if (lines[i].trim() === '') continue;
        let value: { recordId?: unknown; modelInput?: unknown };
        try {
          value = JSON.parse(lines[i]);
        } catch {
          return `Invalid JSONL in ${file.key} at line ${i + 1}`;
        }
        if (typeof value !== 'object' || value === null || typeof value.modelInput !== 'object' || value.modelInput === null) {
          return `Record at line ${i + 1} of ${file.key} has no modelInput object`;
        }
        if (value.recordId !== undefined && (typeof value.recordId !== 'string' || !/^[A-Za-z0-9]+$/.test(value.recordId))) {
          return `Record at line ${i + 1} of ${file.key}: recordId must be alphanumeric`;
        }
        // Bedrock adds an 11-character id to records that have none.
        const recordId = (value.recordId as string | undefined) ?? randomBytes(8).toString('hex').slice(0, 11).toUpperCase();
        records.push({ recordId, modelInput: value.modelInput, file: file.key });
      }
    }
    if (records.length < minRecords) {
      return `The number of records in the input (${records.length}) is less than the minimum number of records per batch inference job (${minRecords}).`;
    }
    if (records.length > MAX_RECORDS)
      return `The number of records in the input (${records.length}) exceeds the maximum of ${MAX_RECORDS}.`;
    job.records = records;
    for (const file of files) job.outputs.set(file.key, []);
    return null;
  }

  function processChunk(job: SimJob): void {
    const records = job.records!;
    const chunk = Math.max(1, Math.ceil(records.length / 3));
    const end = Math.min(records.length, job.next + chunk);
    for (; job.next < end; job.next++) {
      const record = records[job.next];
      const base = { recordId: record.recordId, modelInput: record.modelInput };
      let line: Record<string, unknown>;
      try {
        const result =
          job.invocationType === 'Converse'
            ? answerConverse(job.modelId, record.modelInput, true)
            : answer(job.family, job.modelId, record.modelInput, true);
        if (result.kind === 'unprocessed') {
          job.unprocessed += 1;
          continue;
        }
        line = { ...base, modelOutput: result.output };
        job.success += 1;
        job.inputTokens += result.inputTokens;
        job.outputTokens += result.outputTokens;
      } catch (err) {
        const status = err instanceof ModelError ? err.status : 500;
        line = { ...base, error: { errorCode: status, errorMessage: (err as Error).message } };
        job.errors += 1;
      }
      job.processed += 1;
      job.outputs.get(record.file)!.push(JSON.stringify(line));
    }
    job.lastModifiedTime = new Date();
  }

  async function tick(job: SimJob): Promise<void> {
    if (job.stopRequested) {
      if (job.records) await writeOutputs(job);
      setStatus(job, 'Stopped');
      return;
    }
    switch (job.status) {
      case 'Submitted':
        setStatus(job, 'Validating');
        return;
      case 'Validating': {
        const problem = await validate(job);
        if (job.stopRequested) return; // stopped while validating: the next tick ends it
        setStatus(job, problem ? 'Failed' : 'Scheduled', problem ?? undefined);
        return;
      }
      case 'Scheduled':
        setStatus(job, 'InProgress');
        return;
      case 'InProgress':
        processChunk(job);
        if (expiredNow(job) && job.next < job.records!.length) {
          await writeOutputs(job);
          setStatus(job, 'Expired', 'The job timed out before every record was processed.');
          return;
        }
        if (job.next >= job.records!.length) {
          await writeOutputs(job);
          setStatus(job, job.unprocessed > 0 ? 'PartiallyCompleted' : 'Completed');
        }
        return;
      default:
        return;
    }
  }

  function schedule(job: SimJob): void {
    if (closed || TERMINAL.includes(job.status)) return;
    clearTimeout(job.timer);
    job.timer = setTimeout(() => {
      job.ticking = true;
      tick(job)
        .catch((err) => setStatus(job, 'Failed', `Internal error in the simulated service: ${(err as Error).message}`))
        .finally(() => {
          job.ticking = false;
          afterTick();
          schedule(job);
        });
    }, stepMs);
  }

  // ---- operations ------------------------------------------------------------------------------------

  function jobView(job: SimJob): Record<string, unknown> {
    const view: Record<string, unknown> = {
      jobArn: job.jobArn,
      jobName: job.jobName,
      modelId: job.modelId,
      clientRequestToken: job.clientRequestToken,
      roleArn: job.roleArn,
      status: job.status,
      message: job.message,
      submitTime: job.submitTime.toISOString(),
      lastModifiedTime: job.lastModifiedTime.toISOString(),
      endTime: job.endTime?.toISOString(),
      inputDataConfig: job.inputDataConfig,
      outputDataConfig: job.outputDataConfig,
      timeoutDurationInHours: job.timeoutDurationInHours,
      jobExpirationTime: job.jobExpirationTime.toISOString(),
      modelInvocationType: job.invocationType,
    };
    if (reportRecordCounts && job.records) {
      Object.assign(view, {
        totalRecordCount: job.records.length,
        processedRecordCount: job.processed,
        successRecordCount: job.success,
        errorRecordCount: job.errors,
      });
    }
    return JSON.parse(JSON.stringify(view)); // drops undefined fields, as the service omits them
  }

  function findJob(identifier: string): SimJob {
    const id = decodeURIComponent(identifier);
    const jobId = id.slice(id.lastIndexOf('/') + 1);
    const job = jobs.get(jobId);
    if (!job || (id.includes(':') && id !== job.jobArn))
      throw new AwsError(404, 'ResourceNotFoundException', `The specified job ${id} was not found.`);
    return job;
  }

  function createJob(body: Record<string, unknown>, requestRegion = region): { jobArn: string } {
    const jobName = body.jobName;
    if (typeof jobName !== 'string' || !JOB_NAME.test(jobName))
      throw validation(
        `1 validation error detected: Value '${String(jobName)}' at 'jobName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\\+\\-\\.]){0,63}`,
      );
    if (typeof body.roleArn !== 'string' || !ROLE_ARN.test(body.roleArn))
      throw validation(`1 validation error detected: Value '${String(body.roleArn)}' at 'roleArn' failed to satisfy constraint`);
    const token = body.clientRequestToken;
    if (token !== undefined && (typeof token !== 'string' || !TOKEN.test(token)))
      throw validation(`1 validation error detected: Value '${String(token)}' at 'clientRequestToken' failed to satisfy constraint`);
    if (typeof token === 'string' && byToken.has(token)) return { jobArn: jobs.get(byToken.get(token)!)!.jobArn };
    const modelId = body.modelId;
    if (typeof modelId !== 'string' || modelId === '') throw validation('modelId is required');
    const family = simFamilyOf(modelId);
    if (!family) throw validation(`The provided model identifier ${modelId} is invalid or does not support batch inference.`);
    const input = (body.inputDataConfig as { s3InputDataConfig?: { s3Uri?: unknown; s3InputFormat?: unknown } } | undefined)
      ?.s3InputDataConfig;
    if (typeof input?.s3Uri !== 'string' || !parseS3Uri(input.s3Uri))
      throw validation('inputDataConfig.s3InputDataConfig.s3Uri must be an S3 URI');
    if (input.s3InputFormat !== undefined && input.s3InputFormat !== 'JSONL') throw validation('s3InputFormat must be JSONL');
    const output = (body.outputDataConfig as { s3OutputDataConfig?: { s3Uri?: unknown } } | undefined)?.s3OutputDataConfig;
    if (typeof output?.s3Uri !== 'string' || !parseS3Uri(output.s3Uri))
      throw validation('outputDataConfig.s3OutputDataConfig.s3Uri must be an S3 URI');
    const hours = body.timeoutDurationInHours ?? 24;
    if (typeof hours !== 'number' || !Number.isInteger(hours) || hours < 24 || hours > 168)
      throw validation(`timeoutDurationInHours must be between 24 and 168; got ${String(hours)}`);
    for (const job of jobs.values()) {
      if (job.jobName === jobName)
        throw new AwsError(409, 'ConflictException', `A model invocation job with the name ${jobName} already exists.`);
    }
    refuseOverJobQuota(modelId);
    const jobId = randomBytes(6).toString('hex');
    const now = new Date();
    const job: SimJob = {
      jobId,
      jobArn: `arn:aws:bedrock:${requestRegion}:${ACCOUNT}:model-invocation-job/${jobId}`,
      jobName,
      modelId,
      family,
      invocationType: invocationTypeOf(body.modelInvocationType),
      roleArn: body.roleArn,
      clientRequestToken: token as string | undefined,
      inputDataConfig: { s3InputDataConfig: { s3Uri: input.s3Uri, s3InputFormat: 'JSONL' } },
      outputDataConfig: { s3OutputDataConfig: { s3Uri: output.s3Uri } },
      timeoutDurationInHours: hours,
      status: 'Submitted',
      submitTime: now,
      lastModifiedTime: now,
      jobExpirationTime: new Date(now.getTime() + hours * 3600_000),
      records: null,
      outputs: new Map(),
      next: 0,
      processed: 0,
      success: 0,
      errors: 0,
      unprocessed: 0,
      inputTokens: 0,
      outputTokens: 0,
      stopRequested: false,
      seq: jobs.size,
    };
    jobs.set(jobId, job);
    if (typeof token === 'string') byToken.set(token, jobId);
    schedule(job);
    return { jobArn: job.jobArn };
  }

  function stopJob(job: SimJob): Record<string, never> {
    if (TERMINAL.includes(job.status)) throw validation(`The job ${job.jobArn} is in status ${job.status} and cannot be stopped.`);
    if (!job.stopRequested) {
      job.stopRequested = true;
      setStatus(job, 'Stopping');
      // Stopping lasts a full step, like every other status.
      if (!job.ticking) schedule(job);
    }
    return {};
  }

  function listJobs(query: URLSearchParams): Record<string, unknown> {
    let list = [...jobs.values()];
    const status = query.get('statusEquals');
    if (status) list = list.filter((j) => j.status === status);
    const name = query.get('nameContains');
    if (name) list = list.filter((j) => j.jobName.includes(name));
    const after = query.get('submitTimeAfter');
    if (after) list = list.filter((j) => j.submitTime.getTime() > Date.parse(after));
    const before = query.get('submitTimeBefore');
    if (before) list = list.filter((j) => j.submitTime.getTime() < Date.parse(before));
    const ascending = query.get('sortOrder') === 'Ascending';
    list.sort((a, b) => (a.submitTime.getTime() - b.submitTime.getTime() || a.seq - b.seq) * (ascending ? 1 : -1));
    const maxResults = Number(query.get('maxResults') ?? 1000);
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000) throw validation('maxResults must be between 1 and 1000');
    const tokenText = query.get('nextToken');
    const start = tokenText ? Number(Buffer.from(tokenText, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0) throw validation('Invalid nextToken');
    const page = list.slice(start, start + maxResults);
    const end = start + page.length;
    return {
      invocationJobSummaries: page.map(jobView),
      ...(end < list.length ? { nextToken: Buffer.from(String(end)).toString('base64url') } : {}),
    };
  }

  function invokeModel(modelIdPath: string, body: unknown): Record<string, unknown> {
    const modelId = decodeURIComponent(modelIdPath);
    const family = simFamilyOf(modelId);
    if (!family) throw validation('The provided model identifier is invalid.');
    const noOnDemand = onDemandThroughputViolation(modelId);
    if (noOnDemand) throw validation(noOnDemand);
    try {
      const result = answer(family, modelId, body, false);
      if (result.kind !== 'output') throw new ModelError(500, 'unreachable');
      return result.output;
    } catch (err) {
      if (err instanceof ModelError) {
        throw err.status >= 500 ? new AwsError(500, 'InternalServerException', err.message) : validation(err.message);
      }
      throw err;
    }
  }

  /** The runtime's Converse operation: the body is a Converse request without modelId (it is in the path). */
  function converse(modelIdPath: string, body: unknown): Record<string, unknown> {
    const modelId = decodeURIComponent(modelIdPath);
    if (!simFamilyOf(modelId)) throw validation('The provided model identifier is invalid.');
    const noOnDemand = onDemandThroughputViolation(modelId);
    if (noOnDemand) throw validation(noOnDemand);
    try {
      const result = answerConverse(modelId, body, false);
      if (result.kind !== 'output') throw new ModelError(500, 'unreachable');
      return result.output;
    } catch (err) {
      if (err instanceof ModelError)
        throw err.status >= 500 ? new AwsError(500, 'InternalServerException', err.message) : validation(err.message);
      throw err;
    }
  }

  // ---- HTTP --------------------------------------------------------------------------------------------

  function send(res: Response, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomBytes(16).toString('hex'), ...headers });
    res.end(JSON.stringify(body));
  }

  /** Drops the connection (HTTP/1.1) or resets the stream (HTTP/2) without an answer. */
  function reset(req: Request): void {
    if ('stream' in req) req.stream.session?.destroy();
    else req.socket.destroy();
  }

  async function readBody(req: Request): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (text === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new AwsError(400, 'SerializationException', 'The request body is not valid JSON.');
    }
  }

  async function handle(req: Request, res: Response): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // The raw (still URL-encoded) path: a job ARN arrives as one encoded segment.
    const path = (req.url ?? '/').split('?')[0];
    const errorBody = (status: number, message: string) => ({
      __type: status === 429 ? 'ThrottlingException' : 'InternalServerException',
      message,
    });
    // The compatibility API of HTTP/2 requests is what intercept uses (method, body iteration, writeHead/end).
    if (await faults.intercept(req as IncomingMessage, res as ServerResponse, path, errorBody)) return;
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
      throw new AwsError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    const method = req.method ?? 'GET';
    const fault = () => faults.take(method, path);
    let match: RegExpExecArray | null;

    if (method === 'POST' && path === '/model-invocation-job') {
      const result = createJob((await readBody(req)) as Record<string, unknown>, signedRegion(req.headers.authorization) ?? region);
      const rule = fault();
      if (rule?.kind === 'reset') return reset(req);
      return send(res, 200, result);
    }
    if (method === 'GET' && path === '/model-invocation-jobs') return send(res, 200, listJobs(url.searchParams));
    if ((match = /^\/model-invocation-job\/([^/]+)(\/stop)?$/.exec(path))) {
      const job = findJob(match[1]);
      const rule = fault();
      if (rule?.kind === 'reset') return reset(req);
      if (rule?.kind === 'lose_batch')
        throw new AwsError(404, 'ResourceNotFoundException', `The specified job ${job.jobArn} was not found.`);
      if (method === 'GET' && !match[2]) return send(res, 200, jobView(job));
      if (method === 'POST' && match[2]) {
        await readBody(req);
        return send(res, 200, stopJob(job));
      }
    }
    if (method === 'POST' && (match = /^\/model\/([^/]+)\/invoke$/.exec(path))) {
      const body = await readBody(req);
      const rule = fault();
      if (rule?.kind === 'reset') return reset(req);
      return send(res, 200, invokeModel(match[1], body));
    }
    if (method === 'POST' && (match = /^\/model\/([^/]+)\/converse$/.exec(path))) {
      const body = await readBody(req);
      const rule = fault();
      if (rule?.kind === 'reset') return reset(req);
      return send(res, 200, converse(match[1], body));
    }
    throw new AwsError(404, 'UnknownOperationException', `No operation matches ${method} ${path}`);
  }

  // ---- persistence (local/simulators/persistence.ts): jobs survive a restart of the local gateway ----
  const store = options.stateDir ? new SimulatorStateFile<{ jobs: Array<Record<string, unknown>> }>(options.stateDir, 'bedrock') : null;
  const saveJobs = () =>
    store?.save({
      jobs: [...jobs.values()].map(({ timer: _timer, ticking: _ticking, outputs, ...job }) => ({
        ...job,
        outputs: [...outputs.entries()],
      })),
    });
  for (const stored of store?.load()?.jobs ?? []) {
    const job = {
      ...stored,
      submitTime: new Date(stored.submitTime as string),
      lastModifiedTime: new Date(stored.lastModifiedTime as string),
      jobExpirationTime: new Date(stored.jobExpirationTime as string),
      ...(stored.endTime ? { endTime: new Date(stored.endTime as string) } : {}),
      outputs: new Map(stored.outputs as Array<[string, string[]]>),
    } as unknown as SimJob;
    jobs.set(job.jobId, job);
    if (job.clientRequestToken) byToken.set(job.clientRequestToken, job.jobId);
    schedule(job); // a job that was running goes on from where it was saved
  }
  afterTick = saveJobs;

  const onRequest = (req: Request, res: Response) => {
    handle(req, res)
      .catch((err) => {
        if (res.headersSent) return;
        const e = err instanceof AwsError ? err : new AwsError(500, 'InternalServerException', (err as Error).message);
        send(res, e.status, { message: e.message }, { 'x-amzn-errortype': e.type });
      })
      .finally(() => {
        if (req.method !== 'GET') saveJobs();
      });
  };
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const http1 = createHttp1Server(onRequest);
  // HTTP/2 runs on an internal port; its connections are piped there (nghttp2 reads the socket itself,
  // so bytes already read for sniffing cannot be handed back to it the way HTTP/1.1 allows).
  const http2 = createHttp2Server(onRequest);
  http2.on('sessionError', () => undefined);
  await new Promise<void>((resolve) => http2.listen(0, '127.0.0.1', resolve));
  const http2Port = (http2.address() as AddressInfo).port;
  // Both protocols on one port: an HTTP/2 prior-knowledge connection starts with "PRI * HTTP/2.0".
  const server = createTcpServer((socket) => {
    track(socket);
    socket.once('data', (first: Buffer) => {
      if (first.subarray(0, 3).toString('latin1') === 'PRI') {
        const upstream = createConnection(http2Port, '127.0.0.1');
        track(upstream);
        upstream.on('close', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.write(first);
        socket.pipe(upstream).pipe(socket);
        return;
      }
      socket.pause();
      socket.unshift(first);
      http1.emit('connection', socket);
      socket.resume();
    });
  });
  const origin = await listenOnLoopback(server, options.port);

  return {
    url: origin,
    apiKey: options.apiKey ?? 'sim-bedrock-key',
    faults,
    async close() {
      closed = true;
      for (const job of jobs.values()) clearTimeout(job.timer);
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        new Promise<void>((resolve) => http2.close(() => resolve())),
      ]);
      s3.destroy();
    },
  };
}

/**
 * The region a request was signed for (SigV4 credential scope `AKID/date/<region>/bedrock/aws4_request`):
 * the simulator serves every region, and a job's ARN names the region its client called, as in AWS.
 */
function signedRegion(authorization: string | string[] | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(authorization ?? ''))?.[1];
}

function invocationTypeOf(value: unknown): 'InvokeModel' | 'Converse' {
  if (value === undefined || value === 'InvokeModel') return 'InvokeModel';
  if (value === 'Converse') return 'Converse';
  throw new AwsError(
    400,
    'ValidationException',
    `1 validation error detected: Value '${String(value)}' at 'modelInvocationType' failed to satisfy constraint: Member must satisfy enum value set: [Converse, InvokeModel]`,
  );
}
