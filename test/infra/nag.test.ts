// cdk-nag (AwsSolutions pack, cdk-nag 3 API): no finding may be left unacknowledged, and every
// acknowledgement carries a reason.
import { PolicyViolation, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FinOpsGatewayStack, FinOpsGatewayStackProps } from '#lib/finops-gateway-stack';
import { LOCAL_STACK_NAME, unbundledApp } from '#lib/synth';

function nagReport(props: FinOpsGatewayStackProps = {}) {
  const app = unbundledApp();
  const stack = new FinOpsGatewayStack(app, LOCAL_STACK_NAME, props);
  app.synth();
  return { stack, report: new AwsSolutionsChecks(app).validateScope(app) };
}

const describeViolations = (violations: readonly PolicyViolation[]) =>
  violations.map((v) => `${v.severity ?? 'error'} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);

let defaultStack: ReturnType<typeof nagReport>;
beforeAll(() => {
  defaultStack = nagReport();
});

test('default stack: no unacknowledged AwsSolutions error or warning', () => {
  const { report } = defaultStack;
  expect(describeViolations(report.violations)).toEqual([]);
  expect(report.success).toBe(true);
});

test('with allowed buckets, CORS and cross-region models: still clean', () => {
  const { report } = nagReport({
    allowedBuckets: ['team-data'],
    corsAllowedOrigins: ['https://console.example.com'],
    crossRegionModelRegions: ['us-west-2'],
    providerSecretArns: { gemini: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gemini-AbC123' },
  });
  expect(describeViolations(report.violations)).toEqual([]);
});

test('every acknowledgement has a written reason', () => {
  const { stack } = defaultStack;
  const acknowledgements = stack.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .flatMap((m) => Object.entries(m.data as Record<string, unknown>));
  expect(acknowledgements.length).toBeGreaterThan(0);
  for (const [id, reason] of acknowledgements) {
    expect(id).toMatch(/AwsSolutions-/);
    expect(typeof reason).toBe('string');
    expect((reason as string).length).toBeGreaterThan(40);
  }
});

test('the check is live: an unacknowledged finding fails it', () => {
  const app = unbundledApp();
  const stack = new FinOpsGatewayStack(app, LOCAL_STACK_NAME);
  // A fresh bucket without access logs, TLS policy or encryption settings.
  new Bucket(stack, 'CarelessBucket');
  app.synth();
  const report = new AwsSolutionsChecks(app).validateScope(app);
  expect(report.violations.map((v) => v.ruleName)).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
});
