// AWS list prices the stack's own running cost is computed from (lib/ops/stack-cost.ts). US East
// (N. Virginia), on-demand, without free tiers (an account past its first year, or using them
// elsewhere). Checked 2026-12-03: Lambda (Arm GB-s, requests), API Gateway REST, DynamoDB on-demand,
// CloudWatch (dashboards, alarms, custom metrics, logs), Secrets Manager, EventBridge, X-Ray and S3
// against the pricing pages below or current summaries of them quoting the same figures; Step
// Functions as already used by lib/batch-tracker; KMS and SQS are the long-standing list prices, not
// re-checked. Update the date and figures together; the README's running-cost table is regenerated
// from them (npm run readme-tables).

export interface AwsPrice {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
}

export const AWS_PRICES_DATE = '2026-12-03';
export const AWS_PRICES_REGION = 'us-east-1';

const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';

export const AWS_PRICES = {
  lambdaRequest: { usd: 0.2 / 1e6, unit: 'request', source: LAMBDA },
  /** Arm (Graviton), first 7.5 billion GB-s a month. */
  lambdaArmGbSecond: { usd: 0.0000133334, unit: 'GB-second', source: LAMBDA },
  /** REST APIs, first 333 million requests a month. */
  apiGatewayRestRequest: { usd: 3.5 / 1e6, unit: 'request', source: 'https://aws.amazon.com/api-gateway/pricing/' },
  stepFunctionsTransition: {
    usd: 0.025 / 1000,
    unit: 'state transition (Standard)',
    source: 'https://aws.amazon.com/step-functions/pricing/',
  },
  /** On-demand, after the November 2024 reduction. */
  dynamoWriteRequestUnit: { usd: 0.625 / 1e6, unit: 'write request unit', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
  dynamoReadRequestUnit: { usd: 0.125 / 1e6, unit: 'read request unit', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
  dynamoPitrGbMonth: {
    usd: 0.2,
    unit: 'GB-month of continuous backup (PITR)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  s3StandardGbMonth: { usd: 0.023, unit: 'GB-month (S3 Standard, first 50 TB)', source: 'https://aws.amazon.com/s3/pricing/' },
  s3PutRequest: { usd: 0.005 / 1000, unit: 'PUT/COPY/POST/LIST request', source: 'https://aws.amazon.com/s3/pricing/' },
  s3GetRequest: { usd: 0.0004 / 1000, unit: 'GET request', source: 'https://aws.amazon.com/s3/pricing/' },
  /** Custom events put on a bus; scheduled-rule and AWS service events are not charged. */
  eventBridgeCustomEvent: { usd: 1 / 1e6, unit: 'custom event', source: 'https://aws.amazon.com/eventbridge/pricing/' },
  secretMonth: { usd: 0.4, unit: 'secret per month', source: 'https://aws.amazon.com/secrets-manager/pricing/' },
  secretApiCall: { usd: 0.05 / 10_000, unit: 'API call', source: 'https://aws.amazon.com/secrets-manager/pricing/' },
  /** Customer managed key; AWS managed keys (the table's, S3-managed) have no monthly charge. */
  kmsKeyMonth: { usd: 1, unit: 'customer managed key per month', source: 'https://aws.amazon.com/kms/pricing/' },
  dashboardMonth: { usd: 3, unit: 'dashboard per month', source: CLOUDWATCH },
  /** Standard resolution, one metric per alarm. */
  alarmMonth: { usd: 0.1, unit: 'alarm metric per month', source: CLOUDWATCH },
  /** First 10,000 metrics. EMF metrics are custom metrics, billed for each month they receive data. */
  customMetricMonth: { usd: 0.3, unit: 'custom metric per month', source: CLOUDWATCH },
  logsIngestedGb: { usd: 0.5, unit: 'GB ingested (Standard log class)', source: CLOUDWATCH },
  logsStoredGbMonth: { usd: 0.03, unit: 'GB-month stored (compressed)', source: CLOUDWATCH },
  xrayTraceRecorded: { usd: 5 / 1e6, unit: 'trace recorded', source: 'https://aws.amazon.com/xray/pricing/' },
  sqsRequest: { usd: 0.4 / 1e6, unit: 'request (standard queue)', source: 'https://aws.amazon.com/sqs/pricing/' },
} as const satisfies Record<string, AwsPrice>;

export type AwsPriceName = keyof typeof AWS_PRICES;
