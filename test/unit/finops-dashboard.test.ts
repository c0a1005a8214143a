import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FinOpsDashboard } from '#lib/finops/dashboard';

describe('FinOpsDashboard', () => {
  const synth = (props: ConstructorParameters<typeof FinOpsDashboard>[2]) => {
    const stack = new Stack(new App(), 'Test');
    new FinOpsDashboard(stack, 'FinOps', props);
    return Template.fromStack(stack);
  };

  it('is one dashboard graphing every provider and, by SEARCH, every model', () => {
    const template = synth({ providers: ['openai', 'bedrock', 'anthropic', 'gemini'], dashboardName: 'finops' });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as {
      Properties: { DashboardName: string; DashboardBody: unknown };
    };
    expect(dashboard.Properties.DashboardName).toBe('finops');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const provider of ['openai', 'bedrock', 'anthropic', 'gemini']) expect(body).toContain(`\\"Provider\\",\\"${provider}\\"`);
    for (const metric of [
      'CostUSD',
      'SavingsUSD',
      'InputTokens',
      'OutputTokens',
      'CachedInputTokens',
      'BatchesCompleted',
      'BatchesFailed',
      'BatchesExpired',
      'BatchesCancelled',
    ]) {
      expect(body).toContain(metric);
    }
    expect(body).toContain("SEARCH('{FinOpsGateway,Provider,Model} MetricName=\\\\\\\"CostUSD\\\\\\\"', 'Sum', 86400)");
  });

  it.each([
    ['no providers', { providers: [] }, 'providers must name at least one provider'],
    [
      'a period below a minute',
      { providers: ['openai'], period: Duration.seconds(30) },
      'period must be a whole number of minutes, got 30 s',
    ],
  ])('rejects %s at synth', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
