// Signed batch webhooks: the KMS key that protects endpoint secrets, the delivery queue with its
// dead-letter queue, and the two functions between the tracker's terminal event and a tenant's
// receiver:
//   EventBridge rule (source finops.batch-gateway, detail-type "Batch Finished")
//     → webhooks-fan-out (retried 4 times by EventBridge, then its own dead-letter queue)
//     → delivery queue (one message per endpoint and event)
//     → webhooks-deliver (SQS event source; a failed attempt sets the message's visibility to the next
//       step of RETRY_SCHEDULE_SECONDS, ten attempts over ~40 h, then the dead-letter queue).
// Alarms fire when either dead-letter queue holds a message.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  MAX_DELIVERY_ATTEMPTS,
  RETRY_SCHEDULE_SECONDS,
  WEBHOOK_CONTEXT_PURPOSE,
  WEBHOOK_KMS_KEY_VARIABLE,
  WEBHOOK_QUEUE_URL_VARIABLE,
} from '#contracts/webhook-names';
import { WEBHOOK_FUNCTIONS } from '#contracts/routes';
import { BATCH_EVENT_DETAIL_TYPE, BATCH_EVENT_SOURCE } from '#lib/batch-tracker/state-names';
import { constructId, GatewayFunction } from '#lib/gateway-function';

/** AWS's advice for an SQS event source: the queue's visibility timeout at least 6 × the function's timeout. */
export const DELIVERY_VISIBILITY_TIMEOUT_SECONDS = 6 * WEBHOOK_FUNCTIONS.deliver.timeoutSeconds;
/** SQS's longest retention: a message outlives the whole retry schedule (~40 h) with room to spare. */
const RETENTION = Duration.days(14);

export class WebhookDelivery extends Construct {
  public readonly key: Key;
  public readonly queue: Queue;
  public readonly deadLetters: Queue;
  public readonly fanOutDeadLetters: Queue;
  public readonly deadLetterAlarms: Alarm[] = [];
  private fns: GatewayFunction[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new Key(this, 'SecretsKey', {
      description: "FinOps batch gateway webhooks: wraps the data keys that encrypt the endpoints' whsec_ signing secrets.",
      enableKeyRotation: true,
      // Without the key the stored secrets are unreadable; endpoints would have to be registered again.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Retained like every stateful resource (lib/upgrades): the queues hold deliveries still being
    // retried and those that failed every attempt, which a replacement would drop unseen.
    const queueDefaults = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    this.deadLetters = new Queue(this, 'DeliveryDeadLetters', queueDefaults);
    this.fanOutDeadLetters = new Queue(this, 'FanOutDeadLetters', queueDefaults);
    this.queue = new Queue(this, 'Deliveries', {
      ...queueDefaults,
      visibilityTimeout: Duration.seconds(DELIVERY_VISIBILITY_TIMEOUT_SECONDS),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: MAX_DELIVERY_ATTEMPTS },
    });
    for (const [alarmId, queue, what] of [
      [
        'DeliveryDeadLettersAlarm',
        this.deadLetters,
        `A webhook event failed all ${MAX_DELIVERY_ATTEMPTS} delivery attempts (over ${Math.round(RETRY_SCHEDULE_SECONDS.reduce((a, b) => a + b, 0) / 3600)} h); the message in the dead-letter queue names the endpoint and event.`,
      ],
      [
        'FanOutDeadLettersAlarm',
        this.fanOutDeadLetters,
        "A terminal batch event could not be turned into webhook deliveries after EventBridge's retries; the event is in the dead-letter queue.",
      ],
    ] as const) {
      this.deadLetterAlarms.push(
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }).createAlarm(this, alarmId, {
          alarmDescription: what,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    Validations.of(this.fanOutDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: of the EventBridge rule target webhooks-fan-out (cdk-nag only recognises dead-letter queues of other queues). An alarm watches it.',
    });
  }

  /** The functions' environment: the key ARN and the queue URL (no secret). */
  environment(): Record<string, string> {
    return { [WEBHOOK_KMS_KEY_VARIABLE]: this.key.keyArn, [WEBHOOK_QUEUE_URL_VARIABLE]: this.queue.queueUrl };
  }

  /** Creates the fan-out (with its EventBridge rule) and delivery (with its SQS event source) functions. */
  addFunctions(props: { environment: Readonly<Record<string, string>>; logRetention?: RetentionDays }): GatewayFunction[] {
    const scope = this.node.scope as Construct;
    const fanOut = new GatewayFunction(scope, constructId(WEBHOOK_FUNCTIONS.fanOut.operation), { ...WEBHOOK_FUNCTIONS.fanOut, ...props });
    new Rule(this, 'BatchFinishedRule', {
      description: 'Terminal batch states → webhook fan-out',
      eventPattern: { source: [BATCH_EVENT_SOURCE], detailType: [BATCH_EVENT_DETAIL_TYPE] },
      targets: [new LambdaFunction(fanOut, { retryAttempts: 4, maxEventAge: Duration.hours(24), deadLetterQueue: this.fanOutDeadLetters })],
    });
    const { batchSize, ...deliverSpec } = WEBHOOK_FUNCTIONS.deliver;
    const deliver = new GatewayFunction(scope, constructId(deliverSpec.operation), { ...deliverSpec, ...props });
    deliver.addEventSource(new SqsEventSource(this.queue, { batchSize, reportBatchItemFailures: true }));
    this.fns = [fanOut, deliver];
    return this.fns;
  }

  functions(): GatewayFunction[] {
    return this.fns;
  }

  /** kms:GenerateDataKey on the secrets key, for webhook-secret encryption contexts only. */
  grantSeal(grantee: IGrantable): void {
    this.grantKey(grantee, 'kms:GenerateDataKey');
  }

  /** kms:Decrypt on the secrets key, for webhook-secret encryption contexts only. */
  grantOpen(grantee: IGrantable): void {
    this.grantKey(grantee, 'kms:Decrypt');
  }

  grantQueueing(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [this.queue.queueArn] });
  }

  private grantKey(grantee: IGrantable, action: string): void {
    Grant.addToPrincipal({
      grantee,
      actions: [action],
      resourceArns: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:EncryptionContext:purpose': WEBHOOK_CONTEXT_PURPOSE } },
    });
  }
}
