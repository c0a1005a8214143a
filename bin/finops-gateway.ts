#!/usr/bin/env node
// CDK app entry: one stack, composed in lib/finops-gateway-stack.ts, checked by cdk-nag's AwsSolutions
// pack on every synth (findings the design accepts are acknowledged, with reasons, in the stack).
//
// Stack props come from context (cdk.json "context", or -c key=value), read and checked by
// lib/stack-config.ts, e.g.
//   npx cdk synth -c allowedBuckets=team-data,shared-results -c defaultProvider=bedrock
//   npx cdk deploy -c stage=dev        (stack FinOpsGateway-dev, properties from context.stages.dev)
// The README's Configuration table lists every key with its type and default.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FinOpsGatewayStack } from '#lib/finops-gateway-stack';
import { StackConfig, StackConfigError, stackConfigFromContext } from '#lib/stack-config';
import { PROVIDER_CATALOG, PROVIDER_NAMES } from '#contracts/providers';

const app = new App();
let config: StackConfig;
try {
  config = stackConfigFromContext((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));
} catch (err) {
  if (!(err instanceof StackConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}

// "OpenAI, Bedrock, Anthropic and Gemini": every provider of the catalog.
const providers = PROVIDER_NAMES.map((name) => PROVIDER_CATALOG[name].displayName);
new FinOpsGatewayStack(app, config.stackName, {
  description: `FinOps batch gateway: OpenAI-compatible Files and Batch API over ${providers.slice(0, -1).join(', ')} and ${providers[providers.length - 1]}`,
  ...config.props,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
