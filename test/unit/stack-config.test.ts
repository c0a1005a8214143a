// Stack configuration from cdk.json context (lib/stack-config.ts): every property from its JSON and
// its -c string form, stages, and one error listing every problem.
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { PROVIDER_NAMES } from '#contracts/providers';
import { configurationTableMarkdown, STACK_PROPERTIES, StackConfigError, stackConfigFromContext } from '#lib/stack-config';
import { readBlock, readReadme } from '#lib/docs/readme-blocks';

const fromContext = (context: Record<string, unknown>) => stackConfigFromContext((key) => context[key], Object.keys(context));
const problemsOf = (context: Record<string, unknown>): string[] => {
  try {
    fromContext(context);
  } catch (err) {
    expect(err).toBeInstanceOf(StackConfigError);
    return (err as Error).message
      .split('\n')
      .filter((line) => line.startsWith('  - '))
      .map((line) => line.slice(4));
  }
  throw new Error('expected a configuration error');
};

test('no context: the default stack name and no props (every construct default applies)', () => {
  expect(fromContext({})).toEqual({ stackName: 'FinOpsGateway', stage: undefined, props: {} });
  // CDK's own context keys are not ours to check.
  expect(
    fromContext({ '@aws-cdk/core:checkSecretUsage': true, 'aws:cdk:enable-path-metadata': true, 'acknowledged-issue-numbers': [1] }).props,
  ).toEqual({});
});

test.each([
  ['defaultProvider', 'bedrock', { defaultProvider: 'bedrock' }],
  ['allowedBuckets', 'team-data, shared-results', { allowedBuckets: ['team-data', 'shared-results'] }],
  ['allowedBuckets', ['team-data'], { allowedBuckets: ['team-data'] }],
  ['allowProviderKeyPassThrough', 'true', { allowProviderKeyPassThrough: true }],
  ['allowProviderKeyPassThrough', false, { allowProviderKeyPassThrough: false }],
  ['crossRegionModelRegions', 'us-west-2', { crossRegionModelRegions: ['us-west-2'] }],
  ['apiRateLimit', '12.5', { apiRateLimit: 12.5 }],
  ['apiBurstLimit', 20, { apiBurstLimit: 20 }],
  ['corsAllowedOrigins', ['https://a.example.com'], { corsAllowedOrigins: ['https://a.example.com'] }],
  ['budgetDefaultOutputTokens', '1024', { budgetDefaultOutputTokens: 1024 }],
  ['pricesOverrideFile', 'pricing/prices.json', { pricesOverride: expect.objectContaining({ version: expect.any(String) }) }],
  ['logRetentionDays', '7', { logRetention: RetentionDays.ONE_WEEK }],
  ['dashboard', 'false', { dashboard: false }],
  ['executionAlarms', false, { executionAlarms: false }],
  ['finopsMetrics', 'false', { finopsMetrics: false }],
  [
    'openaiSecretArn',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:o-AbC123',
    { providerSecretArns: { openai: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:o-AbC123' } },
  ],
  ['createApiGatewayCloudWatchRole', 'false', { createApiGatewayCloudWatchRole: false }],
])('%s = %j', (key, value, props) => {
  expect(fromContext({ [key]: value }).props).toEqual(props);
});

test('secret ARNs of several providers combine', () => {
  const arn = (p: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${p}-AbC123`;
  expect(fromContext({ openaiSecretArn: arn('o'), geminiSecretArn: arn('g') }).props.providerSecretArns).toEqual({
    openai: arn('o'),
    gemini: arn('g'),
  });
});

test('every problem is listed at once, with what was expected', () => {
  expect(
    problemsOf({
      apiRateLimit: 'fast',
      apiBurstLimit: '1.5',
      dashboard: 'yes',
      defaultProvider: 'watsonx',
      logRetentionDays: 31,
      allowedBuckets: 3,
      pricesOverrideFile: 'nope.json',
    }),
  ).toEqual([
    `defaultProvider must be one of ${PROVIDER_NAMES.join(', ')}, got "watsonx"`,
    'allowedBuckets must be a list of names (a JSON array of strings or "a,b,c"), got 3',
    'apiRateLimit must be a number greater than 0, got "fast"',
    'apiBurstLimit must be a whole number greater than 0, got "1.5"',
    expect.stringMatching(/^pricesOverrideFile names .*nope\.json, which does not exist$/),
    expect.stringMatching(/^logRetentionDays must be a retention CloudWatch Logs offers \(1, 3, 5, 7, 14, 30, .*\), got 31$/),
    'dashboard must be true or false, got "yes"',
  ]);
});

test('a misspelt key fails instead of being ignored', () => {
  expect(problemsOf({ allowedBucket: 'x' })).toEqual(['allowedBucket is not a stack property (did you mean allowedBuckets?)']);
  expect(problemsOf({ stages: { dev: { dashbord: false } } })).toEqual([
    'stages.dev.dashbord is not a stack property (did you mean dashboard?)',
  ]);
});

test('stages: the stack is named after the stage, and its own values win over the top-level ones', () => {
  const context = {
    apiRateLimit: 10,
    logRetentionDays: 90,
    stages: { dev: { logRetentionDays: 7, dashboard: false }, prod: { apiRateLimit: 100 } },
  };
  expect(fromContext({ ...context, stage: 'dev' })).toEqual({
    stackName: 'FinOpsGateway-dev',
    stage: 'dev',
    props: { apiRateLimit: 10, logRetention: RetentionDays.ONE_WEEK, dashboard: false },
  });
  expect(fromContext({ ...context, stage: 'prod' })).toEqual({
    stackName: 'FinOpsGateway-prod',
    stage: 'prod',
    props: { apiRateLimit: 100, logRetention: RetentionDays.THREE_MONTHS },
  });
  expect(fromContext({ stage: 'prod', stackName: 'Gateway-Prod' }).stackName).toBe('Gateway-Prod');
  expect(problemsOf({ stage: 'Prod!' })).toEqual(['stage must be a short lowercase name like dev or prod, got "Prod!"']);
  expect(problemsOf({ stages: { dev: { logRetentionDays: 2 } }, stage: 'dev' })).toEqual([
    expect.stringMatching(/^stages\.dev\.logRetentionDays must be a retention/),
  ]);
  expect(problemsOf({ stackName: 'x'.repeat(67) })).toEqual([
    expect.stringMatching(/^stackName must be a stack name .*at most 66 characters/),
  ]);
});

test('every property has a unique key and a description', () => {
  expect(new Set(STACK_PROPERTIES.map((p) => p.key)).size).toBe(STACK_PROPERTIES.length);
  for (const p of STACK_PROPERTIES) expect(p.description.length).toBeGreaterThan(15);
});

test('the README configuration table is generated from STACK_PROPERTIES (npm run readme-tables)', () => {
  expect(readBlock(readReadme(), 'configuration')).toBe(configurationTableMarkdown());
});
