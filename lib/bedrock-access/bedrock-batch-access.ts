// The service role Bedrock assumes to run a model invocation job, and the grants that let gateway
// functions drive such jobs. Bedrock reads staged input and writes output with this role, so it may
// touch exactly the two staging buckets (plus buckets the operator explicitly allows) and invoke
// models in this region; nothing else.
import { Stack } from 'aws-cdk-lib';
import { Grant, IGrantable, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export const BEDROCK_SERVICE = 'bedrock.amazonaws.com';

export interface BedrockBatchAccessProps {
  /** Where the gateway stages converted input; the job only reads it. */
  readonly inputBucket: IBucket;
  /** Where the job writes its output; the job writes and reads it back (manifest). */
  readonly outputBucket: IBucket;
  /**
   * Further buckets a client may name in storage_config (the stack's allowedBuckets). The job may
   * read and write them. They may belong to another account, so no aws:ResourceAccount condition.
   * @default - none
   */
  readonly extraBuckets?: readonly IBucket[];
  /**
   * Regions a cross-region inference profile (e.g. `us.anthropic…`) routes requests to. A job using
   * such a profile must be allowed to invoke the foundation model in each of them.
   * @default - this stack's region only
   */
  readonly crossRegionModelRegions?: readonly string[];
  /**
   * Further regions jobs may run in (the stack's bedrockJobRegions): a job runs in its input bucket's
   * region. Jobs there may assume the role, and the gateway may drive them and their models.
   * @default - this stack's region only
   */
  readonly jobRegions?: readonly string[];
}

/** Caller-side job control, scoped to job, model and profile ARNs. */
const JOB_CONTROL_ACTIONS = [
  'bedrock:CreateModelInvocationJob',
  'bedrock:GetModelInvocationJob',
  'bedrock:StopModelInvocationJob',
  'bedrock:TagResource',
];

export class BedrockBatchAccess extends Construct {
  /** The role passed as `roleArn` to CreateModelInvocationJob. */
  public readonly role: Role;
  /** arn:…:bedrock:<region>:<account>:model-invocation-job/* */
  public readonly jobArnPattern: string;
  /** jobArnPattern for this region and every further job region. */
  public readonly jobArnPatterns: readonly string[];
  /** Foundation models (this region and any cross-region profile targets) and inference profiles. */
  public readonly modelArnPatterns: readonly string[];

  constructor(scope: Construct, id: string, props: BedrockBatchAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    for (const [prop, regions] of Object.entries({
      crossRegionModelRegions: props.crossRegionModelRegions,
      jobRegions: props.jobRegions,
    })) {
      for (const region of regions ?? []) {
        if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
          throw new Error(`BedrockBatchAccess: ${prop} has "${region}", which is not a region name like us-west-2`);
        }
      }
    }
    const jobRegions = [...new Set(props.jobRegions ?? [])].filter((r) => r !== stack.region);

    const jobArns = (region?: string) =>
      stack.formatArn({ service: 'bedrock', region, resource: 'model-invocation-job', resourceName: '*' });
    this.jobArnPattern = jobArns();
    this.jobArnPatterns = [this.jobArnPattern, ...jobRegions.map(jobArns)];
    const foundationModels = (region?: string) =>
      // Foundation models belong to the service, not to an account: their ARNs have an empty account.
      stack.formatArn({ service: 'bedrock', region, account: '', resource: 'foundation-model', resourceName: '*' });
    const profiles = (region?: string) => stack.formatArn({ service: 'bedrock', region, resource: 'inference-profile', resourceName: '*' });
    this.modelArnPatterns = [
      foundationModels(),
      ...[...new Set([...(props.crossRegionModelRegions ?? []), ...jobRegions])].map(foundationModels),
      profiles(),
      ...jobRegions.map(profiles),
    ];

    const sameAccount = { StringEquals: { 'aws:ResourceAccount': stack.account } };
    const statements = [
      new PolicyStatement({
        sid: 'ReadStagedInput',
        actions: ['s3:GetObject', 's3:ListBucket'],
        resources: [props.inputBucket.bucketArn, props.inputBucket.arnForObjects('*')],
        conditions: sameAccount,
      }),
      new PolicyStatement({
        sid: 'WriteJobOutput',
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListBucket'],
        resources: [props.outputBucket.bucketArn, props.outputBucket.arnForObjects('*')],
        conditions: sameAccount,
      }),
      new PolicyStatement({
        sid: 'InvokeModels',
        actions: ['bedrock:InvokeModel'],
        resources: [...this.modelArnPatterns],
      }),
    ];
    const extraBuckets = props.extraBuckets ?? [];
    if (extraBuckets.length > 0) {
      statements.push(
        new PolicyStatement({
          sid: 'UseAllowedBuckets',
          actions: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'],
          resources: extraBuckets.flatMap((b) => [b.bucketArn, b.arnForObjects('*')]),
        }),
      );
    }

    this.role = new Role(this, 'ServiceRole', {
      description: 'Assumed by Amazon Bedrock to run the FinOps gateway model invocation jobs',
      // Confused-deputy guard: only jobs of this account may assume the role.
      assumedBy: new ServicePrincipal(BEDROCK_SERVICE, {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': this.jobArnPatterns.length === 1 ? this.jobArnPattern : [...this.jobArnPatterns] },
        },
      }),
      inlinePolicies: { BatchJobAccess: new PolicyDocument({ statements }) },
    });
  }

  /** iam:PassRole on the service role, only towards Bedrock. */
  grantPassRole(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: [this.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': BEDROCK_SERVICE } },
    });
  }

  /** Create, read, stop and tag model invocation jobs (with this role), and list them, nothing else. */
  grantJobControl(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: JOB_CONTROL_ACTIONS,
      resourceArns: [...this.jobArnPatterns, ...this.modelArnPatterns],
    });
    // ListModelInvocationJobs has no resource-level permissions, so it can only be granted on "*".
    // The Bedrock adapter lists by job name to stop a job whose CreateModelInvocationJob answer was
    // lost; the call reveals job summaries of this account only.
    Grant.addToPrincipal({ grantee, actions: ['bedrock:ListModelInvocationJobs'], resourceArns: ['*'] });
    this.grantPassRole(grantee);
  }

  /** bedrock:InvokeModel on the same models the jobs may use (on-demand runs of small batches). */
  grantInvokeModel(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: ['bedrock:InvokeModel'], resourceArns: [...this.modelArnPatterns] });
  }
}
