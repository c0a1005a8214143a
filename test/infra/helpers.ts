// Shared helpers for the infrastructure tests: build the stack without bundling, and read IAM
// statements out of a template by role.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { CfnResource } from 'aws-cdk-lib';
import { FinOpsGatewayStack, FinOpsGatewayStackProps } from '#lib/finops-gateway-stack';
import { LOCAL_STACK_NAME, unbundledApp } from '#lib/synth';

export interface Built {
  stack: FinOpsGatewayStack;
  template: Template;
  json: any;
}

export function buildStack(props: FinOpsGatewayStackProps = {}): Built {
  const app = unbundledApp();
  const stack = new FinOpsGatewayStack(app, LOCAL_STACK_NAME, props);
  const template = Template.fromStack(stack);
  return { stack, template, json: template.toJSON() };
}

/** The template resources of the gateway's own functions (stack.allFunctions(): not CDK's helpers, not the static console). */
export function gatewayFunctionResources({ stack, template }: Built): Array<Record<string, any>> {
  const resources = template.findResources('AWS::Lambda::Function');
  return stack.allFunctions().map((fn) => resources[logicalIdOf(fn)]);
}

/** The logical id of a construct's CloudFormation resource (its default child for L2s). */
export function logicalIdOf(construct: IConstruct): string {
  const cfn = CfnResource.isCfnResource(construct) ? construct : (construct.node.defaultChild as CfnResource);
  return Stack.of(construct).getLogicalId(cfn);
}

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
  Sid?: string;
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every identity-policy statement attached to the role: inline Policies and AWS::IAM::Policy resources. */
export function statementsOfRole(json: any, roleLogicalId: string): Statement[] {
  const resources = json.Resources as Record<string, any>;
  const role = resources[roleLogicalId];
  if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role in the template`);
  const inline = asArray(role.Properties.Policies).flatMap((p: any) => p.PolicyDocument.Statement as Statement[]);
  const attached = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && asArray(r.Properties.Roles).some((ref: any) => ref?.Ref === roleLogicalId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
  return [...inline, ...attached];
}

/** Every identity-policy statement in the template, with where it came from. */
export function allIdentityStatements(json: any): { source: string; statement: Statement }[] {
  const out: { source: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(json.Resources as Record<string, any>)) {
    if (r.Type === 'AWS::IAM::Policy') {
      for (const statement of r.Properties.PolicyDocument.Statement) out.push({ source: id, statement });
    }
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of asArray(r.Properties.Policies) as any[]) {
        for (const statement of p.PolicyDocument.Statement) out.push({ source: `${id}/${p.PolicyName}`, statement });
      }
    }
  }
  return out;
}

export const actionsOf = (statements: Statement[]): string[] => statements.flatMap((s) => asArray(s.Action));
