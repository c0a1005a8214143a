// The batch tracker's states, as a CDK chain. One execution follows one batch:
//
//   Check batch status ──▶ Is the batch done? ──collect──▶ Collect results ──▶ Announce batch finished ──▶ Batch finished
//        ▲                       │ done ─────────────────────────────────────────────────────────────────▶ Batch finished
//        └─ Wait before next check ◀─ otherwise
//   any Lambda failure (after retries) ──▶ Mark batch failed ──▶ Announce tracking failure ──▶ Tracking failed
//
// The Lambdas decide (next / waitSeconds / outcome); this definition only moves between them, so the
// same JSON runs in the cloud and locally (lib/batch-tracker/asl.ts).
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
  const invoke = (id: string, fn: LambdaFunction, payload: Record<string, unknown>, resultSelector: Record<string, unknown>, resultPath: string) =>
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
    .next(new Fail(scope, TrackerState.trackingFailed, { error: 'BatchTrackingFailed', cause: `See the "${TrackerState.markFailed}" step of this execution` }));

  const collect = invoke(
    TrackerState.collectResults,
    props.collectResults,
    { ...batchRef, outcome: JsonPath.objectAt('$.check.outcome') },
    { batch: JsonPath.objectAt('$.Payload') },
    '$.result',
  ).addCatch(markFailed, { errors: [Errors.ALL], resultPath: '$.error' });
  collect.next(announce(TrackerState.announceFinished)).next(finished);

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

  return check.next(
    new Choice(scope, TrackerState.isDone)
      .when(Condition.stringEquals('$.check.next', 'collect'), collect)
      .when(Condition.stringEquals('$.check.next', 'done'), finished)
      .otherwise(waitBeforeNextCheck),
  );
}
