// The batch tracker's states, as a CDK chain. One execution follows one batch:
//
//   Prepare input ──▶ Submit to provider ──▶ Was the batch submitted? ──submitted──▶ Check batch status
//                           ▲                      │ wait (provider full, throttled, down; input not ready)
//                           └── Wait before submitting again ◀┘   collect (rejected / expired / cancelled before submission)
//   Check batch status ──▶ Is the batch done? ──collect──▶ Collect results ──▶ Were the results collected?
//        ▲                       │ done ──▶ Batch finished    resubmit ──▶ Wait before submitting again
//        └─ Wait before next check ◀─ otherwise            Were the results collected? ──announce──▶ Announce batch finished ──▶ Batch finished
//                                                              └─ wait ──▶ Wait before collecting again ──▶ Collect results
//   any Lambda failure (after retries) ──▶ Mark batch failed ──▶ Announce tracking failure ──▶ Tracking failed
//
// The Lambdas decide (next / waitSeconds / outcome); this definition only moves between them, so the
// same JSON runs in the cloud and locally (lib/batch-tracker/asl.ts). A provider's transient errors
// (429, 5xx, timeouts) never reach the Retry below: each step turns them into a "wait" decision whose
// wait grows like the poll wait (contracts/schedule.ts), until the batch's window plus grace.
// The Retry is for Lambda's own failures (and is a safety net for a ProviderUnavailable that escaped).
import { Duration } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  Errors,
  Fail,
  IChainable,
  JitterType,
  JsonPath,
  RetryProps,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { EventBridgePutEvents, LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { BATCH_EVENT_DETAIL_TYPE, BATCH_EVENT_SOURCE, TrackerState } from './state-names';

export interface TrackerDefinitionProps {
  readonly prepareInput: LambdaFunction;
  readonly submitBatch: LambdaFunction;
  readonly checkStatus: LambdaFunction;
  readonly collectResults: LambdaFunction;
  readonly markFailed: LambdaFunction;
  /** Where "batch finished" events go (the account's default bus). */
  readonly eventBus: IEventBus;
}

/** Errors worth another try: Lambda's own transient failures, throttling, a provider outage, a slow call. */
export const TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  // lambda/providers/errors.ts ProviderUnavailableError.name
  'ProviderUnavailable',
  Errors.TIMEOUT,
];

/** 5 s, 10 s, 20 s … capped at 5 minutes, six tries: rides out a provider outage of ~10 minutes. */
export const LAMBDA_RETRY: RetryProps = {
  errors: TRANSIENT_ERRORS,
  interval: Duration.seconds(5),
  backoffRate: 2,
  maxAttempts: 6,
  maxDelay: Duration.seconds(300),
  jitterStrategy: JitterType.FULL,
};

/** PutEvents rarely fails; when it does, a few quick tries are enough. */
const EVENT_RETRY: RetryProps = {
  errors: [Errors.TASKS_FAILED],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 5,
  jitterStrategy: JitterType.FULL,
};

const TASK_TIMEOUT_SLACK = Duration.seconds(30);

const batchRef = { batchId: JsonPath.stringAt('$.batchId'), provider: JsonPath.stringAt('$.provider') };

