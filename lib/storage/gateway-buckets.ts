// The gateway's S3 buckets: its own copies of files and result files, Bedrock's staged input and
// raw output, and one bucket receiving the others' server access logs.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, LifecycleRule, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';

export interface GatewayBucketsProps {
  /**
   * Days a replaced or deleted version of a gateway file stays recoverable.
   * @default 30
   */
  readonly noncurrentFileVersionDays?: number;
  /**
   * Days Bedrock's staged input and raw output are kept. The gateway converts the output into its own
   * files bucket, so these are working copies. Must outlast the tracker's 8-day backstop.
   * @default 30
   */
  readonly bedrockStagingDays?: number;
  /**
   * Days server access logs are kept.
   * @default 90
   */
  readonly accessLogDays?: number;
}

/** The tracker gives up on a batch after 8 days; staged data must still be there when it collects. */
const MIN_STAGING_DAYS = 9;

export class GatewayBuckets extends Construct {
  /** The gateway's own copies of uploaded files and the output/error files it writes. */
  public readonly files: Bucket;
  /** JSONL converted to Bedrock's record format, read by model invocation jobs. */
  public readonly bedrockInput: Bucket;
  /** Where Bedrock model invocation jobs write their raw `.jsonl.out` files and manifests. */
  public readonly bedrockOutput: Bucket;
  /** Server access logs of the three buckets above. */
  public readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: GatewayBucketsProps = {}) {
    super(scope, id);
    const noncurrentFileVersionDays = positiveDays('noncurrentFileVersionDays', props.noncurrentFileVersionDays ?? 30);
    const bedrockStagingDays = positiveDays('bedrockStagingDays', props.bedrockStagingDays ?? 30);
    const accessLogDays = positiveDays('accessLogDays', props.accessLogDays ?? 90);
    if (bedrockStagingDays < MIN_STAGING_DAYS) {
      throw new Error(
        `GatewayBuckets: bedrockStagingDays must be at least ${MIN_STAGING_DAYS} (the tracker follows a batch for up to 8 days), got ${bedrockStagingDays}`,
      );
    }

    // Deliver access logs through a bucket policy for logging.s3.amazonaws.com instead of the legacy
    // LogDeliveryWrite ACL: new buckets have ACLs disabled. Set on this scope so the construct does
    // not depend on the app's cdk.json.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...SECURE_BUCKET,
      lifecycleRules: [abortIncompleteUploads, { id: 'expire-access-logs', expiration: Duration.days(accessLogDays) }],
    });

    this.files = new Bucket(this, 'Files', {
      ...SECURE_BUCKET,
      // Gateway files are the only copy of a client's upload and of paid-for results: a mistaken
      // delete or overwrite stays recoverable for a while.
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'files/',
      lifecycleRules: [
        abortIncompleteUploads,
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(noncurrentFileVersionDays),
          expiredObjectDeleteMarker: true,
        },
        {
          // Upload parts are deleted on complete or cancel; abandoned uploads (expired after an hour) and
          // the old versions of deleted parts need not stay.
          id: 'expire-upload-parts',
          prefix: 'uploads/',
          expiration: Duration.days(1),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          // Direct uploads files-register never took (file deleted before the PUT, an event lost for good);
          // the others are deleted within seconds, and their old versions need not stay 30 days.
          id: 'expire-direct-uploads',
          prefix: 'direct/',
          expiration: Duration.days(2),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
    });

    // Staging buckets hold derived working copies (re-creatable from the files bucket), so no versioning.
    this.bedrockInput = new Bucket(this, 'BedrockInput', {
      ...SECURE_BUCKET,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'bedrock-input/',
      lifecycleRules: [abortIncompleteUploads, { id: 'expire-staged-input', expiration: Duration.days(bedrockStagingDays) }],
    });
    this.bedrockOutput = new Bucket(this, 'BedrockOutput', {
      ...SECURE_BUCKET,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'bedrock-output/',
      lifecycleRules: [abortIncompleteUploads, { id: 'expire-raw-output', expiration: Duration.days(bedrockStagingDays) }],
    });
  }
}

const SECURE_BUCKET = {
  // SSE-S3: the Bedrock service role can read and write without a KMS key policy, and S3 server
  // access logs can only be delivered to SSE-S3 buckets.
  encryption: BucketEncryption.S3_MANAGED,
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
  enforceSSL: true,
  removalPolicy: RemovalPolicy.RETAIN,
} as const;

/** A failed multipart upload (lib-storage streams big files in parts) leaves billed parts behind. */
const abortIncompleteUploads: LifecycleRule = {
  id: 'abort-incomplete-multipart-uploads',
  abortIncompleteMultipartUploadAfter: Duration.days(1),
};

function positiveDays(name: string, days: number): number {
  if (!Number.isInteger(days) || days < 1) {
    throw new Error(`GatewayBuckets: ${name} must be a whole number of days ≥ 1, got ${days}`);
  }
  return days;
}
