// The stack's own running cost, computed from the synthesized template (lib/ops/stack-cost.ts): idle
// per month and per 1,000 batches. The figures follow the template (another alarm, secret, key or
// schedule changes them by itself), and the README's table is these numbers.
import { Duration } from 'aws-cdk-lib';
import { Alarm, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnResource } from 'aws-cdk-lib';
import { AWS_PRICES, AWS_PRICES_DATE } from '#lib/ops/aws-prices';
import { BATCH_PROFILE } from '#lib/ops/batch-profile';
import { costTableMarkdown, scheduleMinutes, stackCost, type StackCost } from '#lib/ops/stack-cost';
import { templateWithPaths } from '#lib/upgrades/snapshots';
import { LEAN_PROPS } from '#lib/docs/readme-tables';
import { readBlock, readReadme } from '#lib/docs/readme-blocks';
import { trackingCost } from '#lib/batch-tracker/cost-model';
import { trackerDefinitionFromTemplate } from '#lib/batch-tracker/asl';
import { nextWaitSeconds } from '#contracts/schedule';

let template: any;
let cost: StackCost;
let lean: StackCost;
beforeAll(() => {
  template = templateWithPaths({});
  cost = stackCost(template);
  lean = stackCost(templateWithPaths(LEAN_PROPS));
});

const line = (c: StackCost, item: string) => [...c.idle, ...c.perThousandBatches].find((l) => l.item.startsWith(item));
const count = (type: string, t = template) =>
  Object.values(t.Resources as Record<string, { Type: string }>).filter((r) => r.Type === type).length;
const cents = (usd: number) => Math.round(usd * 1e6) / 1e6;

test('prints the figures (the README table is made of them)', () => {
  console.log(
    `${AWS_PRICES_DATE}: idle $${cost.idleMonthlyUsd.toFixed(4)}/month (lean $${lean.idleMonthlyUsd.toFixed(4)}), per 1,000 batches $${cost.perThousandBatchesUsd.toFixed(4)}, metrics $${cost.metricsPerModelMonth.usd.toFixed(2)} per (provider, model) month\n` +
      [...cost.idle, ...cost.perThousandBatches].map((l) => `  ${l.item}: $${l.usd.toFixed(4)} (${l.basis})`).join('\n'),
  );
  expect(cost.idleMonthlyUsd).toBeGreaterThan(0);
  expect(cost.perThousandBatchesUsd).toBeGreaterThan(0);
});

test('idle: each always-on resource in the template, times its price', () => {
  expect(line(cost, 'CloudWatch dashboard')!.usd).toBeCloseTo(count('AWS::CloudWatch::Dashboard') * AWS_PRICES.dashboardMonth.usd, 10);
  expect(line(cost, 'CloudWatch alarms')!.usd).toBeCloseTo(count('AWS::CloudWatch::Alarm') * AWS_PRICES.alarmMonth.usd, 10);
  expect(line(cost, 'Secrets Manager')!.usd).toBeCloseTo(count('AWS::SecretsManager::Secret') * AWS_PRICES.secretMonth.usd, 10);
  // Without pass-through the one customer managed key is the webhook secrets key (lib/webhooks).
  expect(count('AWS::KMS::Key')).toBe(1);
  expect(line(cost, 'KMS')!.usd).toBeCloseTo(AWS_PRICES.kmsKeyMonth.usd, 10);
  const sweep = line(cost, 'schedule rate(1 hour) (files-expire)')!;
  expect(sweep.basis).toMatch(/^730 runs a month/);
  expect(sweep.usd).toBeGreaterThan(0);
  expect(sweep.usd).toBeLessThan(0.05);
  expect(cost.idleMonthlyUsd).toBeCloseTo(
    cost.idle.reduce((a, l) => a + l.usd, 0),
    10,
  );
});

test('the lean properties drop exactly the dashboard and the alarms, and the metrics', () => {
  expect(cents(cost.idleMonthlyUsd - lean.idleMonthlyUsd)).toBe(cents(AWS_PRICES.dashboardMonth.usd + 2 * AWS_PRICES.alarmMonth.usd));
  expect(lean.metricsPerModelMonth).toEqual({ metrics: 0, usd: 0 });
  expect(cost.metricsPerModelMonth.metrics).toBe(14);
});

