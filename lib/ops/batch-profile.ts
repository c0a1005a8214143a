// What one typical batch does to the stack, for the running-cost model (lib/ops/stack-cost.ts). The
// counts of functions, their memory, the tracker's state transitions and the log retention come from
// the synthesized template; what cannot be read from a template (how long a handler runs, how many
// items it writes, how often a client polls) is assumed here, in one place, and printed with the
// figures. Durations are round upper estimates from the local gateway's timings, not measurements in AWS.

export const BATCH_PROFILE = {
  /** The seed workflow: files.create, batches.create, batches.retrieve every pollSeconds, files.content of the output. */
  requests: 100,
  inputMegabytes: 0.5,
  outputMegabytes: 0.5,
  /** How long the provider takes; the tracker's checks and transitions follow from its schedule. */
  providerHours: 1,
  clientPollSeconds: 60,
  /** Billed duration per invocation, milliseconds. */
  durationMs: {
    authorizer: 20,
    'files-create': 400,
    'batches-create': 600,
    'batches-retrieve': 50,
    'files-content': 100,
    'tracker-prepare-input': 300,
    'tracker-submit-batch': 800,
    'tracker-check-status': 200,
    'tracker-collect-results': 1500,
    'webhooks-fan-out': 100,
    'files-expire': 300,
  } as Record<string, number>,
  /** Write request units: file and batch records (and their byOwner index copies), status changes, output/error file records, usage aggregates, budget reservation and release. */
  dynamoWriteUnits: 24,
  /** Read request units per API request (authorizer key lookup + the handler's record read), plus per tracker check and for collecting. */
  dynamoReadUnitsPerRequest: 2,
  dynamoReadUnitsPerCheck: 1,
  dynamoReadUnitsCollect: 4,
  /** Input copy, provider staging copy, output and error files, provider raw output. */
  s3Puts: 5,
  /** Provider reads the staged input, collect reads the raw output, the client downloads the output. */
  s3Gets: 3,
  /** Months the gateway keeps the input and output (file expiry unset; deleted after a month here). */
  storedMonths: 1,
  /** GetSecretValue calls (functions cache a provider key for 5 minutes). */
  secretCalls: 2,
  /** CloudWatch Logs bytes: per Lambda invocation (platform START/END/REPORT + Powertools lines), per state transition (execution log, no data), per API request (access log line). */
  logBytesPerInvocation: 1500,
  logBytesPerTransition: 400,
  logBytesPerApiRequest: 700,
} as const;

/** A scheduled run (files-expire): its table reads and writes (one Query per day swept, the "last day finished" marker). */
export const SCHEDULED_RUN_PROFILE = { dynamoReadUnits: 2, dynamoWriteUnits: 1, logBytes: 1500 } as const;

/**
 * Lambda's SQS pollers long-poll (20 s) a queue that has an event source mapping even when it is
 * empty: an estimate of 5 pollers × 3 ReceiveMessage calls a minute.
 */
export const SQS_IDLE_RECEIVES_PER_MINUTE = 15;

export const MINUTES_PER_MONTH = 730 * 60;
