// The batch tracker: its resource settings, its ASL (as the local gateway sees it), and that ASL run
// with aws-local-stepfunctions through the success, retry and failure paths.
import { StateMachine } from 'aws-local-stepfunctions';
import { TRACKER_FUNCTIONS } from '#contracts/routes';
import { trackerDefinitionFromTemplate } from '#lib/batch-tracker/asl';
import { BATCH_EVENT_DETAIL_TYPE, BATCH_EVENT_SOURCE, TrackerState } from '#lib/batch-tracker/state-names';
import { Built, buildStack, logicalIdOf } from './helpers';

let built: Built;
let asl: any;
beforeAll(() => {
  built = buildStack();
  asl = trackerDefinitionFromTemplate(built.json);
});

const LAMBDA_TASKS = [
  TrackerState.prepareInput,
  TrackerState.submit,
  TrackerState.checkStatus,
  TrackerState.collectResults,
  TrackerState.markFailed,
];

describe('state machine resource', () => {
  test('Standard, traced, logging ALL without execution data, to its own log group', () => {
    built.template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    const machine = built.json.Resources[logicalIdOf(built.stack.tracker.stateMachine)].Properties;
    expect(machine.StateMachineType).toBe('STANDARD');
    expect(machine.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.LoggingConfiguration).toEqual({
      Level: 'ALL',
      IncludeExecutionData: false,
      Destinations: [
        { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalIdOf(built.stack.tracker.executionLogs), 'Arn'] } } },
      ],
    });
  });

  test.each([
    ['ExecutionsFailed', 'failedAlarm'],
    ['ExecutionsTimedOut', 'timedOutAlarm'],
  ] as const)('alarm on %s ≥ 1', (metric, property) => {
    const alarm = built.json.Resources[logicalIdOf(built.stack.tracker[property]!)].Properties;
    expect(alarm).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: metric,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalIdOf(built.stack.tracker.stateMachine) } }],
    });
  });

  test('tracker functions exist with their route-table sizing', () => {
    for (const [key, spec] of Object.entries(TRACKER_FUNCTIONS)) {
      const fn = built.json.Resources[logicalIdOf(built.stack.tracker.functions[key as keyof typeof TRACKER_FUNCTIONS])].Properties;
      expect([fn.MemorySize, fn.Timeout]).toEqual([spec.memoryMb, spec.timeoutSeconds]);
    }
  });
});

