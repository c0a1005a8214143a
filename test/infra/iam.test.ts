// Who may do what: the Bedrock service role exactly, and least privilege for every function.
import { Stack } from 'aws-cdk-lib';
import { FUNCTION_ACCESS } from '#lib/api/access';
import { AUTHORIZER_FUNCTION, EVENT_FUNCTIONS, OPERATION_ROUTES, TRACKER_FUNCTIONS, WEBHOOK_FUNCTIONS } from '#contracts/routes';
import { WEBHOOK_CONTEXT_PURPOSE } from '#contracts/webhook-names';
import type { GatewayFunction } from '#lib/gateway-function';
import { actionsOf, allIdentityStatements, asArray, Built, buildStack, logicalIdOf, Statement, statementsOfRole } from './helpers';

/** Actions with no resource-level permissions: the only ones allowed on Resource "*". */
const ALLOWED_ON_ANY_RESOURCE = new Set([
  // Active tracing (functions and the state machine)
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  // Step Functions execution logging to CloudWatch Logs (vended log delivery)
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  // Listing Bedrock jobs (the adapter finds an orphaned job by name)
  'bedrock:ListModelInvocationJobs',
]);

let built: Built;
beforeAll(() => {
  built = buildStack();
});

const resolve = (value: unknown) => Stack.of(built.stack).resolve(value);
const sortedJson = (values: unknown[]) => values.map((v) => JSON.stringify(v)).sort();
/** A statement with its Action and Resource lists sorted, so comparisons ignore CDK's merge order. */
const normalize = (s: Statement) => ({
  ...s,
  Action: asArray(s.Action).slice().sort(),
  Resource: sortedJson(asArray(s.Resource as unknown)),
});

function allFunctions(stack = built.stack): GatewayFunction[] {
  return stack.allFunctions();
}
function fnByOperation(operation: string, stack = built.stack): GatewayFunction {
  const fn = allFunctions(stack).find((f) => f.operation === operation);
  if (!fn) throw new Error(`no function ${operation}`);
  return fn;
}
const statementsOf = (operation: string, b: Built = built) =>
  statementsOfRole(b.json, logicalIdOf(fnByOperation(operation, b.stack).role!));

