// The simulated Bedrock account: its model invocation jobs (in memory, saved by index.ts when the
// simulator has a stateDir), the control-plane operations on them, and the timer that moves each job
// one lifecycle step (lifecycle.ts) per stepMs. The job's files live in the local S3 server (job-files.ts).
import { AwsError, validation } from './errors';
import {
  checkJobIdentity,
  checkJobRequest,
  jobView,
  newJob,
  restoredJob,
  setStatus,
  storedJob,
  TERMINAL,
  type SimJob,
  type StoredJob,
} from './jobs';
import type { JobFiles } from './job-files';
import { tick } from './lifecycle';

export interface BedrockAccountOptions {
  stepMs: number;
  /** Bedrock's "Minimum number of records per batch inference job". */
  minRecords: number;
  /** Whether GetModelInvocationJob returns the newer record counters. */
  reportRecordCounts: boolean;
  files: JobFiles;
}

export class BedrockAccount {
  private readonly jobs = new Map<string, SimJob>();
  private readonly byToken = new Map<string, string>();
  private closed = false;
  /** Runs after each step of a job's lifecycle (index.ts saves the jobs there). */
  afterTick: () => void = () => undefined;

  constructor(private readonly options: BedrockAccountOptions) {}

  /** CreateModelInvocationJob: idempotent on clientRequestToken; the job's ARN names `region`. */
  create(body: Record<string, unknown>, region: string): { jobArn: string } {
    const token = checkJobIdentity(body);
    if (typeof token === 'string' && this.byToken.has(token)) return { jobArn: this.jobs.get(this.byToken.get(token)!)!.jobArn };
    const request = checkJobRequest(body, token);
    for (const job of this.jobs.values()) {
      if (job.jobName === request.jobName)
        throw new AwsError(409, 'ConflictException', `A model invocation job with the name ${request.jobName} already exists.`);
    }
    this.refuseOverJobQuota(request.modelId);
    const job = newJob(request, region, this.jobs.size);
    this.add(job);
    return { jobArn: job.jobArn };
  }

  /** A job by its id or its ARN (decoded from its path segment by the route table); 404 otherwise. */
  find(id: string): SimJob {
    const jobId = id.slice(id.lastIndexOf('/') + 1);
    const job = this.jobs.get(jobId);
    if (!job || (id.includes(':') && id !== job.jobArn))
      throw new AwsError(404, 'ResourceNotFoundException', `The specified job ${id} was not found.`);
    return job;
  }

  view(job: SimJob): Record<string, unknown> {
    return jobView(job, this.options.reportRecordCounts);
  }

  stop(job: SimJob): Record<string, never> {
    if (TERMINAL.includes(job.status)) throw validation(`The job ${job.jobArn} is in status ${job.status} and cannot be stopped.`);
    if (!job.stopRequested) {
      job.stopRequested = true;
      setStatus(job, 'Stopping');
      // Stopping lasts a full step, like every other status.
      if (!job.ticking) this.schedule(job);
    }
    return {};
  }

  /** ListModelInvocationJobs: the filters, newest first unless sortOrder=Ascending, pages of maxResults. */
  list(query: URLSearchParams): Record<string, unknown> {
    let list = [...this.jobs.values()];
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
      invocationJobSummaries: page.map((job) => this.view(job)),
      ...(end < list.length ? { nextToken: Buffer.from(String(end)).toString('base64url') } : {}),
    };
  }

  snapshot(): StoredJob[] {
    return [...this.jobs.values()].map(storedJob);
  }

  /** Jobs saved before a restart; a job that was running goes on from where it was saved. */
  restore(stored: StoredJob[]): void {
    for (const saved of stored) this.add(restoredJob(saved));
  }

  close(): void {
    this.closed = true;
    for (const job of this.jobs.values()) clearTimeout(job.timer);
  }

  private add(job: SimJob): void {
    this.jobs.set(job.jobId, job);
    if (job.clientRequestToken) this.byToken.set(job.clientRequestToken, job.jobId);
    this.schedule(job);
  }

  /**
   * Bedrock caps the batch inference jobs in progress or submitted per base model; one more is refused
   * with ServiceQuotaExceededException ("You can resubmit your request later", botocore's Bedrock
   * exceptions). 400 on the wire, like the other client errors of this API. Off unless
   * FINOPS_SIM_BEDROCK_MAX_JOBS_PER_MODEL is set.
   */
  private refuseOverJobQuota(modelId: string): void {
    const cap = Number(process.env.FINOPS_SIM_BEDROCK_MAX_JOBS_PER_MODEL);
    if (!Number.isFinite(cap) || cap <= 0) return;
    const open = [...this.jobs.values()].filter((j) => j.modelId === modelId && !TERMINAL.includes(j.status)).length;
    if (open >= cap)
      throw new AwsError(
        400,
        'ServiceQuotaExceededException',
        `You have exceeded the number of batch inference jobs in progress or submitted for model ${modelId} (${cap}). You can resubmit your request later.`,
      );
  }

  private schedule(job: SimJob): void {
    if (this.closed || TERMINAL.includes(job.status)) return;
    clearTimeout(job.timer);
    job.timer = setTimeout(() => {
      job.ticking = true;
      tick(job, this.options.files, this.options.minRecords)
        .catch((err) => setStatus(job, 'Failed', `Internal error in the simulated service: ${(err as Error).message}`))
        .finally(() => {
          job.ticking = false;
          this.afterTick();
          this.schedule(job);
        });
    }, this.options.stepMs);
  }
}
