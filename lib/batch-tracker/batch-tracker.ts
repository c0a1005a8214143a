// The batch tracker: a Standard state machine (lib/batch-tracker/definition.ts) and the five
// functions it invokes, with logs, tracing and alarms on executions that fail or time out.
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { constructId, GatewayFunction } from '#lib/gateway-function';
import { TRACKER_FUNCTIONS } from '#contracts/routes';
import { trackerDefinition } from './definition';

export interface BatchTrackerProps {
  /**
   * The state machine's name. Fixed (not generated) so functions can be told its ARN without a
   * dependency cycle: the machine depends on the tracker functions, which carry the ARN.
   */
  readonly stateMachineName: string;
  /** FINOPS_* variables for the tracker functions (see lambda/config.ts). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Retention of the execution log and of the functions' log groups.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Alarms on failed and timed-out executions ($0.10 a month each).
   * @default true
   */
  readonly alarms?: boolean;
}

/**
 * A backstop only: the check function expires a batch itself once its completion window (plus
 * grace) has passed. Longest provider window (24 h, Bedrock jobs up to 7 days) plus margin.
 */
export const TRACKER_TIMEOUT = Duration.days(8);

export class BatchTracker extends Construct {
  /** arn:…:states:<region>:<account>:stateMachine:<name>, known before the machine exists. */
  static arnFor(scope: Construct, stateMachineName: string): string {
    return Stack.of(scope).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  public readonly stateMachine: StateMachine;
  public readonly functions: Readonly<{
    prepareInput: GatewayFunction;
    submitBatch: GatewayFunction;
    checkStatus: GatewayFunction;
    collectResults: GatewayFunction;
    markFailed: GatewayFunction;
  }>;
  public readonly executionLogs: LogGroup;
  /** ExecutionsFailed ≥ 1 in 5 minutes: a batch the gateway could not track to the end (absent with alarms: false). */
  public readonly failedAlarm?: Alarm;
  /** ExecutionsTimedOut ≥ 1 in 5 minutes: a batch still open after TRACKER_TIMEOUT (absent with alarms: false). */
  public readonly timedOutAlarm?: Alarm;

  constructor(scope: Construct, id: string, props: BatchTrackerProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(props.stateMachineName)) {
      throw new Error(`BatchTracker: stateMachineName must be 1-80 letters, digits, "-" or "_", got "${props.stateMachineName}"`);
    }
    const retention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const fn = (spec: (typeof TRACKER_FUNCTIONS)[keyof typeof TRACKER_FUNCTIONS]) =>
      new GatewayFunction(this, constructId(spec.operation), { ...spec, environment: props.environment, logRetention: retention });
    this.functions = {
      prepareInput: fn(TRACKER_FUNCTIONS.prepareInput),
      submitBatch: fn(TRACKER_FUNCTIONS.submitBatch),
      checkStatus: fn(TRACKER_FUNCTIONS.checkStatus),
      collectResults: fn(TRACKER_FUNCTIONS.collectResults),
      markFailed: fn(TRACKER_FUNCTIONS.markFailed),
    };

    this.executionLogs = new LogGroup(this, 'ExecutionLogs', {
      // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's CloudWatch Logs
      // resource policy with every state machine.
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retention,
    });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      comment: 'Follows one batch from submission to its terminal state, then announces it on EventBridge',
      definitionBody: DefinitionBody.fromChainable(
        trackerDefinition(this, {
          ...this.functions,
          eventBus: EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
        }),
      ),
      timeout: TRACKER_TIMEOUT,
      tracingEnabled: true,
      // Execution data stays out of the logs: payloads and errors may quote user prompts.
      logs: { destination: this.executionLogs, level: LogLevel.ALL, includeExecutionData: false },
    });

    if (props.alarms === false) return;
    const alarmOn = (alarmId: string, metric: ReturnType<StateMachine['metricFailed']>, description: string) =>
      metric.createAlarm(this, alarmId, {
        alarmDescription: description,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    const fiveMinuteSum = { period: Duration.minutes(5), statistic: 'Sum' };
    this.failedAlarm = alarmOn(
      'ExecutionsFailedAlarm',
      this.stateMachine.metricFailed(fiveMinuteSum),
      'A batch tracker execution failed: a batch may be stuck or its results uncollected. Open the execution and look at "Mark batch failed".',
    );
    this.timedOutAlarm = alarmOn(
      'ExecutionsTimedOutAlarm',
      this.stateMachine.metricTimedOut(fiveMinuteSum),
      'A batch tracker execution ran for 8 days without finishing: the batch was never marked completed or expired.',
    );
  }
}
