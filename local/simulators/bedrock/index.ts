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
// One port speaks HTTP/1.1 and HTTP/2 (h2c, server.ts): @aws-sdk/client-bedrock-runtime sends
// InvokeModel over HTTP/2 by default, as it does to the real service.
//
// Faults (FaultInjector): rate_limit → 429 ThrottlingException, server_error → 500
// InternalServerException, timeout; `lose_batch` → 404 ResourceNotFoundException on Get/Stop of a known
// job; `reset` destroys the connection — on CreateModelInvocationJob *after* the job was created, as if
// the answer got lost on the way.
//
// Request bodies are at most 25,000,000 bytes (InvokeModel's limit, routes.ts).
//
// The parts, on the simulator kit (local/simulators/kit: route table, bounded body reading, HttpError,
// faults): account.ts (the jobs and the control-plane operations), jobs.ts (a job, the create checks,
// its wire view), lifecycle.ts (one step of a job), job-files.ts (its S3 input and output), routes.ts
// (the HTTP table), runtime.ts (InvokeModel, Converse), model-behaviour.ts with a file per model
// family, errors.ts (AWS errors), server.ts (HTTP/1.1 and h2c on one port, which the kit's
// serveSimulator does not speak).
import { SimulatorStateFile } from '#local/simulators/persistence';
import { FaultInjector, type RunningSimulator, type SimulatorOptions } from '#local/simulators/kit/index';
import { BedrockAccount } from './account';
import { JobFiles } from './job-files';
import type { StoredJob } from './jobs';
import { answerRequest } from './routes';
import { serveHttp1AndHttp2, type Request, type Response } from './server';

export interface BedrockSimulatorOptions extends SimulatorOptions {
  s3: { endpoint: string; region?: string };
  /** Region in job ARNs (default: s3.region or us-east-1). */
  region?: string;
  /** Bedrock's "Minimum number of records per batch inference job" (default FINOPS_BEDROCK_MIN_RECORDS or 100). */
  minRecords?: number;
  /** Whether GetModelInvocationJob returns the newer record counters (default true). */
  reportRecordCounts?: boolean;
}

export async function startBedrockSimulator(options: BedrockSimulatorOptions): Promise<RunningSimulator> {
  const region = options.region ?? options.s3.region ?? 'us-east-1';
  const envMin = Number(process.env.FINOPS_BEDROCK_MIN_RECORDS);
  const files = new JobFiles(options.s3.endpoint, options.s3.region ?? region);
  const account = new BedrockAccount({
    stepMs: options.stepMs ?? 1000,
    minRecords: options.minRecords ?? (Number.isInteger(envMin) && envMin > 0 ? envMin : 100),
    reportRecordCounts: options.reportRecordCounts ?? true,
    files,
  });
  const faults = new FaultInjector();
  // Persistence (local/simulators/persistence.ts): jobs survive a restart of the local gateway.
  const store = options.stateDir ? new SimulatorStateFile<{ jobs: StoredJob[] }>(options.stateDir, 'bedrock') : null;
  const saveJobs = () => store?.save({ jobs: account.snapshot() });
  account.restore(store?.load()?.jobs ?? []);
  account.afterTick = saveJobs;

  const onRequest = (req: Request, res: Response) => {
    void answerRequest(req, res, { account, faults, region }).finally(() => {
      if (req.method !== 'GET') saveJobs();
    });
  };
  const server = await serveHttp1AndHttp2(options.port, onRequest);
  return {
    url: server.origin,
    apiKey: options.apiKey ?? 'sim-bedrock-key',
    faults,
    async close() {
      account.close();
      await server.close();
      files.destroy();
    },
  };
}
