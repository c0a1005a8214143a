// Where a batch's tracker execution is in the AWS console. Executions are named after the batch id
// (README "Batch tracker"), so the execution ARN follows from the state machine's ARN:
//   arn:aws:states:<region>:<account>:stateMachine:<name> → …:execution:<name>:<batch id>
// and the Step Functions console opens an execution at
//   https://<region>.console.aws.amazon.com/states/home?region=<region>#/v2/executions/details/<execution ARN>
// (the console's execution-details page; AWS docs "Viewing execution details in the Step Functions
// console", docs.aws.amazon.com/step-functions/latest/dg/concepts-view-execution-details.html).

/** The placeholder the console replaces with a batch id. */
export const BATCH_ID_PLACEHOLDER = '{batch_id}';

/**
 * A URL template with {batch_id}, or null when there is no AWS console to link to (the local gateway,
 * a partition other than `aws`, or an ARN of another shape).
 */
export function executionUrlTemplate(stateMachineArn: string, deployed: boolean): string | null {
  if (!deployed) return null;
  const match = /^arn:aws:states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]+)$/.exec(stateMachineArn);
  if (!match) return null;
  const [, region, account, name] = match;
  const executionArn = `arn:aws:states:${region}:${account}:execution:${name}:${BATCH_ID_PLACEHOLDER}`;
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** In Lambda (or with FINOPS_AWS_CONSOLE_LINKS=true) links point at the AWS console; FINOPS_AWS_CONSOLE_LINKS=false turns them off. */
export function awsConsoleLinksEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FINOPS_AWS_CONSOLE_LINKS === 'true') return true;
  if (env.FINOPS_AWS_CONSOLE_LINKS === 'false') return false;
  return env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
}
