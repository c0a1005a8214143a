// A local Step Functions endpoint: the handlers start executions with the real SFN client
// (AWS_ENDPOINT_URL_SFN points here), and each execution runs the very ASL that `cdk synth` produces,
// through aws-local-stepfunctions, with the Lambda task states bound to the local handlers.
// Executions are kept in <data>/executions.json; running ones are resumed after a restart (every
// state of the tracker is idempotent, so resuming from the start is safe).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { TrackerState } from '#lib/batch-tracker/state-names';
import { InFlight } from './in-flight';
import { closeServer, listenOnLoopback } from './loopback';

type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface ExecutionRecord {
  name: string;
  executionArn: string;
  stateMachineArn: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
}

/** A Lambda handler as the state machine's tasks call it (the function's own payload in and out). */
export type TaskFunction = (payload: unknown) => Promise<unknown>;

export interface LocalStepFunctionsOptions {
  definition: object;
  dataDir: string;
  /** Handlers for the Lambda task states, keyed by state name. */
  tasks: Record<string, TaskFunction>;
  /** Milliseconds every Wait state lasts locally (the real waits are minutes). */
  waitMs: number;
  /** Milliseconds between retries of a failed task locally. */
  retryMs: number;
  port?: number;
}

export interface PublishedEvent {
  source: string;
  detailType: string;
  detail: unknown;
  time: number;
}

