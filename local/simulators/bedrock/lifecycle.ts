// One step of a job's life (the account calls it every stepMs): Submitted → Validating → Scheduled →
// InProgress → Completed, a third of the records answered per InProgress step; Stopping → Stopped and
// Expired write out the records processed so far; [simulate-unprocessed] records end it PartiallyCompleted.
import { answerConverse } from './converse';
import { answer, ModelError } from './model-behaviour';
import { setStatus, type SimJob } from './jobs';
import type { JobFiles } from './job-files';

/** A job still running when its timeout passes ends `Expired` (off unless FINOPS_SIM_BEDROCK_JOB_EXPIRES_MS is set). */
function expiredNow(job: SimJob): boolean {
  const ms = Number(process.env.FINOPS_SIM_BEDROCK_JOB_EXPIRES_MS);
  return Number.isFinite(ms) && ms > 0 && Date.now() - job.submitTime.getTime() > ms;
}

export async function tick(job: SimJob, files: JobFiles, minRecords: number): Promise<void> {
  if (job.stopRequested) {
    if (job.records) await files.writeOutputs(job);
    setStatus(job, 'Stopped');
    return;
  }
  switch (job.status) {
    case 'Submitted':
      setStatus(job, 'Validating');
      return;
    case 'Validating': {
      const problem = await files.readRecords(job, minRecords);
      if (job.stopRequested) return; // stopped while validating: the next tick ends it
      setStatus(job, problem ? 'Failed' : 'Scheduled', problem ?? undefined);
      return;
    }
    case 'Scheduled':
      setStatus(job, 'InProgress');
      return;
    case 'InProgress':
      return runStep(job, files);
    default:
      return;
  }
}

async function runStep(job: SimJob, files: JobFiles): Promise<void> {
  processChunk(job);
  if (expiredNow(job) && job.next < job.records!.length) {
    await files.writeOutputs(job);
    setStatus(job, 'Expired', 'The job timed out before every record was processed.');
    return;
  }
  if (job.next >= job.records!.length) {
    await files.writeOutputs(job);
    setStatus(job, job.unprocessed > 0 ? 'PartiallyCompleted' : 'Completed');
  }
}

/** Answers the next third of the records: a modelOutput line, or an error line with the model's status. */
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
