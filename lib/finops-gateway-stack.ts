// Composes the gateway: storage, the Bedrock service role, provider key secrets, the batch tracker
// and the REST API, then wires each function's environment and permissions (lib/api/access.ts) and the
// S3 notification that registers direct uploads.
import { CfnOutput, Duration, Stack, StackProps, Tags, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Bucket, EventType, IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PROVIDER_NAMES, type ProviderName } from '#contracts/providers';
import { GatewayApi } from './api/api';
import { accessFor, grantFunctionAccess } from './api/access';
import { EVENT_FUNCTIONS, SCHEDULED_FUNCTIONS } from '#contracts/routes';
import { constructId, GatewayFunction } from './gateway-function';
import { BatchTracker } from './batch-tracker/batch-tracker';
import { BedrockBatchAccess } from './bedrock-access/bedrock-batch-access';
import { GatewayBuckets } from './storage/gateway-buckets';
import { GatewayTable } from './storage/gateway-table';
import { HttpProviderName, ProviderSecrets } from './storage/provider-secrets';
import { CredentialVaultKey } from './storage/credential-vault-key';
import { FinOpsDashboard } from './finops/dashboard';
import { WebConsole } from './console/web-console';
import { WebhookDelivery } from './webhooks/webhook-delivery';
import { vertexEnvironment, type VertexStackSettings } from './providers/vertex';
import type { PriceTableDocument } from '#contracts/price-table';

/** Every provider of the catalog (contracts/providers.ts). */
export const PROVIDERS: readonly ProviderName[] = PROVIDER_NAMES;

export interface FinOpsGatewayStackProps extends StackProps {
  /**
   * Buckets (names), besides the stack's own, that clients may name in storage_config /
   * output_s3_uri. Gateway functions and the Bedrock service role get read/write on them.
   * @default - none
   */
  readonly allowedBuckets?: readonly string[];
  /**
   * Accept a client's own provider key in the X-Provider-Api-Key header.
   * @default false
   */
  readonly allowProviderKeyPassThrough?: boolean;
  /**
   * The provider a request goes to when it names none.
   * @default 'openai'
   */
  readonly defaultProvider?: ProviderName;
  /**
   * Existing Secrets Manager secrets (complete ARNs) holding provider API keys, instead of new ones.
   * @default - the stack creates one secret per HTTP provider
   */
  readonly providerSecretArns?: Partial<Record<HttpProviderName, string>>;
  /** API requests per second (steady). @default 50 */
  readonly apiRateLimit?: number;
  /** API burst capacity. @default 100 */
  readonly apiBurstLimit?: number;
  /** Browser origins allowed by CORS. @default - CORS off */
  readonly corsAllowedOrigins?: readonly string[];
  /** Regions cross-region Bedrock inference profiles route to. @default - this region only */
  readonly crossRegionModelRegions?: readonly string[];
  /**
   * Further regions Bedrock batch jobs may run in. A Bedrock file stored in one of them
   * (storage_config.s3.region, in an allowed bucket) runs its job there, with regional clients and the
   * same service role; any other region is refused with a 400 naming the allowed ones.
   * @default - the stack's region only
   */
  readonly bedrockJobRegions?: readonly string[];
  /** Retention of every log group. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * Create API Gateway's account-level CloudWatch Logs role (one per account and region). Set false
   * when the account's API Gateway settings already name one.
   * @default true
   */
  readonly createApiGatewayCloudWatchRole?: boolean;
  /** Negotiated prices merged over pricing/prices.json (Lambda environment, ≤ 4 KB in total). @default - list prices */
  readonly pricesOverride?: PriceTableDocument;
  /** Serve the web console at `{URL}/console` (README "Web console"). @default true */
  readonly webConsole?: boolean;
  /** Create the FinOps CloudWatch dashboard (a dashboard costs $3/month; metrics are published either way). @default true */
  readonly dashboard?: boolean;
  /** Alarms on failed and timed-out tracker executions. @default true */
  readonly executionAlarms?: boolean;
  /**
   * Publish the FinOps CloudWatch metrics (EMF; custom metrics are billed per metric and month).
   * The dashboard graphs them, so `false` needs `dashboard: false` too.
   * @default true
   */
  readonly finopsMetrics?: boolean;
  /** Output tokens the budget estimate assumes for a request without max_tokens (FINOPS_BUDGET_DEFAULT_OUTPUT_TOKENS). @default 4096 */
  readonly budgetDefaultOutputTokens?: number;
  /** Where Vertex AI batches run: project, region, bucket, prefix (lib/providers/vertex.ts). @default - vertex unusable until a bucket is set */
  readonly vertex?: VertexStackSettings;
  /**
   * At most this many batches of a provider in flight at once (submitted, not yet finished); more wait
   * in `validating` and are submitted as earlier ones end (lambda/tracker/in-flight.ts).
   * @default - no cap
   */
  readonly maxBatchesInFlight?: Partial<Record<ProviderName, number>>;
  /**
   * The same, per model of a provider: set it for Bedrock to its quota of concurrent batch jobs per
   * model ("batch inference jobs in progress or submitted"), so the gateway never asks for more.
   * @default - no cap
   */
  readonly maxBatchesInFlightPerModel?: Partial<Record<ProviderName, number>>;
}

