#!/usr/bin/env node
// CDK app entry: one stack, composed in lib/finops-gateway-stack.ts, checked by cdk-nag's AwsSolutions
// pack on every synth (findings the design accepts are acknowledged, with reasons, in the stack).
//
// Stack props come from context, e.g.
//   npx cdk synth -c allowedBuckets=team-data,shared-results -c defaultProvider=bedrock
// Keys: stackName, allowedBuckets, allowProviderKeyPassThrough, defaultProvider, corsAllowedOrigins,
// crossRegionModelRegions, apiRateLimit, apiBurstLimit, openaiSecretArn, anthropicSecretArn, geminiSecretArn,
// createApiGatewayCloudWatchRole (false when the account already has API Gateway's logging role),
// maxBatchesInFlight / maxBatchesInFlightPerModel as provider=cap lists, e.g. -c maxBatchesInFlightPerModel=bedrock=10.
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

/** `openai=50,bedrock=10` → { openai: 50, bedrock: 10 }. */
const caps = (key: string): Partial<Record<ProviderName, number>> | undefined => {
  const entries = list(key)?.map((pair) => {
    const [provider, raw] = pair.split('=');
    const value = Number(raw);
    if (!provider || !Number.isFinite(value)) throw new Error(`context ${key} must look like openai=50,bedrock=10, got "${pair}"`);
    return [provider.trim(), value] as const;
  });
  return entries ? Object.fromEntries(entries) : undefined;
};

new FinOpsGatewayStack(app, context('stackName') ?? 'FinOpsGateway', {
  description: 'FinOps batch gateway: OpenAI-compatible Files and Batch API over OpenAI, Bedrock, Anthropic and Gemini',
  allowedBuckets: list('allowedBuckets'),
  allowProviderKeyPassThrough: context('allowProviderKeyPassThrough') === 'true',
  defaultProvider: context('defaultProvider') as ProviderName | undefined,
  corsAllowedOrigins: list('corsAllowedOrigins'),
  crossRegionModelRegions: list('crossRegionModelRegions'),
  apiRateLimit: number('apiRateLimit'),
  apiBurstLimit: number('apiBurstLimit'),
  createApiGatewayCloudWatchRole: context('createApiGatewayCloudWatchRole') !== 'false',
  maxBatchesInFlight: caps('maxBatchesInFlight'),
  maxBatchesInFlightPerModel: caps('maxBatchesInFlightPerModel'),
  providerSecretArns: {
    openai: context('openaiSecretArn'),
    anthropic: context('anthropicSecretArn'),
    gemini: context('geminiSecretArn'),
  },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
