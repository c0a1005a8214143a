// A simulated model invocation job: its record, the checks CreateModelInvocationJob makes on a request
// (patterns and messages as the service's), the job's wire view, and its saved form (persistence.ts).
import { randomBytes } from 'node:crypto';
import { simFamilyOf, type SimFamily } from './model-behaviour';
import { AwsError, validation } from './errors';

export type JobStatus =
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
export const TERMINAL: JobStatus[] = ['Completed', 'PartiallyCompleted', 'Failed', 'Stopped', 'Expired'];
const ACCOUNT = '000000000000';

export interface InputRecord {
  recordId: string;
  modelInput: unknown;
  /** Which input object it came from (one .out file per input file). */
  file: string;
}

export interface SimJob {
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

export function parseS3Uri(uri: string): { bucket: string; key: string } | null {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return match ? { bucket: match[1], key: match[2] } : null;
}

export function setStatus(job: SimJob, status: JobStatus, message?: string) {
  job.status = status;
  job.lastModifiedTime = new Date();
  if (message !== undefined) job.message = message;
  if (TERMINAL.includes(status)) job.endTime = job.lastModifiedTime;
}

// ---- CreateModelInvocationJob's checks ----------------------------------------------------------------

const JOB_NAME = /^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9+\-.]){0,63}$/;
const ROLE_ARN = /^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role\/.+$/;
const TOKEN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;

/** The checks made before the idempotency look-up: the job name, the role and the clientRequestToken (returned). */
export function checkJobIdentity(body: Record<string, unknown>): string | undefined {
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
  return token as string | undefined;
}

export interface JobRequest {
  jobName: string;
  roleArn: string;
  clientRequestToken: string | undefined;
  modelId: string;
  family: SimFamily;
  invocationType: SimJob['invocationType'];
  inputUri: string;
  outputUri: string;
  hours: number;
}

/** The rest of a new job's request: the model, its S3 input and output, the timeout, the invocation type. */
export function checkJobRequest(body: Record<string, unknown>, clientRequestToken: string | undefined): JobRequest {
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
  return {
    jobName: body.jobName as string,
    roleArn: body.roleArn as string,
    clientRequestToken,
    modelId,
    family,
    // Checked by newJob, after the account's name-conflict and quota checks.
    invocationType: body.modelInvocationType as SimJob['invocationType'],
    inputUri: input.s3Uri,
    outputUri: output.s3Uri,
    hours,
  };
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

/** A job as CreateModelInvocationJob makes it: Submitted, in the region its client signed for. */
export function newJob(request: JobRequest, region: string, seq: number): SimJob {
  const jobId = randomBytes(6).toString('hex');
  const now = new Date();
  return {
    jobId,
    jobArn: `arn:aws:bedrock:${region}:${ACCOUNT}:model-invocation-job/${jobId}`,
    jobName: request.jobName,
    modelId: request.modelId,
    family: request.family,
    invocationType: invocationTypeOf(request.invocationType),
    roleArn: request.roleArn,
    clientRequestToken: request.clientRequestToken,
    inputDataConfig: { s3InputDataConfig: { s3Uri: request.inputUri, s3InputFormat: 'JSONL' } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: request.outputUri } },
    timeoutDurationInHours: request.hours,
    status: 'Submitted',
    submitTime: now,
    lastModifiedTime: now,
    jobExpirationTime: new Date(now.getTime() + request.hours * 3600_000),
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
    seq,
  };
}

// ---- the wire view and the saved form ----------------------------------------------------------------

/** GetModelInvocationJob's answer (and a ListModelInvocationJobs summary). */
export function jobView(job: SimJob, reportRecordCounts: boolean): Record<string, unknown> {
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

export type StoredJob = Record<string, unknown>;

export function storedJob({ timer: _timer, ticking: _ticking, outputs, ...job }: SimJob): StoredJob {
  return { ...job, outputs: [...outputs.entries()] };
}

export function restoredJob(stored: StoredJob): SimJob {
  return {
    ...stored,
    submitTime: new Date(stored.submitTime as string),
    lastModifiedTime: new Date(stored.lastModifiedTime as string),
    jobExpirationTime: new Date(stored.jobExpirationTime as string),
    ...(stored.endTime ? { endTime: new Date(stored.endTime as string) } : {}),
    outputs: new Map(stored.outputs as Array<[string, string[]]>),
  } as unknown as SimJob;
}