describe('Bedrock batch service role', () => {
  const roleResource = () => built.json.Resources[logicalIdOf(built.stack.bedrockAccess.role)];

  test('trusts only bedrock.amazonaws.com, for jobs of this account', () => {
    expect(roleResource().Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'bedrock.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: {
              'aws:SourceArn': {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':bedrock:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':model-invocation-job/*',
                  ],
                ],
              },
            },
          },
        },
      ],
    });
  });

  test('reads the input bucket, writes the output bucket, invokes models: nothing more', () => {
    const { bedrockInput, bedrockOutput } = built.stack.buckets;
    const sameAccount = { StringEquals: { 'aws:ResourceAccount': { Ref: 'AWS::AccountId' } } };
    const statements = statementsOfRole(built.json, logicalIdOf(built.stack.bedrockAccess.role)).map(normalize);
    const modelArns = (region: unknown) => [
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:', region, '::foundation-model/*']] },
      {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':inference-profile/*'],
        ],
      },
    ];
    expect(statements).toEqual([
      {
        Sid: 'ReadStagedInput',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: sortedJson([resolve(bedrockInput.bucketArn), resolve(bedrockInput.arnForObjects('*'))]),
        Condition: sameAccount,
      },
      {
        Sid: 'WriteJobOutput',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:ListBucket', 's3:PutObject'],
        Resource: sortedJson([resolve(bedrockOutput.bucketArn), resolve(bedrockOutput.arnForObjects('*'))]),
        Condition: sameAccount,
      },
      { Sid: 'InvokeModels', Effect: 'Allow', Action: ['bedrock:InvokeModel'], Resource: sortedJson(modelArns({ Ref: 'AWS::Region' })) },
    ]);
  });

  test('allowed buckets and cross-region model regions extend the role', () => {
    const custom = buildStack({ allowedBuckets: ['team-data'], crossRegionModelRegions: ['us-west-2'] });
    const statements = statementsOfRole(custom.json, logicalIdOf(custom.stack.bedrockAccess.role));
    const allowed = statements.find((s) => s.Sid === 'UseAllowedBuckets');
    expect(allowed).toBeDefined();
    expect(JSON.stringify(allowed!.Resource)).toContain(':s3:::team-data/*');
    expect(allowed!.Condition).toBeUndefined();
    const invoke = statements.find((s) => s.Sid === 'InvokeModels')!;
    expect(JSON.stringify(invoke.Resource)).toContain(':bedrock:us-west-2::foundation-model/*');
  });
});

describe('no wildcards', () => {
  test('no identity policy grants an action with "*"', () => {
    const wildcards = allIdentityStatements(built.json).filter(({ statement }) => actionsOf([statement]).some((a) => a.includes('*')));
    expect(wildcards).toEqual([]);
  });

  test('Resource "*" only for actions that have no resource-level permissions', () => {
    const offenders = allIdentityStatements(built.json)
      .filter(({ statement }) => asArray(statement.Resource as unknown).includes('*'))
      .flatMap(({ source, statement }) =>
        actionsOf([statement])
          .filter((a) => !ALLOWED_ON_ANY_RESOURCE.has(a))
          .map((a) => `${source}: ${a}`),
      );
    expect(offenders).toEqual([]);
  });

  test('the exception list is used (the check above is not vacuous)', () => {
    const starActions = allIdentityStatements(built.json)
      .filter(({ statement }) => asArray(statement.Resource as unknown).includes('*'))
      .flatMap(({ statement }) => actionsOf([statement]));
    expect(starActions).toContain('xray:PutTraceSegments');
  });
});

describe('function permissions', () => {
  const READ_ONLY = ['files-list', 'files-retrieve', 'batches-list', 'finops-usage', 'webhooks-list', AUTHORIZER_FUNCTION.operation];
  const DYNAMO_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
  const operationsWith = (action: string) =>
    allFunctions()
      .filter((fn) => actionsOf(statementsOf(fn.operation)).includes(action))
      .map((fn) => fn.operation)
      .sort();

  test('every operation of routes.ts has an access profile', () => {
    const operations = [
      ...OPERATION_ROUTES.map((r) => r.operation),
      ...Object.values(TRACKER_FUNCTIONS).map((f) => f.operation),
      ...Object.values(EVENT_FUNCTIONS).map((f) => f.operation),
      ...Object.values(WEBHOOK_FUNCTIONS).map((f) => f.operation),
      AUTHORIZER_FUNCTION.operation,
    ];
    for (const operation of operations) expect(FUNCTION_ACCESS[operation]).toBeDefined();
  });

  test('finops-estimate reads the table and objects, and writes nothing', () => {
    const actions = actionsOf(statementsOf('finops-estimate'));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 's3:GetObject']));
    for (const write of [...DYNAMO_WRITES, 's3:PutObject', 's3:DeleteObject']) expect(actions).not.toContain(write);
    expect(actions.filter((a) => /^(secretsmanager|bedrock|iam|states|events|kms|sqs):/.test(a))).toEqual([]);
  });

  test('webhook secrets: only create and rotate seal, only deliver opens, on the webhook key and purpose only', () => {
    expect(operationsWith('kms:GenerateDataKey')).toEqual(['webhooks-create', 'webhooks-rotate']);
    expect(operationsWith('kms:Decrypt')).toEqual([WEBHOOK_FUNCTIONS.deliver.operation]);
    for (const operation of ['webhooks-create', 'webhooks-rotate', WEBHOOK_FUNCTIONS.deliver.operation]) {
      const kms = statementsOf(operation).filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:')));
      expect(kms).toHaveLength(1);
      expect(kms[0].Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(built.stack.webhooks.key), 'Arn'] });
      expect(kms[0].Condition).toEqual({ StringEquals: { 'kms:EncryptionContext:purpose': WEBHOOK_CONTEXT_PURPOSE } });
    }
  });

  test('only the fan-out queues webhook deliveries, only the deliverer consumes them, on the delivery queue only', () => {
    const queueArn = { 'Fn::GetAtt': [logicalIdOf(built.stack.webhooks.queue), 'Arn'] };
    expect(operationsWith('sqs:SendMessage')).toEqual([WEBHOOK_FUNCTIONS.fanOut.operation]);
    expect(operationsWith('sqs:ReceiveMessage')).toEqual([WEBHOOK_FUNCTIONS.deliver.operation]);
    expect(operationsWith('sqs:ChangeMessageVisibility')).toEqual([WEBHOOK_FUNCTIONS.deliver.operation]);
    for (const fn of allFunctions()) {
      for (const s of statementsOf(fn.operation).filter((st) => actionsOf([st]).some((a) => a.startsWith('sqs:'))))
        expect(s.Resource).toEqual(queueArn);
    }
    const fanOut = actionsOf(statementsOf(WEBHOOK_FUNCTIONS.fanOut.operation));
    for (const write of DYNAMO_WRITES) expect(fanOut).not.toContain(write);
    expect(fanOut.filter((a) => /^(s3|secretsmanager|bedrock|iam|states|events|kms):/.test(a))).toEqual([]);
  });

  test('mark-failed only records the failure', () => {
    const actions = actionsOf(statementsOf(TRACKER_FUNCTIONS.markFailed.operation));
    expect(actions).toContain('dynamodb:UpdateItem');
    expect(actions.filter((a) => /^(s3|secretsmanager|bedrock|iam|states|events):/.test(a))).toEqual([]);
  });

  test.each(READ_ONLY)('%s reads the table and nothing else', (operation) => {
    const actions = actionsOf(statementsOf(operation));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    for (const write of DYNAMO_WRITES) expect(actions).not.toContain(write);
    expect(actions.filter((a) => /^(s3|secretsmanager|bedrock|iam|states|events):/.test(a))).toEqual([]);
  });

  // Issue 12: batches.retrieve starts the tracker of a batch whose create was cut off after recording it;
  // batches-retry runs batches.create's handler.
  test('only batches-create, batches-retry and batches-retrieve start tracker executions, on the tracker only', () => {
    expect(operationsWith('states:StartExecution')).toEqual(['batches-create', 'batches-retrieve', 'batches-retry']);
    for (const operation of ['batches-create', 'batches-retrieve', 'batches-retry']) {
      const statement = statementsOf(operation).find((s) => asArray(s.Action).includes('states:StartExecution'))!;
      expect(statement.Resource).toEqual({ Ref: logicalIdOf(built.stack.tracker.stateMachine) });
    }
  });

  test('batches-retrieve reads the table, never writes it, and touches nothing but the tracker', () => {
    const actions = actionsOf(statementsOf('batches-retrieve'));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    for (const write of DYNAMO_WRITES) expect(actions).not.toContain(write);
    expect(actions.filter((a) => /^(s3|secretsmanager|bedrock|iam|events):/.test(a))).toEqual([]);
  });

  test('only the check function invokes models directly', () => {
    expect(operationsWith('bedrock:InvokeModel')).toEqual([TRACKER_FUNCTIONS.checkStatus.operation]);
  });

  test('only the state machine puts events, on the default bus', () => {
    expect(operationsWith('events:PutEvents')).toEqual([]);
    const putEvents = allIdentityStatements(built.json).filter(({ statement }) => actionsOf([statement]).includes('events:PutEvents'));
    expect(putEvents).toHaveLength(1);
    expect(JSON.stringify(putEvents[0].statement.Resource)).toContain(':event-bus/default');
  });

  test('provider keys are readable only by functions that call providers', () => {
    expect(operationsWith('secretsmanager:GetSecretValue')).toEqual(
      // Issue 12: batches-create no longer calls a provider; the tracker's submit step does. batches-retry
      // gives the provider its copy of the new input file, as files.create does.
      [
        'batches-cancel',
        'batches-retry',
        'files-create',
        'files-delete',
        'files-expire',
        'files-register',
        'uploads-complete',
        'tracker-check-status',
        'tracker-collect-results',
        'tracker-submit-batch',
      ].sort(),
    );
  });

  test('iam:PassRole only on the Bedrock role, only towards Bedrock', () => {
    const passRoles = allIdentityStatements(built.json).filter(({ statement }) => actionsOf([statement]).includes('iam:PassRole'));
    expect(passRoles.length).toBeGreaterThan(0);
    for (const { statement } of passRoles) {
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(built.stack.bedrockAccess.role), 'Arn'] });
      expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } });
    }
    expect(operationsWith('iam:PassRole')).toEqual(
      ['batches-cancel', 'tracker-check-status', 'tracker-collect-results', 'tracker-submit-batch'].sort(),
    );
    expect(operationsWith('bedrock:ListModelInvocationJobs')).toEqual(operationsWith('iam:PassRole'));
  });

  test('Bedrock job control is scoped to jobs, models and profiles of this region', () => {
    const statement = statementsOf('tracker-submit-batch').find((s) => asArray(s.Action).includes('bedrock:CreateModelInvocationJob'))!;
    expect(asArray(statement.Action).sort()).toEqual([
      'bedrock:CreateModelInvocationJob',
      'bedrock:GetModelInvocationJob',
      'bedrock:StopModelInvocationJob',
      'bedrock:TagResource',
    ]);
    const resources = JSON.stringify(statement.Resource);
    expect(resources).toContain(':model-invocation-job/*');
    expect(resources).toContain('::foundation-model/*');
    expect(resources).toContain(':inference-profile/*');
  });

  test('files-content reads objects but cannot write or delete them', () => {
    const actions = actionsOf(statementsOf('files-content'));
    expect(actions).toContain('s3:GetObject');
    expect(actions).not.toContain('s3:PutObject');
    expect(actions).not.toContain('s3:DeleteObject');
  });

  test('files-direct-upload may only put objects under direct/ in the files bucket (all a presigned URL of it can do)', () => {
    const s3Statements = statementsOf('files-direct-upload').filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
    expect(s3Statements).toHaveLength(1);
    expect(asArray(s3Statements[0].Action)).toEqual(['s3:PutObject']);
    expect(s3Statements[0].Resource).toEqual(resolve(built.stack.buckets.files.arnForObjects('direct/*')));
    expect(EVENT_FUNCTIONS.registerFile.keyPrefix).toBe('direct/');
  });

  test('files-register reads, writes and deletes objects like the other functions that store files', () => {
    const actions = actionsOf(statementsOf(EVENT_FUNCTIONS.registerFile.operation));
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 'dynamodb:UpdateItem']));
    expect(actions.filter((a) => /^(states|bedrock|iam|kms):/.test(a))).toEqual([]);
  });

  test('Bedrock output is read and deleted by the gateway, never written', () => {
    const outputObjects = JSON.stringify(resolve(built.stack.buckets.bedrockOutput.arnForObjects('*')));
    const writesToOutput = allFunctions().filter((fn) =>
      statementsOf(fn.operation).some(
        (s) => asArray(s.Action).includes('s3:PutObject') && JSON.stringify(s.Resource).includes(outputObjects),
      ),
    );
    expect(writesToOutput).toEqual([]);
  });

  test('each function writes only to its own log group', () => {
    for (const fn of allFunctions()) {
      const logWrites = statementsOf(fn.operation).filter((s) => asArray(s.Action).includes('logs:PutLogEvents'));
      expect(logWrites).toHaveLength(1);
      expect(logWrites[0].Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(fn.logGroup as any), 'Arn'] });
    }
  });

  test('no function role carries a managed policy', () => {
    for (const fn of allFunctions()) {
      expect(built.json.Resources[logicalIdOf(fn.role!)].Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  test('allowedBuckets: read/write for functions that store files, nothing for read-only ones', () => {
    const custom = buildStack({ allowedBuckets: ['team-data'] });
    const grants = (operation: string) => JSON.stringify(statementsOf(operation, custom));
    expect(grants('files-create')).toContain(':s3:::team-data/*');
    expect(grants('uploads-complete')).toContain(':s3:::team-data/*');
    expect(grants('files-content')).toContain(':s3:::team-data/*');
    expect(grants('files-list')).not.toContain('team-data');
    expect(grants(AUTHORIZER_FUNCTION.operation)).not.toContain('team-data');
  });
});
