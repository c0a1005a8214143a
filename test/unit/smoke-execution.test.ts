// The smoke test's Step Functions check (scripts/smoke/deployment-checks.ts) against a fake SFN client:
// the tracker found by name across pages, the execution named by the batch id, and what fails.
import { DescribeExecutionCommand, ListStateMachinesCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { checkExecution } from '#scripts/smoke/deployment-checks';
import { parseSmokeArgs } from '#scripts/smoke/options';
import { StepFailure, StepSkipped } from '#scripts/smoke/steps';

const ARN = (name: string) => `arn:aws:states:eu-west-1:123456789012:stateMachine:${name}`;
const options = (extra: string[] = []) =>
  parseSmokeArgs(['--base-url', 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/openai', '--api-key', 'k', ...extra], {});

/** Two pages of state machines; executions by ARN. */
function fakeSfn(executions: Record<string, { name: string; status: string }>): { client: SFNClient; calls: string[] } {
  const calls: string[] = [];
  const send = async (command: unknown) => {
    if (command instanceof ListStateMachinesCommand) {
      calls.push(`list ${command.input.nextToken ?? ''}`.trim());
      return command.input.nextToken
        ? { stateMachines: [{ name: 'FinOpsGateway-prod-batch-tracker', stateMachineArn: ARN('FinOpsGateway-prod-batch-tracker') }] }
        : { stateMachines: [{ name: 'other', stateMachineArn: ARN('other') }], nextToken: 'page2' };
    }
    if (command instanceof DescribeExecutionCommand) {
      calls.push(`describe ${command.input.executionArn}`);
      const found = executions[command.input.executionArn!];
      if (!found) throw Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' });
      return found;
    }
    throw new Error('unexpected command');
  };
  return { client: { send } as unknown as SFNClient, calls };
}

const executionArn = (batchId: string) => `arn:aws:states:eu-west-1:123456789012:execution:FinOpsGateway-prod-batch-tracker:${batchId}`;

test('finds <stack>-batch-tracker across pages and reads the execution named after the batch', async () => {
  const { client, calls } = fakeSfn({ [executionArn('batch_1')]: { name: 'batch_1', status: 'SUCCEEDED' } });
  await expect(checkExecution('batch_1', true, options(['--stack-name', 'FinOpsGateway-prod']), client)).resolves.toEqual({
    value: true,
    detail: 'batch_1 SUCCEEDED',
  });
  expect(calls).toEqual(['list', 'list page2', `describe ${executionArn('batch_1')}`]);
});

test('--stage names the stack like cdk deploy -c stage=…', async () => {
  const { client } = fakeSfn({ [executionArn('batch_5')]: { name: 'batch_5', status: 'SUCCEEDED' } });
  expect(options(['--stage', 'prod']).stackName).toBe('FinOpsGateway-prod');
  await expect(checkExecution('batch_5', true, options(['--stage', 'prod']), client)).resolves.toMatchObject({
    detail: 'batch_5 SUCCEEDED',
  });
});

test('--state-machine-arn skips the lookup', async () => {
  const { client, calls } = fakeSfn({ [executionArn('batch_2')]: { name: 'batch_2', status: 'RUNNING' } });
  await expect(
    checkExecution('batch_2', true, options(['--state-machine-arn', ARN('FinOpsGateway-prod-batch-tracker')]), client),
  ).resolves.toMatchObject({ detail: 'batch_2 RUNNING' });
  expect(calls).toEqual([`describe ${executionArn('batch_2')}`]);
});

test('failures say what to check', async () => {
  const { client } = fakeSfn({
    [executionArn('batch_3')]: { name: 'batch_3', status: 'FAILED' },
    [executionArn('batch_4')]: { name: 'other-name', status: 'SUCCEEDED' },
  });
  const prod = options(['--stack-name', 'FinOpsGateway-prod']);
  await expect(checkExecution('batch_missing', true, prod, client)).rejects.toThrow(
    /no execution .*:batch_missing \(ExecutionDoesNotExist/,
  );
  await expect(checkExecution('batch_3', true, prod, client)).rejects.toThrow(/the execution of completed batch batch_3 is FAILED/);
  // A batch that did not complete may well have a failed execution: that is the batch's own failure.
  await expect(checkExecution('batch_3', false, prod, client)).resolves.toMatchObject({ detail: 'batch_3 FAILED' });
  await expect(checkExecution('batch_4', true, prod, client)).rejects.toThrow(/named other-name, not batch_4/);
  const wrongStack = checkExecution('batch_1', true, options(['--stack-name', 'Nope']), client);
  await expect(wrongStack).rejects.toBeInstanceOf(StepFailure);
  await expect(wrongStack).rejects.toThrow(/no state machine named Nope-batch-tracker/);
});

test('without credentials the check is skipped, saying so', async () => {
  await expect(checkExecution('batch_1', true, options(), undefined)).rejects.toBeInstanceOf(StepSkipped);
  await expect(checkExecution('batch_1', true, options(), undefined)).rejects.toThrow(/^skipped: no AWS credentials/);
});
