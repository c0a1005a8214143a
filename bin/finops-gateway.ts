#!/usr/bin/env node
// CDK app entry: one stack, composed in lib/finops-gateway-stack.ts, checked by cdk-nag's AwsSolutions
// pack on every synth (findings the design accepts are acknowledged, with reasons, in the stack).
//
// Stack props come from context, e.g.
//   npx cdk synth -c allowedBuckets=team-data,shared-results -c defaultProvider=bedrock
// Keys: stackName, allowedBuckets, allowProviderKeyPassThrough, defaultProvider, corsAllowedOrigins,
// crossRegionModelRegions, bedrockJobRegions, apiRateLimit, apiBurstLimit, openaiSecretArn, anthropicSecretArn, geminiSecretArn,
// createApiGatewayCloudWatchRole (false when the account already has API Gateway's logging role).
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { ProviderName } from '../lambda/store/records';
import { FinOpsGatewayStack } from '../lib/finops-gateway-stack';

const app = new App();
const context = (key: string): string | undefined => {
  const value = app.node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};
const list = (key: string): string[] | undefined =>
  context(key)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const number = (key: string): number | undefined => {
  const raw = context(key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`context ${key} must be a number, got "${raw}"`);
  return value;
};

new FinOpsGatewayStack(app, context('stackName') ?? 'FinOpsGateway', {
  description: 'FinOps batch gateway: OpenAI-compatible Files and Batch API over OpenAI, Bedrock, Anthropic and Gemini',
  allowedBuckets: list('allowedBuckets'),
  allowProviderKeyPassThrough: context('allowProviderKeyPassThrough') === 'true',
  defaultProvider: context('defaultProvider') as ProviderName | undefined,
  corsAllowedOrigins: list('corsAllowedOrigins'),
  crossRegionModelRegions: list('crossRegionModelRegions'),
  bedrockJobRegions: list('bedrockJobRegions'),
  apiRateLimit: number('apiRateLimit'),
  apiBurstLimit: number('apiBurstLimit'),
  createApiGatewayCloudWatchRole: context('createApiGatewayCloudWatchRole') !== 'false',
  providerSecretArns: {
    openai: context('openaiSecretArn'),
    anthropic: context('anthropicSecretArn'),
    gemini: context('geminiSecretArn'),
  },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