export class LocalStepFunctions {
  private server?: Server;
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, { abort: () => void; done: Promise<void> }>();
  /** An aborted execution settles at once, but the task it was in goes on: close waits for it. */
  private readonly tasksUnderWay = new InFlight();
  private readonly machine: StateMachine;
  readonly events: PublishedEvent[] = [];
  /** Called with every event the executions put on the bus (as EventBridge rules see them). */
  private readonly eventListeners: Array<(event: PublishedEvent) => void> = [];
  private readonly file: string;
  private readonly eventsFile: string;
  endpoint = '';

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.machine = new StateMachine(options.definition as never, { validationOptions: { checkArn: false, checkPaths: false } });
    this.file = join(options.dataDir, 'executions.json');
    this.eventsFile = join(options.dataDir, 'events.jsonl');
    if (existsSync(this.file)) {
      for (const record of JSON.parse(readFileSync(this.file, 'utf8')) as ExecutionRecord[]) this.executions.set(record.name, record);
    }
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.endpoint = await listenOnLoopback(this.server, this.options.port);
    // Resume what was running when the gateway stopped.
    for (const record of this.executions.values()) if (record.status === 'RUNNING') this.run(record);
    return this.endpoint;
  }

  async close(): Promise<void> {
    const running = [...this.running.values()];
    for (const { abort } of running) abort();
    await Promise.allSettled(running.map((r) => r.done));
    await this.tasksUnderWay.settle();
    if (this.server) await closeServer(this.server);
  }

  onEvent(listener: (event: PublishedEvent) => void): void {
    this.eventListeners.push(listener);
  }

  /** Resolves when the named execution has stopped (tests use it). */
  async waitFor(name: string): Promise<ExecutionRecord | undefined> {
    await this.running.get(name)?.done;
    return this.executions.get(name);
  }

  describe(name: string): ExecutionRecord | undefined {
    return this.executions.get(name);
  }

  private persist(): void {
    writeFileSync(this.file, JSON.stringify([...this.executions.values()], null, 1));
  }

  /** EventBridge PutEvents of the announce states: recorded, appended to the events file, handed to listeners. */
  private async publish(params: { Entries: Array<{ Source: string; DetailType: string; Detail: unknown }> }) {
    for (const entry of params.Entries) {
      const event = {
        source: entry.Source,
        detailType: entry.DetailType,
        detail: typeof entry.Detail === 'string' ? JSON.parse(entry.Detail) : entry.Detail,
        time: Date.now(),
      };
      this.events.push(event);
      appendFileSync(this.eventsFile, JSON.stringify(event) + '\n');
      for (const listener of this.eventListeners) listener(event);
    }
    return { FailedEntryCount: 0, Entries: params.Entries.map((_, i) => ({ EventId: `local-${Date.now()}-${i}` })) };
  }

  /** The tasks run in this process (the handlers, publish), with the waits and retry intervals scaled down. */
  private overrides() {
    const lambdaTask = (fn: TaskFunction) => async (params: { Payload?: unknown }) => ({
      StatusCode: 200,
      Payload: await this.tasksUnderWay.track(fn(params.Payload)),
    });
    const publish = (params: Parameters<typeof this.publish>[0]) => this.publish(params);
    const taskResourceLocalHandlers: Record<string, (input: never) => Promise<unknown>> = {
      [TrackerState.announceFinished]: publish as never,
      [TrackerState.announceFailed]: publish as never,
    };
    const retryIntervalOverrides: Record<string, number> = {};
    for (const [state, fn] of Object.entries(this.options.tasks)) {
      taskResourceLocalHandlers[state] = lambdaTask(fn) as never;
      retryIntervalOverrides[state] = this.options.retryMs;
    }
    retryIntervalOverrides[TrackerState.announceFinished] = this.options.retryMs;
    retryIntervalOverrides[TrackerState.announceFailed] = this.options.retryMs;
    return {
      taskResourceLocalHandlers: taskResourceLocalHandlers as never,
      waitTimeOverrides: {
        [TrackerState.wait]: this.options.waitMs,
        [TrackerState.waitToSubmit]: this.options.waitMs,
        [TrackerState.waitToCollect]: this.options.waitMs,
      },
      retryIntervalOverrides,
    };
  }

  private run(record: ExecutionRecord): void {
    const execution = this.machine.run(JSON.parse(record.input), {
      overrides: this.overrides(),
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          Input: JSON.parse(record.input),
          StartTime: new Date(record.startDate * 1000).toISOString(),
        },
      },
    });
    const done = execution.result.then(
      (output: unknown) => {
        if (output === null && !this.running.has(record.name)) return; // aborted at shutdown: stays RUNNING
        this.finish(record, 'SUCCEEDED', { output: JSON.stringify(output) });
      },
      (err: Error & { error?: string; cause?: string }) => {
        this.finish(record, 'FAILED', { error: err.error ?? err.name, cause: err.cause ?? err.message });
      },
    );
    this.running.set(record.name, {
      abort: () => {
        this.running.delete(record.name);
        execution.abort();
      },
      done,
    });
  }

  private finish(record: ExecutionRecord, status: ExecutionStatus, extra: Partial<ExecutionRecord>): void {
    if (!this.running.has(record.name)) return;
    this.running.delete(record.name);
    Object.assign(record, { status, stopDate: Date.now() / 1000, ...extra });
    this.persist();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>) : {};
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(payload));
    };
    const arnOf = (name: string) =>
      `${body.stateMachineArn?.replace(':stateMachine:', ':execution:') ?? 'arn:aws:states:us-east-1:000000000000:execution:local'}:${name}`;
    switch (target) {
      case 'StartExecution': {
        const name = body.name;
        const existing = this.executions.get(name);
        if (existing) {
          // Same input: Step Functions treats the call as idempotent; different input is a conflict.
          if (existing.input === body.input && existing.status === 'RUNNING')
            return reply(200, { executionArn: existing.executionArn, startDate: existing.startDate });
          return reply(400, { __type: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${existing.executionArn}'` });
        }
        const record: ExecutionRecord = {
          name,
          executionArn: arnOf(name),
          stateMachineArn: body.stateMachineArn,
          input: body.input ?? '{}',
          status: 'RUNNING',
          startDate: Date.now() / 1000,
        };
        this.executions.set(name, record);
        this.persist();
        this.run(record);
        return reply(200, { executionArn: record.executionArn, startDate: record.startDate });
      }
      case 'DescribeExecution': {
        const record = [...this.executions.values()].find((r) => r.executionArn === body.executionArn);
        if (!record) return reply(400, { __type: 'ExecutionDoesNotExist', message: `Execution Does Not Exist: '${body.executionArn}'` });
        return reply(200, record);
      }
      case 'ListExecutions':
        return reply(200, {
          executions: [...this.executions.values()].map(({ executionArn, stateMachineArn, name, status, startDate, stopDate }) => ({
            executionArn,
            stateMachineArn,
            name,
            status,
            startDate,
            stopDate,
          })),
        });
      default:
        return reply(400, { __type: 'UnknownOperationException', message: `Operation ${target} is not supported by the local stand-in.` });
    }
  }
}