/** FINOPS_MAX_IN_FLIGHT_* for the tracker (lambda/tracker/in-flight.ts reads them). */
function inFlightEnvironment(props: FinOpsGatewayStackProps): Record<string, string> {
  const env: Record<string, string> = {};
  const add = (prefix: string, caps: Partial<Record<ProviderName, number>> | undefined) => {
    for (const [provider, cap] of Object.entries(caps ?? {})) {
      if (cap === undefined) continue;
      if (!PROVIDERS.includes(provider as ProviderName) || !Number.isInteger(cap) || cap < 1) {
        throw new Error(
          `FinOpsGatewayStack: ${prefix === 'FINOPS_MAX_IN_FLIGHT_' ? 'maxBatchesInFlight' : 'maxBatchesInFlightPerModel'}.${provider} must be a provider and a whole number ≥ 1, got ${cap}`,
        );
      }
      env[`${prefix}${provider.toUpperCase()}`] = String(cap);
    }
  };
  add('FINOPS_MAX_IN_FLIGHT_', props.maxBatchesInFlight);
  add('FINOPS_MAX_IN_FLIGHT_PER_MODEL_', props.maxBatchesInFlightPerModel);
  return env;
}

export class FinOpsGatewayStack extends Stack {
  public readonly table: GatewayTable;
  public readonly buckets: GatewayBuckets;
  public readonly bedrockAccess: BedrockBatchAccess;
  public readonly providerSecrets: ProviderSecrets;
  public readonly tracker: BatchTracker;
  public readonly api: GatewayApi;
  /** Registers direct uploads when S3 reports their bytes (EVENT_FUNCTIONS in contracts/routes.ts). */
  public readonly fileRegistrar: GatewayFunction;
  /** Removes expired files on a schedule (SCHEDULED_FUNCTIONS in contracts/routes.ts). */
  public readonly fileExpirer: GatewayFunction;
  /** Absent with `dashboard: false`. */
  public readonly finopsDashboard?: FinOpsDashboard;
  /** The web console (absent with webConsole: false). */
  public readonly webConsole?: WebConsole;
  /** Signed batch webhooks: secrets key, delivery queue and DLQs, fan-out and delivery functions. */
  public readonly webhooks: WebhookDelivery;

