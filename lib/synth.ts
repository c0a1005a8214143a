// Synthesizes the stack in memory, without bundling: for tests and for the local gateway, which runs
// the very state machine definition the cloud runs (localTrackerDefinition).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { FinOpsGatewayStack, FinOpsGatewayStackProps } from './finops-gateway-stack';
import { trackerDefinitionFromTemplate } from './batch-tracker/asl';
import { PROJECT_ROOT } from './gateway-function';

export const LOCAL_STACK_NAME = 'FinOpsGateway';

/** cdk.json's context (feature flags), so an in-memory synth matches `cdk synth`. */
export function cdkJsonContext(): Record<string, unknown> {
  const file = path.join(PROJECT_ROOT, 'cdk.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
  return json.context ?? {};
}

/**
 * An App that skips asset bundling (no esbuild run) and CDK's built-in CloudFormation schema
 * validation (≈ 8 s of CPU per synth; `cdk synth` still runs it): fast, and enough for templates.
 */
export function unbundledApp(): App {
  return new App({
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
}

/** Builds the stack in a fresh App and returns its CloudFormation template as JSON. */
export function synthesizeTemplate(props: FinOpsGatewayStackProps = {}): any {
  const app = unbundledApp();
  const stack = new FinOpsGatewayStack(app, LOCAL_STACK_NAME, props);
  return app.synth().getStackArtifact(stack.artifactId).template;
}

/** The batch tracker's ASL exactly as deployed, with placeholder ARNs (lib/batch-tracker/asl.ts). */
export function localTrackerDefinition(): object {
  return trackerDefinitionFromTemplate(synthesizeTemplate());
}