export function trackerDefinition(scope: Construct, props: TrackerDefinitionProps): IChainable {
  // CDK's own default retry (retryOnServiceExceptions) is replaced by LAMBDA_RETRY on every task.
  const invoke = (
    id: string,
    fn: LambdaFunction,
    payload: Record<string, unknown>,
    resultSelector: Record<string, unknown>,
    resultPath: string,
  ) =>
    new LambdaInvoke(scope, id, {
      lambdaFunction: fn,
      payload: TaskInput.fromObject(payload),
      resultSelector,
      resultPath,
      retryOnServiceExceptions: false,
      // The function's own timeout plus slack, written into the ASL so the local runner (whose
      // default task timeout is 60 s) bounds a task exactly as the cloud does.
      taskTimeout: Timeout.duration((fn.timeout ?? Duration.seconds(3)).plus(TASK_TIMEOUT_SLACK)),
    }).addRetry(LAMBDA_RETRY);

  const announce = (id: string) =>
    new EventBridgePutEvents(scope, id, {
      entries: [
        {
          detail: TaskInput.fromJsonPathAt('$.result.batch'),
          detailType: BATCH_EVENT_DETAIL_TYPE,
          source: BATCH_EVENT_SOURCE,
          eventBus: props.eventBus,
        },
      ],
      // Keep the state (batch id, result) as it was; the PutEvents answer says nothing useful.
      resultPath: JsonPath.DISCARD,
    }).addRetry(EVENT_RETRY);

  const finished = new Succeed(scope, TrackerState.finished);

  const markFailed = invoke(
    TrackerState.markFailed,
    props.markFailed,
    { ...batchRef, error: JsonPath.objectAt('$.error') },
    { batch: JsonPath.objectAt('$.Payload') },
    '$.result',
  )
    .next(announce(TrackerState.announceFailed))
    .next(
      new Fail(scope, TrackerState.trackingFailed, {
        error: 'BatchTrackingFailed',
        cause: `See the "${TrackerState.markFailed}" step of this execution`,
      }),
    );

  const collect = invoke(
    TrackerState.collectResults,
    props.collectResults,
    { ...batchRef, outcome: JsonPath.objectAt('$.check.outcome') },
    {
      next: JsonPath.stringAt('$.Payload.next'),
      waitSeconds: JsonPath.objectAt('$.Payload.waitSeconds'),
      batch: JsonPath.objectAt('$.Payload.batch'),
    },
    '$.result',
  ).addCatch(markFailed, { errors: [Errors.ALL], resultPath: '$.error' });
  const waitToCollect = new Wait(scope, TrackerState.waitToCollect, { time: WaitTime.secondsPath('$.result.waitSeconds') }).next(collect);
  collect.next(
    new Choice(scope, TrackerState.isCollected)
      .when(Condition.stringEquals('$.result.next', 'wait'), waitToCollect)
      .otherwise(announce(TrackerState.announceFinished).next(finished)),
  );

  const check = invoke(
    TrackerState.checkStatus,
    props.checkStatus,
    batchRef,
    {
      next: JsonPath.stringAt('$.Payload.next'),
      waitSeconds: JsonPath.objectAt('$.Payload.waitSeconds'),
      outcome: JsonPath.objectAt('$.Payload.outcome'),
    },
    '$.check',
  ).addCatch(markFailed, { errors: [Errors.ALL], resultPath: '$.error' });

  const waitBeforeNextCheck = new Wait(scope, TrackerState.wait, { time: WaitTime.secondsPath('$.check.waitSeconds') }).next(check);

  // Submit writes its decision where the check does ($.check), so "collect" passes the outcome on.
  const submit = invoke(
    TrackerState.submit,
    props.submitBatch,
    batchRef,
    {
      next: JsonPath.stringAt('$.Payload.next'),
      waitSeconds: JsonPath.objectAt('$.Payload.waitSeconds'),
      outcome: JsonPath.objectAt('$.Payload.outcome'),
    },
    '$.check',
  ).addCatch(markFailed, { errors: [Errors.ALL], resultPath: '$.error' });
  const waitToSubmit = new Wait(scope, TrackerState.waitToSubmit, { time: WaitTime.secondsPath('$.check.waitSeconds') }).next(submit);

  const prepare = invoke(
    TrackerState.prepareInput,
    props.prepareInput,
    batchRef,
    { next: JsonPath.stringAt('$.Payload.next') },
    '$.prepare',
  ).addCatch(markFailed, {
    errors: [Errors.ALL],
    resultPath: '$.error',
  });

  check.next(
    new Choice(scope, TrackerState.isDone)
      .when(Condition.stringEquals('$.check.next', 'collect'), collect)
      .when(Condition.stringEquals('$.check.next', 'done'), finished)
      // The provider refused the batch for a full queue after accepting it (OpenAI token_limit_exceeded).
      .when(Condition.stringEquals('$.check.next', 'resubmit'), waitToSubmit)
      .otherwise(waitBeforeNextCheck),
  );
  return prepare
    .next(submit)
    .next(
      new Choice(scope, TrackerState.isSubmitted)
        .when(Condition.stringEquals('$.check.next', 'submitted'), check)
        .when(Condition.stringEquals('$.check.next', 'collect'), collect)
        .when(Condition.stringEquals('$.check.next', 'done'), finished)
        .otherwise(waitToSubmit),
    );
}