describe('definition (ASL)', () => {
  // Issue 12: the workflow prepares and submits the batch before it polls.
  test('has exactly the TrackerState states, starting with preparing the input', () => {
    expect(Object.keys(asl.States).sort()).toEqual(Object.values(TrackerState).sort());
    expect(asl.StartAt).toBe(TrackerState.prepareInput);
    expect(asl.States[TrackerState.prepareInput].Next).toBe(TrackerState.submit);
    expect(asl.States[TrackerState.submit].Next).toBe(TrackerState.isSubmitted);
  });

  test('submit: submitted → check, collect → collect (refused/expired before submission), done → finished, otherwise wait and submit again', () => {
    const submit = asl.States[TrackerState.submit];
    expect(submit.Parameters.Payload).toEqual({ 'batchId.$': '$.batchId', 'provider.$': '$.provider' });
    expect(submit.ResultPath).toBe('$.check');
    expect(submit.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: TrackerState.markFailed }]);
    const choice = asl.States[TrackerState.isSubmitted];
    expect(choice.Choices).toEqual([
      { Variable: '$.check.next', StringEquals: 'submitted', Next: TrackerState.checkStatus },
      { Variable: '$.check.next', StringEquals: 'collect', Next: TrackerState.collectResults },
      { Variable: '$.check.next', StringEquals: 'done', Next: TrackerState.finished },
    ]);
    expect(choice.Default).toBe(TrackerState.waitToSubmit);
    expect(asl.States[TrackerState.waitToSubmit]).toEqual({ Type: 'Wait', SecondsPath: '$.check.waitSeconds', Next: TrackerState.submit });
  });

  test('collect: announce when collected, otherwise wait and collect again', () => {
    const choice = asl.States[TrackerState.isCollected];
    expect(choice.Choices).toEqual([{ Variable: '$.result.next', StringEquals: 'wait', Next: TrackerState.waitToCollect }]);
    expect(choice.Default).toBe(TrackerState.announceFinished);
    expect(asl.States[TrackerState.waitToCollect]).toEqual({
      Type: 'Wait',
      SecondsPath: '$.result.waitSeconds',
      Next: TrackerState.collectResults,
    });
  });

  test('execution timeout is an 8-day backstop', () => {
    expect(asl.TimeoutSeconds).toBe(8 * 24 * 3600);
  });

  test('every Resource and FunctionName is a plain string (placeholder ARNs)', () => {
    for (const state of Object.values<any>(asl.States)) {
      if (state.Type !== 'Task') continue;
      expect(typeof state.Resource).toBe('string');
      if (state.Parameters.FunctionName !== undefined) {
        expect(state.Parameters.FunctionName).toMatch(/^arn:aws:lambda:us-east-1:000000000000:function:\w+$/);
      }
    }
  });

  test.each(LAMBDA_TASKS)('%s invokes the right function', (name) => {
    const key = {
      [TrackerState.prepareInput]: 'prepareInput',
      [TrackerState.submit]: 'submitBatch',
      [TrackerState.checkStatus]: 'checkStatus',
      [TrackerState.collectResults]: 'collectResults',
      [TrackerState.markFailed]: 'markFailed',
    }[name] as keyof typeof TRACKER_FUNCTIONS;
    const state = asl.States[name];
    expect(state.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(state.Parameters.FunctionName).toBe(
      `arn:aws:lambda:us-east-1:000000000000:function:${logicalIdOf(built.stack.tracker.functions[key])}`,
    );
  });

  test.each(LAMBDA_TASKS)('%s retries transient Lambda and provider errors with capped, jittered backoff', (name) => {
    expect(asl.States[name].Retry).toEqual([
      {
        ErrorEquals: [
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
          'ProviderUnavailable',
          'States.Timeout',
        ],
        IntervalSeconds: 5,
        BackoffRate: 2,
        MaxAttempts: 6,
        MaxDelaySeconds: 300,
        JitterStrategy: 'FULL',
      },
    ]);
  });

  test('check: payload, result selector and catch', () => {
    const check = asl.States[TrackerState.checkStatus];
    expect(check.Parameters.Payload).toEqual({ 'batchId.$': '$.batchId', 'provider.$': '$.provider' });
    expect(check.ResultSelector).toEqual({
      'next.$': '$.Payload.next',
      'waitSeconds.$': '$.Payload.waitSeconds',
      'outcome.$': '$.Payload.outcome',
    });
    expect(check.ResultPath).toBe('$.check');
    expect(check.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: TrackerState.markFailed }]);
    expect(check.Next).toBe(TrackerState.isDone);
  });

  test('choice: collect, done, resubmit (a full queue sent it back), otherwise wait; wait loops back to the check', () => {
    const choice = asl.States[TrackerState.isDone];
    expect(choice.Choices).toEqual([
      { Variable: '$.check.next', StringEquals: 'collect', Next: TrackerState.collectResults },
      { Variable: '$.check.next', StringEquals: 'done', Next: TrackerState.finished },
      { Variable: '$.check.next', StringEquals: 'resubmit', Next: TrackerState.waitToSubmit },
    ]);
    expect(choice.Default).toBe(TrackerState.wait);
    expect(asl.States[TrackerState.wait]).toEqual({ Type: 'Wait', SecondsPath: '$.check.waitSeconds', Next: TrackerState.checkStatus });
  });

  test('collect and mark-failed pass what their handlers need', () => {
    const collect = asl.States[TrackerState.collectResults];
    expect(collect.Parameters.Payload).toEqual({ 'batchId.$': '$.batchId', 'provider.$': '$.provider', 'outcome.$': '$.check.outcome' });
    expect(collect.ResultSelector).toEqual({
      'next.$': '$.Payload.next',
      'waitSeconds.$': '$.Payload.waitSeconds',
      'batch.$': '$.Payload.batch',
    });
    expect(collect.ResultPath).toBe('$.result');
    expect(collect.Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: TrackerState.markFailed });
    const markFailed = asl.States[TrackerState.markFailed];
    expect(markFailed.Parameters.Payload).toEqual({ 'batchId.$': '$.batchId', 'provider.$': '$.provider', 'error.$': '$.error' });
    expect(markFailed.Next).toBe(TrackerState.announceFailed);
  });

  test.each([
    [TrackerState.announceFinished, TrackerState.finished],
    [TrackerState.announceFailed, TrackerState.trackingFailed],
  ])('%s puts the batch on the default bus, with retries, then → %s', (name, next) => {
    const state = asl.States[name];
    expect(state.Resource).toBe('arn:aws:states:::events:putEvents');
    expect(state.Parameters.Entries).toEqual([
      {
        'Detail.$': '$.result.batch',
        DetailType: BATCH_EVENT_DETAIL_TYPE,
        Source: BATCH_EVENT_SOURCE,
        EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/default',
      },
    ]);
    expect(state.Retry.length).toBeGreaterThan(0);
    expect(state.Next).toBe(next);
  });

  test('tracking failure ends in a Fail state', () => {
    expect(asl.States[TrackerState.trackingFailed]).toMatchObject({ Type: 'Fail', Error: 'BatchTrackingFailed' });
    expect(asl.States[TrackerState.finished]).toEqual({ Type: 'Succeed' });
  });
});

