// The stateful-resource snapshots of the stack as synthesized now, and the committed ones
// (lib/upgrades/stateful-resources.snapshot.json). Each configuration is synthesized separately, so a
// resource that only exists with an option (the pass-through credential vault's key) is guarded too.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FinOpsGatewayStack, type FinOpsGatewayStackProps } from '#lib/finops-gateway-stack';
import { PROJECT_ROOT } from '#lib/gateway-function';
import { LOCAL_STACK_NAME, unbundledApp } from '#lib/synth';
import { SNAPSHOT_FILE, statefulSnapshot, type StatefulSnapshot } from './stateful-resources';

/**
 * The configurations whose stateful resources are guarded. A stack property that adds a stateful
 * resource belongs in `allOptions`.
 */
export const SNAPSHOT_CONFIGURATIONS: Readonly<Record<string, FinOpsGatewayStackProps>> = {
  default: {},
  allOptions: { allowProviderKeyPassThrough: true },
};

export type SnapshotFileContent = Record<string, StatefulSnapshot>;

export function currentSnapshots(): SnapshotFileContent {
  return Object.fromEntries(
    Object.entries(SNAPSHOT_CONFIGURATIONS).map(([name, props]) => [name, statefulSnapshot(templateWithPaths(props))]),
  );
}

/** The template with each resource's construct path (aws:cdk:path, which `cdk synth` adds too), to name resources in messages. */
export function templateWithPaths(props: FinOpsGatewayStackProps, build?: (stack: FinOpsGatewayStack) => void): any {
  const app = unbundledApp();
  app.node.setContext('aws:cdk:enable-path-metadata', true);
  const stack = new FinOpsGatewayStack(app, LOCAL_STACK_NAME, props);
  build?.(stack);
  return app.synth().getStackArtifact(stack.artifactId).template;
}

export function readCommittedSnapshots(file = path.join(PROJECT_ROOT, SNAPSHOT_FILE)): SnapshotFileContent {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SnapshotFileContent;
}

export function writeSnapshots(content: SnapshotFileContent, file = path.join(PROJECT_ROOT, SNAPSHOT_FILE)): void {
  fs.writeFileSync(file, JSON.stringify(content, null, 2) + '\n');
}
