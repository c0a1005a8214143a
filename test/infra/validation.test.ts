// Mistakes in stack props or the route table fail at synth, with a message that says what to fix.
import { PROVIDER_NAMES } from '#contracts/providers';
import { App } from 'aws-cdk-lib';
import { GatewayBuckets } from '#lib/storage/gateway-buckets';
import { GatewayFunction } from '#lib/gateway-function';
import { FinOpsGatewayStack, FinOpsGatewayStackProps } from '#lib/finops-gateway-stack';
import { Stack } from 'aws-cdk-lib';
import { unbundledApp } from '#lib/synth';
import { accessFor } from '#lib/api/access';
import { validateGatewayResponses } from '#lib/api/api';
import { GATEWAY_RESPONSES } from '#lib/api/gateway-responses';

const build = (props: FinOpsGatewayStackProps) => () => new FinOpsGatewayStack(unbundledApp(), 'FinOpsGateway', props);

test.each<[string, FinOpsGatewayStackProps, RegExp]>([
  [
    'an unknown default provider',
    { defaultProvider: 'mistral' as any },
    new RegExp(`defaultProvider must be one of ${PROVIDER_NAMES.join(', ')}, got "mistral"`),
  ],
  ['an invalid bucket name', { allowedBuckets: ['Team_Data'] }, /allowedBuckets entry "Team_Data" is not a valid S3 bucket name/],
  ['a bucket listed twice', { allowedBuckets: ['a-bucket', 'a-bucket'] }, /allowedBuckets lists a bucket twice/],
  ['CORS with "*"', { corsAllowedOrigins: ['*'] }, /must list explicit origins/],
  ['a CORS origin with a path', { corsAllowedOrigins: ['https://x.example.com/app'] }, /is not an origin like https:\/\/app.example.com/],
  ['a zero rate limit', { apiRateLimit: 0 }, /rateLimit must be a positive number, got 0/],
  ['a fractional burst limit', { apiBurstLimit: 1.5 }, /burstLimit must be a whole number/],
  [
    'a partial secret ARN',
    { providerSecretArns: { openai: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:key' } },
    /must be a complete secret ARN/,
  ],
  ['a bad region', { crossRegionModelRegions: ['uswest2'] }, /"uswest2", which is not a region name/],
])('refuses %s', (_name, props, message) => {
  expect(build(props)).toThrow(message);
});

test('Bedrock staging must outlive the tracker', () => {
  expect(() => new GatewayBuckets(new Stack(new App()), 'B', { bedrockStagingDays: 7 })).toThrow(/bedrockStagingDays must be at least 9/);
});

test.each<[string, object, RegExp]>([
  [
    'a missing handler file',
    { operation: 'files-frobnicate', memoryMb: 256, timeoutSeconds: 10 },
    /no handler for operation "files-frobnicate": expected lambda\/handlers\/files-frobnicate.ts/,
  ],
  ['a non-kebab-case operation', { operation: '../secrets', memoryMb: 256, timeoutSeconds: 10 }, /must be kebab-case/],
  [
    'memory out of range',
    { operation: 'files-list', memoryMb: 64, timeoutSeconds: 10 },
    /memoryMb must be an integer from 128 to 10240, got 64/,
  ],
  [
    'a timeout over 15 minutes',
    { operation: 'files-list', memoryMb: 256, timeoutSeconds: 901 },
    /timeoutSeconds must be an integer from 1 to 900, got 901/,
  ],
])('GatewayFunction refuses %s', (_name, spec, message) => {
  expect(() => new GatewayFunction(new Stack(unbundledApp()), 'F', { ...(spec as any), environment: {} })).toThrow(message);
});

test('an operation without an access profile is named in the error', () => {
  expect(() => accessFor('files-frobnicate')).toThrow(
    'No access profile for operation "files-frobnicate": add a row to FUNCTION_ACCESS in lib/api/access.ts',
  );
});

test('gateway response bodies may not contain Velocity syntax', () => {
  expect(() => validateGatewayResponses()).not.toThrow();
  const withDollar = { ...GATEWAY_RESPONSES[0], body: { error: { ...GATEWAY_RESPONSES[0].body.error, message: 'costs $5' } } };
  expect(() => validateGatewayResponses([withDollar])).toThrow(/UNAUTHORIZED gateway response body contains "\$" or "#"/);
});