test('pass-through adds its KMS key; existing secrets remove theirs', () => {
  const withVault = stackCost(templateWithPaths({ allowProviderKeyPassThrough: true }));
  expect(cents(withVault.idleMonthlyUsd - cost.idleMonthlyUsd)).toBe(cents(AWS_PRICES.kmsKeyMonth.usd));
  const shared = stackCost(
    templateWithPaths({ providerSecretArns: { openai: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:o-AbC123' } }),
  );
  expect(cents(cost.idleMonthlyUsd - shared.idleMonthlyUsd)).toBe(cents(AWS_PRICES.secretMonth.usd));
});

test('derived from the template: resources someone adds are priced without touching the model', () => {
  const grown = stackCost(
    templateWithPaths({}, (stack) => {
      new Secret(stack, 'WebhookSigningSecret');
      new Key(stack, 'ExtraKey', { enableKeyRotation: true });
      new Alarm(stack, 'DlqAlarm', {
        metric: new Metric({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible' }),
        threshold: 1,
        evaluationPeriods: 1,
      });
      new Rule(stack, 'EveryFiveMinutes', {
        schedule: Schedule.rate(Duration.minutes(5)),
        targets: [new LambdaFunction(stack.fileExpirer)],
      });
    }),
  );
  const added = AWS_PRICES.secretMonth.usd + AWS_PRICES.kmsKeyMonth.usd + AWS_PRICES.alarmMonth.usd;
  const schedule = grown.idle.find((l) => l.item === 'schedule rate(5 minutes) (files-expire)')!;
  expect(schedule.basis).toMatch(/^8760 runs a month/);
  expect(cents(grown.idleMonthlyUsd - cost.idleMonthlyUsd - schedule.usd)).toBe(cents(added));
});

test('an unknown kind of resource fails the model with what to do', () => {
  const build = () =>
    stackCost(
      templateWithPaths({}, (stack) => new CfnResource(stack, 'Cache', { type: 'AWS::ElastiCache::CacheCluster', properties: {} })),
    );
  expect(build).toThrow(
    /does not know AWS::ElastiCache::CacheCluster\. Add each type to IDLE_PRICED_TYPES .* or to NO_STANDING_CHARGE in lib\/ops\/stack-cost.ts/,
  );
});

test('per 1,000 batches: Step Functions follows the synthesized tracker and its schedule', () => {
  const tracking = trackingCost(trackerDefinitionFromTemplate(template), BATCH_PROFILE.providerHours * 3600, (age) => nextWaitSeconds(age));
  expect(cost.activity.stateTransitions).toBe(tracking.stateTransitions);
  expect(line(cost, 'Step Functions')!.usd).toBeCloseTo(1000 * tracking.stateTransitions * AWS_PRICES.stepFunctionsTransition.usd, 10);
  expect(cost.activity.polls).toBe(Math.ceil((BATCH_PROFILE.providerHours * 3600) / BATCH_PROFILE.clientPollSeconds));
  expect(line(cost, 'API Gateway requests')!.usd).toBeCloseTo(1000 * (cost.activity.polls + 3) * AWS_PRICES.apiGatewayRestRequest.usd, 10);
  expect(cost.perThousandBatchesUsd).toBeCloseTo(
    cost.perThousandBatches.reduce((a, l) => a + l.usd, 0),
    10,
  );
});

test("per 1,000 batches: Lambda uses the memory in the template (doubling a function's memory raises it)", () => {
  const bigger = stackCost(
    templateWithPaths({}, (stack) =>
      (stack.tracker.functions.checkStatus.node.defaultChild as CfnResource).addPropertyOverride('MemorySize', 1024),
    ),
  );
  const extra =
    1000 *
    cost.activity.checks *
    (512 / 1024) *
    (BATCH_PROFILE.durationMs['tracker-check-status'] / 1000) *
    AWS_PRICES.lambdaArmGbSecond.usd;
  expect(line(bigger, 'Lambda')!.usd - line(cost, 'Lambda')!.usd).toBeCloseTo(extra, 10);
});

test('log storage follows the retention in the template', () => {
  const longer = stackCost(templateWithPaths({ logRetention: 365 }));
  expect(line(longer, 'CloudWatch Logs')!.usd).toBeGreaterThan(line(cost, 'CloudWatch Logs')!.usd);
  expect(line(longer, 'CloudWatch Logs')!.basis).toMatch(/kept 365 days/);
});

test('schedules: rate expressions only, in minutes', () => {
  expect(scheduleMinutes('rate(1 hour)')).toBe(60);
  expect(scheduleMinutes('rate(5 minutes)')).toBe(5);
  expect(scheduleMinutes('rate(2 days)')).toBe(2880);
  expect(() => scheduleMinutes('cron(0 * * * ? *)')).toThrow(/reads rate\(…\) schedules only/);
});

test('the README running-cost table is these numbers (npm run readme-tables)', () => {
  // The same two templates runningCostMarkdown() synthesizes, built once in beforeAll.
  expect(readBlock(readReadme(), 'running-cost')).toBe(costTableMarkdown(cost, lean));
});