  constructor(scope: Construct, id: string, props: FinOpsGatewayStackProps = {}) {
    super(scope, id, props);
    const defaultProvider = props.defaultProvider ?? 'openai';
    if (!PROVIDERS.includes(defaultProvider)) {
      throw new Error(`FinOpsGatewayStack: defaultProvider must be one of ${PROVIDERS.join(', ')}, got "${defaultProvider}"`);
    }
    const allowedBucketNames = validateBucketNames(props.allowedBuckets ?? []);
    if (props.finopsMetrics === false && props.dashboard !== false) {
      throw new Error('FinOpsGatewayStack: the dashboard graphs the FinOps metrics; with finopsMetrics false set dashboard false too');
    }
    Tags.of(this).add('application', 'finops-batch-gateway');

    this.table = new GatewayTable(this, 'Records');
    this.buckets = new GatewayBuckets(this, 'Buckets');
    const allowedBuckets: IBucket[] = allowedBucketNames.map((name, i) => Bucket.fromBucketName(this, `AllowedBucket${i}`, name));
    this.bedrockAccess = new BedrockBatchAccess(this, 'BedrockAccess', {
      inputBucket: this.buckets.bedrockInput,
      outputBucket: this.buckets.bedrockOutput,
      extraBuckets: allowedBuckets,
      crossRegionModelRegions: props.crossRegionModelRegions,
      jobRegions: props.bedrockJobRegions,
    });
    this.providerSecrets = new ProviderSecrets(this, 'ProviderSecrets', { existingSecretArns: props.providerSecretArns });
    // Clients' own provider keys are kept (encrypted) while their batches run: only with pass-through.
    const credentialVault = props.allowProviderKeyPassThrough ? new CredentialVaultKey(this, 'CredentialVault') : undefined;

    this.webhooks = new WebhookDelivery(this, 'Webhooks');

    const stateMachineName = `${this.stackName}-batch-tracker`;
    // Every function gets the same configuration; lambda/config.ts reads these names.
    const environment: Record<string, string> = {
      FINOPS_TABLE_NAME: this.table.table.tableName,
      FINOPS_FILES_BUCKET: this.buckets.files.bucketName,
      FINOPS_BEDROCK_INPUT_BUCKET: this.buckets.bedrockInput.bucketName,
      FINOPS_BEDROCK_OUTPUT_BUCKET: this.buckets.bedrockOutput.bucketName,
      FINOPS_BEDROCK_ROLE_ARN: this.bedrockAccess.role.roleArn,
      FINOPS_STATE_MACHINE_ARN: BatchTracker.arnFor(this, stateMachineName),
      FINOPS_EVENT_BUS_NAME: 'default',
      FINOPS_DEFAULT_PROVIDER: defaultProvider,
      FINOPS_ALLOWED_BUCKETS: allowedBucketNames.join(','),
      FINOPS_BEDROCK_REGIONS: [this.region, ...(props.bedrockJobRegions ?? [])].join(','),
      FINOPS_ALLOW_PROVIDER_KEY_PASSTHROUGH: String(props.allowProviderKeyPassThrough ?? false),
      ...this.providerSecrets.environment(),
      ...(credentialVault?.environment() ?? {}),
      ...this.webhooks.environment(),
      ...(props.pricesOverride ? { FINOPS_PRICES_JSON: JSON.stringify(props.pricesOverride) } : {}),
      ...(props.finopsMetrics === false ? { FINOPS_EMF: 'false' } : {}),
      ...(props.budgetDefaultOutputTokens !== undefined
        ? { FINOPS_BUDGET_DEFAULT_OUTPUT_TOKENS: String(props.budgetDefaultOutputTokens) }
        : {}),
      ...inFlightEnvironment(props),
      ...vertexEnvironment(props.vertex),
    };

    this.tracker = new BatchTracker(this, 'BatchTracker', {
      stateMachineName,
      environment,
      logRetention: props.logRetention,
      alarms: props.executionAlarms,
    });
    this.api = new GatewayApi(this, 'Api', {
      environment,
      rateLimit: props.apiRateLimit,
      burstLimit: props.apiBurstLimit,
      corsAllowedOrigins: props.corsAllowedOrigins,
      logRetention: props.logRetention,
      createCloudWatchRole: props.createApiGatewayCloudWatchRole,
    });

    // S3 invokes it for every object created under the direct upload prefix (asynchronously: Lambda
    // retries a failed invocation twice).
    const registration = EVENT_FUNCTIONS.registerFile;
    this.fileRegistrar = new GatewayFunction(this, constructId(registration.operation), {
      ...registration,
      environment,
      logRetention: props.logRetention,
    });
    this.buckets[registration.bucket].addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.fileRegistrar), {
      prefix: registration.keyPrefix,
    });

    const expiry = SCHEDULED_FUNCTIONS.expireFiles;
    this.fileExpirer = new GatewayFunction(this, constructId(expiry.operation), {
      ...expiry,
      environment,
      logRetention: props.logRetention,
    });
    new Rule(this, 'FileExpirySchedule', {
      description: 'Removes gateway files past their expires_at',
      schedule: Schedule.rate(Duration.minutes(expiry.everyMinutes)),
      targets: [new LambdaFunction(this.fileExpirer, { retryAttempts: 2 })],
    });

    this.webhooks.addFunctions({ environment, logRetention: props.logRetention });

    const targets = {
      table: this.table.table,
      buckets: this.buckets,
      allowedBuckets,
      bedrock: this.bedrockAccess,
      providerSecrets: this.providerSecrets,
      tracker: this.tracker.stateMachine,
      credentialVault,
      webhooks: this.webhooks,
    };
    for (const fn of this.allFunctions()) {
      grantFunctionAccess(fn, accessFor(fn.operation), targets);
    }

    new CfnOutput(this, 'OpenAIBaseUrl', {
      value: this.api.openAIBaseUrl,
      description: 'baseURL for the OpenAI SDK (both /openai and /openai/v1 are served)',
    });
    new CfnOutput(this, 'BatchTrackerArn', { value: this.tracker.stateMachine.stateMachineArn });
    if (props.dashboard ?? true) {
      this.finopsDashboard = new FinOpsDashboard(this, 'FinOpsDashboard', { providers: PROVIDERS });
      new CfnOutput(this, 'FinOpsDashboardName', { value: this.finopsDashboard.dashboard.dashboardName });
    }

    if (props.webConsole ?? true) {
      this.webConsole = new WebConsole(this, 'WebConsole', { restApi: this.api.restApi, logRetention: props.logRetention });
      new CfnOutput(this, 'WebConsoleUrl', { value: this.webConsole.url, description: 'The web console: sign in with a gateway key' });
    }

    acknowledgeNagFindings(this, allowedBuckets);
  }

  /** Every gateway function: one per API operation, the authorizer, the tracker's, the S3-event and the scheduled ones. */
  allFunctions(): GatewayFunction[] {
    return [
      ...Object.values(this.api.functions),
      this.api.authorizerFunction,
      ...Object.values(this.tracker.functions),
      this.fileRegistrar,
      this.fileExpirer,
      ...this.webhooks.functions(),
    ];
  }
}