describe('the synthesized ASL runs locally', () => {
  type Handler = (input: any) => unknown;
  const lambda =
    (fn: (payload: any) => unknown): Handler =>
    async (input: any) => ({ StatusCode: 200, Payload: await fn(input.Payload) });
  const providerUnavailable = () => Object.assign(new Error('provider said 503'), { name: 'ProviderUnavailable' });

  function run(handlers: Record<string, Handler>) {
    const events: any[] = [];
    const putEvents: Handler = (input: any) => {
      events.push(...input.Entries);
      return { Entries: input.Entries.map(() => ({ EventId: 'e-1' })), FailedEntryCount: 0 };
    };
    const machine = new StateMachine(asl);
    const execution = machine.run(
      { batchId: 'batch_abc', provider: 'anthropic' },
      {
        overrides: {
          taskResourceLocalHandlers: {
            [TrackerState.announceFinished]: putEvents,
            [TrackerState.announceFailed]: putEvents,
            [TrackerState.prepareInput]: lambda(() => ({ next: 'submit' })),
            [TrackerState.submit]: lambda(() => ({ next: 'submitted', waitSeconds: 0, outcome: null })),
            ...handlers,
          } as any,
          waitTimeOverrides: { [TrackerState.wait]: 1, [TrackerState.waitToSubmit]: 1, [TrackerState.waitToCollect]: 1 },
          retryIntervalOverrides: Object.fromEntries(LAMBDA_TASKS.map((n) => [n, 1])),
        },
      },
    );
    return { result: execution.result, events };
  }

  test('polls until the provider is done, collects, announces, succeeds', async () => {
    const checks: any[] = [];
    const answers = [
      { next: 'wait', waitSeconds: 60, outcome: null },
      { next: 'wait', waitSeconds: 60, outcome: null },
      { next: 'collect', waitSeconds: null, outcome: { status: 'completed' } },
    ];
    const collected: any[] = [];
    const { result, events } = run({
      [TrackerState.checkStatus]: lambda((payload) => {
        checks.push(payload);
        return answers[checks.length - 1];
      }),
      [TrackerState.collectResults]: lambda((payload) => {
        collected.push(payload);
        return { next: 'announce', waitSeconds: 0, batch: { id: 'batch_abc', status: 'completed' } };
      }),
    });
    const output: any = await result;
    expect(checks).toHaveLength(3);
    expect(checks[0]).toEqual({ batchId: 'batch_abc', provider: 'anthropic' });
    expect(collected).toEqual([{ batchId: 'batch_abc', provider: 'anthropic', outcome: { status: 'completed' } }]);
    expect(events).toEqual([
      expect.objectContaining({
        Detail: { id: 'batch_abc', status: 'completed' },
        DetailType: BATCH_EVENT_DETAIL_TYPE,
        Source: BATCH_EVENT_SOURCE,
      }),
    ]);
    expect(output.result.batch).toEqual({ id: 'batch_abc', status: 'completed' });
  });

  test('"done" (e.g. cancelled with nothing to collect) finishes without collecting or announcing', async () => {
    const { result, events } = run({
      [TrackerState.checkStatus]: lambda(() => ({ next: 'done', waitSeconds: null, outcome: null })),
      [TrackerState.collectResults]: lambda(() => {
        throw new Error('must not be called');
      }),
    });
    await expect(result).resolves.toMatchObject({ batchId: 'batch_abc', check: { next: 'done' } });
    expect(events).toEqual([]);
  });

  test('a provider outage is retried, then tracking continues', async () => {
    let calls = 0;
    const { result } = run({
      [TrackerState.checkStatus]: lambda(() => {
        calls += 1;
        if (calls <= 2) throw providerUnavailable();
        return { next: 'done', waitSeconds: null, outcome: null };
      }),
    });
    await expect(result).resolves.toBeDefined();
    expect(calls).toBe(3);
  });

  test('a permanent error marks the batch failed, announces it, and fails the execution', async () => {
    const markFailed: any[] = [];
    const { result, events } = run({
      [TrackerState.checkStatus]: lambda(() => {
        throw Object.assign(new Error('the provider lost batch msgbatch_1'), { name: 'ProviderLostBatch' });
      }),
      [TrackerState.markFailed]: lambda((payload) => {
        markFailed.push(payload);
        return { id: 'batch_abc', status: 'failed' };
      }),
    });
    await expect(result).rejects.toMatchObject({ cause: { name: 'BatchTrackingFailed' } });
    expect(markFailed).toEqual([
      { batchId: 'batch_abc', provider: 'anthropic', error: { Error: 'ProviderLostBatch', Cause: 'the provider lost batch msgbatch_1' } },
    ]);
    expect(events).toEqual([expect.objectContaining({ Detail: { id: 'batch_abc', status: 'failed' }, Source: BATCH_EVENT_SOURCE })]);
  });

  test('an outage that outlasts every retry also ends in "Mark batch failed"', async () => {
    let calls = 0;
    let marked = 0;
    const { result } = run({
      [TrackerState.checkStatus]: lambda(() => {
        calls += 1;
        throw providerUnavailable();
      }),
      [TrackerState.markFailed]: lambda(() => {
        marked += 1;
        return { id: 'batch_abc', status: 'failed' };
      }),
    });
    await expect(result).rejects.toMatchObject({ cause: { name: 'BatchTrackingFailed' } });
    expect(calls).toBe(7); // the first try and 6 retries
    expect(marked).toBe(1);
  });

  test('a full or throttled provider: submit waits and tries again, collect waits and tries again, then announced', async () => {
    const submits: unknown[] = [];
    let collects = 0;
    const { result, events } = run({
      [TrackerState.submit]: lambda((payload) => {
        submits.push(payload);
        return submits.length < 3 ? { next: 'wait', waitSeconds: 60, outcome: null } : { next: 'submitted', waitSeconds: 0, outcome: null };
      }),
      [TrackerState.checkStatus]: lambda(() => ({ next: 'collect', waitSeconds: 0, outcome: 'completed' })),
      [TrackerState.collectResults]: lambda(() => {
        collects += 1;
        return collects < 2
          ? { next: 'wait', waitSeconds: 60, batch: null }
          : { next: 'announce', waitSeconds: 0, batch: { id: 'batch_abc', status: 'completed' } };
      }),
    });
    await expect(result).resolves.toMatchObject({ result: { batch: { status: 'completed' } } });
    expect(submits).toHaveLength(3);
    expect(collects).toBe(2);
    expect(events).toHaveLength(1);
  });

  test('a batch refused before submission goes straight to collect with its outcome, and is announced', async () => {
    const collected: any[] = [];
    const { result, events } = run({
      [TrackerState.submit]: lambda(() => ({ next: 'collect', waitSeconds: 0, outcome: 'failed' })),
      [TrackerState.checkStatus]: lambda(() => {
        throw new Error('must not be called');
      }),
      [TrackerState.collectResults]: lambda((payload) => {
        collected.push(payload);
        return { next: 'announce', waitSeconds: 0, batch: { id: 'batch_abc', status: 'failed' } };
      }),
    });
    await expect(result).resolves.toBeDefined();
    expect(collected).toEqual([{ batchId: 'batch_abc', provider: 'anthropic', outcome: 'failed' }]);
    expect(events).toEqual([expect.objectContaining({ Detail: { id: 'batch_abc', status: 'failed' } })]);
  });
});
