// The simulated Vertex AI project: its batch prediction jobs, how they look on the wire
// (BatchPredictionJob) and a job's lifecycle. A job is PENDING one step, RUNNING one step, then runs
// (predictions.ts) and ends; a cancel lands one step later unless the job finished first. The state
// is computed from elapsed time whenever a job is looked at, so there are no timers.
import { runJob } from './predictions';
import type { SimStorage } from './storage';
import { HttpError, iso, pageStart, pageToken } from './wire';

export type JobState = 'PENDING' | 'RUNNING' | 'CANCELLING' | 'SUCCEEDED' | 'PARTIALLY_SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';

export interface SimJob {
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

/** What a new job is made of (job-input.ts reads it from the create request). */
export type NewJob = Pick<SimJob, 'project' | 'location' | 'displayName' | 'model' | 'inputUri' | 'outputPrefix'>;

export const jobName = (job: SimJob) => `projects/${job.project}/locations/${job.location}/batchPredictionJobs/${job.id}`;

export class VertexAccount {
  readonly jobs = new Map<string, SimJob>();
  private nextId = 1_000_000_000;

  constructor(
    private readonly stepMs: number,
    readonly storage: SimStorage,
  ) {}

  /** Job ids go on from the highest one restored. */
  restored() {
    this.nextId = Math.max(1_000_000_000, ...[...this.jobs.keys()].map((id) => Number(id) + 1));
  }

  addJob(spec: NewJob) {
    const job: SimJob = {
      id: String(this.nextId++),
      ...spec,
      createdAt: Date.now(),
      cancelledAt: null,
      endedAt: null,
      state: 'PENDING',
      outputDirectory: null,
      stats: null,
      error: null,
    };
    this.jobs.set(job.id, job);
    return this.jobView(job);
  }

  listJobs(query: URLSearchParams, project: string, location: string) {
    const filter = query.get('filter');
    const wanted = filter ? /^display_name="([^"]*)"$/.exec(filter)?.[1] : undefined;
    if (filter && wanted === undefined) throw new HttpError(400, 'INVALID_ARGUMENT', `Unsupported filter ${JSON.stringify(filter)}.`);
    const all = [...this.jobs.values()]
      .filter((j) => j.project === project && j.location === location && (wanted === undefined || j.displayName === wanted))
      .reverse();
    const size = Math.min(Number(query.get('pageSize') ?? 100) || 100, 1000);
    const start = pageStart(query.get('pageToken'));
    const page = all.slice(start, start + size);
    return {
      ...(page.length ? { batchPredictionJobs: page.map((j) => this.jobView(j)) } : {}),
      ...(start + size < all.length ? { nextPageToken: pageToken(start + size) } : {}),
    };
  }

  cancel(job: SimJob) {
    this.advance(job);
    if (job.endedAt !== null)
      throw new HttpError(
        400,
        'FAILED_PRECONDITION',
        `BatchPredictionJob ${jobName(job)} is in state JOB_STATE_${job.state} and cannot be cancelled.`,
      );
    job.cancelledAt ??= Date.now();
    return {};
  }

  /** The job as Vertex answers it, its state brought up to date first. */
  jobView(job: SimJob) {
    this.advance(job);
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
      ...(job.state !== 'PENDING' && !(ended && job.state === 'CANCELLED' && job.endedAt! < job.createdAt + this.stepMs)
        ? { startTime: iso(job.createdAt + this.stepMs) }
        : {}),
      ...(ended ? { endTime: iso(job.endedAt!) } : {}),
      updateTime: iso(job.endedAt ?? Date.now()),
    };
  }

  private advance(job: SimJob, now = Date.now()) {
    if (job.endedAt !== null) return;
    const finishesAt = job.createdAt + 2 * this.stepMs;
    const cancelLandsAt = job.cancelledAt === null ? Infinity : job.cancelledAt + this.stepMs;
    if (cancelLandsAt < finishesAt && now >= cancelLandsAt) {
      job.state = 'CANCELLED';
      job.endedAt = cancelLandsAt;
      job.error = { code: 1, message: 'CANCELED' };
      return;
    }
    if (now >= finishesAt) {
      job.endedAt = finishesAt;
      runJob(job, this.storage);
      return;
    }
    job.state = job.cancelledAt !== null ? 'CANCELLING' : now >= job.createdAt + this.stepMs ? 'RUNNING' : 'PENDING';
  }
}