// S3 bucket naming rules, checked at synth so a typo in -c allowedBuckets fails before deploy.
const BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function validateBucketNames(names: readonly string[]): string[] {
  for (const name of names) {
    if (!BUCKET_NAME.test(name) || name.includes('..')) {
      throw new Error(`FinOpsGatewayStack: allowedBuckets entry "${name}" is not a valid S3 bucket name`);
    }
  }
  if (new Set(names).size !== names.length) throw new Error('FinOpsGatewayStack: allowedBuckets lists a bucket twice');
  return [...names];
}

/**
 * cdk-nag (AwsSolutions) findings this design accepts, each with its reason. Acknowledged on the
 * stack with the exact finding id (cdk-nag 3 has no prefix matching), so a new kind of finding still
 * fails the nag check in test/infra.
 */
function acknowledgeNagFindings(stack: FinOpsGatewayStack, allowedBuckets: readonly IBucket[]): void {
  const ack = (id: string, reason: string) => Validations.of(stack).acknowledge({ id, reason });
  const wildcardResource = (arn: string, reason: string) => ack(`AwsSolutions-IAM5[Resource::${nagResource(stack, arn)}]`, reason);

  ack(
    'AwsSolutions-IAM5[Resource::*]',
    'Only actions without resource-level permissions: X-Ray (xray:PutTraceSegments/PutTelemetryRecords, active tracing), ' +
      'CloudWatch Logs delivery for the state machine (logs:CreateLogDelivery and related) and bedrock:ListModelInvocationJobs ' +
      '(finding an orphaned job by name). test/infra checks no other action gets "*".',
  );
  for (const bucket of [stack.buckets.files, stack.buckets.bedrockInput, stack.buckets.bedrockOutput, ...allowedBuckets]) {
    wildcardResource(
      bucket.arnForObjects('*'),
      'Object-level S3 actions (Get/Put/DeleteObject) need an object ARN pattern; keys are generated per file and batch. Scoped to this one bucket, with exact actions.',
    );
  }
  wildcardResource(
    stack.buckets.files.arnForObjects(`${EVENT_FUNCTIONS.registerFile.keyPrefix}*`),
    'files-direct-upload signs PUTs of direct uploads, each to a key generated per tenant and file under this one prefix of the files bucket; s3:PutObject only.',
  );
  // CDK's deploy-time custom resource that writes the files bucket's notification configuration
  // (bucket.addEventNotification); a stack singleton with this fixed id.
  const notificationsHandler = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
  if (notificationsHandler) {
    Validations.of(notificationsHandler).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's BucketNotificationsHandler, which only runs during deployments to set the files bucket's S3 event notification, logs with the AWS-managed basic execution policy; its one other right is s3:PutBucketNotification on that bucket.",
    });
  }
  wildcardResource(
    `${stack.table.table.tableArn}/index/*`,
    'Query on the byOwner GSI needs the index ARN; the pattern only matches indexes of this one table.',
  );
  for (const jobArn of stack.bedrockAccess.jobArnPatterns) {
    wildcardResource(
      jobArn,
      'Model invocation job ids are assigned by Bedrock at creation, so jobs are matched by pattern, limited to this account and to the regions jobs may run in (the stack region and bedrockJobRegions).',
    );
  }
  for (const modelArn of stack.bedrockAccess.modelArnPatterns) {
    wildcardResource(
      modelArn,
      'The model is chosen per batch by the client (any Bedrock foundation model or inference profile); scoped to the service, region and resource type.',
    );
  }
  for (const fn of Object.values(stack.tracker.functions)) {
    wildcardResource(
      `${fn.functionArn}:*`,
      "CDK's LambdaInvoke grant covers the function's versions and aliases (FunctionArn:*); the function itself is fixed.",
    );
  }
  ack(
    'AwsSolutions-SMG4',
    'The secrets hold API keys issued by OpenAI, Anthropic and Google. They cannot be rotated by a rotation Lambda; ' +
      'rotate them in the provider console and put the new value with put-secret-value.',
  );
  ack(
    'AwsSolutions-L1',
    'Node.js 22 is the newest runtime the gateway is built and tested for (esbuild target node22); move to a newer one deliberately, with the tests.',
  );
}

/** An ARN as cdk-nag prints it in a finding id: Ref → <Name>, Fn::GetAtt → <Id.Attr>, Fn::Join → joined. */
function nagResource(stack: Stack, arn: string): string {
  const visit = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const o = node as Record<string, any>;
    if (o['Fn::Join']) return (o['Fn::Join'][1] as unknown[]).map(visit).join(o['Fn::Join'][0]);
    if (o['Fn::GetAtt']) return `<${o['Fn::GetAtt'][0]}.${o['Fn::GetAtt'][1]}>`;
    if (o.Ref) return `<${o.Ref}>`;
    return JSON.stringify(node);
  };
  return visit(stack.resolve(arn));
}
