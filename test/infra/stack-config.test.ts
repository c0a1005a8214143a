// The stack built from context-derived props: the properties that shape the template do so.
import { stackConfigFromContext } from '#lib/stack-config';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FinOpsGatewayStack } from '#lib/finops-gateway-stack';
import { unbundledApp } from '#lib/synth';
import { buildStack, gatewayFunctionResources } from './helpers';

test('dashboard, alarms, log retention and the budget default come from context', () => {
  const { props } = stackConfigFromContext(
    (key) => ({ dashboard: 'false', executionAlarms: 'false', logRetentionDays: '7', budgetDefaultOutputTokens: '512' })[key],
  );
  const built = buildStack(props);
  const { template, json } = built;
  template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  // Only the tracker's execution alarms go; the webhook dead-letter alarms stay (lib/webhooks).
  expect(built.stack.tracker.failedAlarm).toBeUndefined();
  expect(built.stack.tracker.timedOutAlarm).toBeUndefined();
  template.resourceCountIs('AWS::CloudWatch::Alarm', built.stack.webhooks.deadLetterAlarms.length);
  expect(json.Outputs.FinOpsDashboardName).toBeUndefined();
  const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
  expect(logGroups.length).toBeGreaterThan(10);
  for (const group of logGroups) expect(group.Properties.RetentionInDays).toBe(7);
  const functions = gatewayFunctionResources(built);
  expect(functions.length).toBeGreaterThan(10);
  for (const fn of functions) expect(fn.Properties.Environment.Variables.FINOPS_BUDGET_DEFAULT_OUTPUT_TOKENS).toBe('512');
});

test('by default the dashboard and both alarms exist, and no budget default is set (the code default 4096 applies)', () => {
  const built = buildStack();
  built.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  built.template.resourceCountIs('AWS::CloudWatch::Alarm', 2 + built.stack.webhooks.deadLetterAlarms.length);
  const functions = gatewayFunctionResources(built);
  expect(functions.length).toBeGreaterThan(10);
  for (const fn of functions) expect(fn.Properties.Environment.Variables.FINOPS_BUDGET_DEFAULT_OUTPUT_TOKENS).toBeUndefined();
});

test('finopsMetrics false turns the EMF metrics off in every function, and needs the dashboard off', () => {
  expect(() => buildStack({ finopsMetrics: false })).toThrow(
    /the dashboard graphs the FinOps metrics; with finopsMetrics false set dashboard false too/,
  );
  const functions = gatewayFunctionResources(buildStack({ finopsMetrics: false, dashboard: false }));
  expect(functions.length).toBeGreaterThan(10);
  for (const fn of functions) expect(fn.Properties.Environment.Variables.FINOPS_EMF).toBe('false');
});

test('cdk-nag stays clean with the lean properties and a stage name', () => {
  const app = unbundledApp();
  new FinOpsGatewayStack(app, 'FinOpsGateway-dev', {
    dashboard: false,
    executionAlarms: false,
    finopsMetrics: false,
    logRetention: 7,
    createApiGatewayCloudWatchRole: false,
  });
  app.synth();
  const report = new AwsSolutionsChecks(app).validateScope(app);
  expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
});
