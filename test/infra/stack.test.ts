// The deployable stack's template: functions, routes, authorizer, storage, secrets, environment.
import { PROVIDER_CATALOG } from '#contracts/providers';
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { GATEWAY_RESPONSES } from '#lib/api/gateway-responses';
import {
  API_PREFIXES,
  AUTHORIZER_FUNCTION,
  EVENT_FUNCTIONS,
  OPERATION_ROUTES,
  SCHEDULED_FUNCTIONS,
  TRACKER_FUNCTIONS,
  WEBHOOK_FUNCTIONS,
} from '#contracts/routes';
import {
  MAX_DELIVERY_ATTEMPTS,
  RETRY_SCHEDULE_SECONDS,
  WEBHOOK_KMS_KEY_VARIABLE,
  WEBHOOK_QUEUE_URL_VARIABLE,
} from '#contracts/webhook-names';
import { BATCH_EVENT_DETAIL_TYPE, BATCH_EVENT_SOURCE } from '#lib/batch-tracker/state-names';
import { HTTP_PROVIDERS, secretArnVariable } from '#lib/storage/provider-secrets';
import { Built, buildStack, logicalIdOf } from './helpers';

const ALL_FUNCTIONS = [
  ...OPERATION_ROUTES,
  ...Object.values(TRACKER_FUNCTIONS),
  ...Object.values(EVENT_FUNCTIONS),
  ...Object.values(SCHEDULED_FUNCTIONS),
  ...Object.values(WEBHOOK_FUNCTIONS),
  AUTHORIZER_FUNCTION,
];
const FINOPS_VARIABLES = [
  'FINOPS_TABLE_NAME',
  'FINOPS_FILES_BUCKET',
  'FINOPS_BEDROCK_INPUT_BUCKET',
  'FINOPS_BEDROCK_OUTPUT_BUCKET',
  'FINOPS_BEDROCK_ROLE_ARN',
  'FINOPS_STATE_MACHINE_ARN',
  'FINOPS_EVENT_BUS_NAME',
  'FINOPS_DEFAULT_PROVIDER',
  'FINOPS_ALLOWED_BUCKETS',
  'FINOPS_ALLOW_PROVIDER_KEY_PASSTHROUGH',
  ...HTTP_PROVIDERS.map(secretArnVariable),
];

let built: Built;
beforeAll(() => {
  // The API alone; the web console's two public methods and its function are checked, against this
  // same stack with the console on, in test/infra/console.test.ts.
  built = buildStack({ webConsole: false });
});

/** The function resource of an operation, found through the construct tree (not by guessing ids). */
function functionResource(operation: string): any {
  const { stack, json } = built;
  const fn = stack.allFunctions().find((f) => f.operation === operation);
  if (!fn) throw new Error(`no function for ${operation}`);
  return json.Resources[logicalIdOf(fn)];
}

describe('functions', () => {
  test("one Lambda function per operation, tracker function, event function and authorizer; the only other is CDK's bucket notification handler", () => {
    const functions = Object.entries(built.template.findResources('AWS::Lambda::Function'));
    const others = functions.filter(([, fn]) => fn.Properties.Runtime !== 'nodejs22.x').map(([id]) => id);
    expect(functions).toHaveLength(ALL_FUNCTIONS.length + 1);
    expect(others).toEqual([expect.stringMatching(/^BucketNotificationsHandler/)]);
  });

  test.each(ALL_FUNCTIONS.map((f) => [f.operation, f] as const))('%s: runtime, arch, sizing, tracing, log group', (operation, spec) => {
    const props = functionResource(operation).Properties;
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.MemorySize).toBe(spec.memoryMb);
    expect(props.Timeout).toBe(spec.timeoutSeconds);
    expect(props.TracingConfig).toEqual({ Mode: 'Active' });
    expect(props.LoggingConfig.LogGroup.Ref).toBeDefined();
    const logGroup = built.json.Resources[props.LoggingConfig.LogGroup.Ref];
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBe(30);
  });

  test.each(ALL_FUNCTIONS.map((f) => f.operation))('%s: FINOPS_* environment, source maps, service name, no key', (operation) => {
    const variables = functionResource(operation).Properties.Environment.Variables;
    expect(Object.keys(variables)).toEqual(expect.arrayContaining([...FINOPS_VARIABLES, 'NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME']));
    expect(variables.NODE_OPTIONS).toBe('--enable-source-maps');
    expect(variables.POWERTOOLS_SERVICE_NAME).toBe('finops-gateway');
    // Keys only ever come from Secrets Manager.
    for (const name of Object.keys(variables)) expect(name).not.toMatch(/API_KEY$/);
    for (const provider of HTTP_PROVIDERS) {
      expect(variables[secretArnVariable(provider)]).toEqual({ Ref: logicalIdOf(built.stack.providerSecrets.secrets[provider] as any) });
    }
  });

  test('default configuration values', () => {
    const variables = functionResource('batches-create').Properties.Environment.Variables;
    expect(variables.FINOPS_DEFAULT_PROVIDER).toBe('openai');
    expect(variables.FINOPS_ALLOWED_BUCKETS).toBe('');
    expect(variables.FINOPS_ALLOW_PROVIDER_KEY_PASSTHROUGH).toBe('false');
    expect(variables.FINOPS_EVENT_BUS_NAME).toBe('default');
    expect(variables.FINOPS_TABLE_NAME).toEqual({ Ref: logicalIdOf(built.stack.table.table) });
    expect(variables.FINOPS_BEDROCK_ROLE_ARN).toEqual({ 'Fn::GetAtt': [logicalIdOf(built.stack.bedrockAccess.role), 'Arn'] });
  });

  test('FINOPS_STATE_MACHINE_ARN names the tracker state machine', () => {
    const machine = built.json.Resources[logicalIdOf(built.stack.tracker.stateMachine)];
    const arn = JSON.stringify(functionResource('batches-create').Properties.Environment.Variables.FINOPS_STATE_MACHINE_ARN);
    expect(arn).toContain(`:stateMachine:${machine.Properties.StateMachineName}`);
    expect(machine.Properties.StateMachineName).toBe('FinOpsGateway-batch-tracker');
  });
});

/** "POST /openai/files" → the AWS::ApiGateway::Method resource, by walking the Resource tree. */
function methodsByRoute(json: any): Map<string, any> {
  const resources = json.Resources as Record<string, any>;
  const pathOf = (ref: any): string => {
    if (ref['Fn::GetAtt']?.[1] === 'RootResourceId') return '';
    const resource = resources[ref.Ref];
    return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
  };
  const out = new Map<string, any>();
  for (const r of Object.values(resources)) {
    if (r.Type === 'AWS::ApiGateway::Method') out.set(`${r.Properties.HttpMethod} ${pathOf(r.Properties.ResourceId)}`, r.Properties);
  }
  return out;
}

const authorizerLogicalId = () => {
  const ids = Object.entries(built.json.Resources)
    .filter(([, r]: any) => r.Type === 'AWS::ApiGateway::Authorizer')
    .map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0];
};
const resourceOfType = (type: string) => {
  const found = Object.values(built.json.Resources).filter((r: any) => r.Type === type) as any[];
  expect(found).toHaveLength(1);
  return found[0];
};

describe('REST API', () => {
  test('one method per operation and prefix, nothing else', () => {
    const methods = methodsByRoute(built.json);
    const expected = OPERATION_ROUTES.flatMap((r) => API_PREFIXES.map((prefix) => `${r.method} ${prefix}${r.path}`));
    expect([...methods.keys()].sort()).toEqual(expected.sort());
  });

  const routeCases = OPERATION_ROUTES.flatMap((r) =>
    API_PREFIXES.map((prefix) => [`${r.method} ${prefix}${r.path}`, r.operation] as const),
  );
  test.each(routeCases)('%s → %s, behind the authorizer', (routeKey, operation) => {
    const method = methodsByRoute(built.json).get(routeKey);
    expect(method).toBeDefined();
    expect(method.AuthorizationType).toBe('CUSTOM');
    expect(method.AuthorizerId).toEqual({ Ref: authorizerLogicalId() });
    expect(method.Integration.Type).toBe('AWS_PROXY');
    expect(method.Integration.Uri['Fn::Join'][1]).toContainEqual({
      'Fn::GetAtt': [logicalIdOf(built.stack.api.functions[operation]), 'Arn'],
    });
  });

  test('every method requires the authorizer', () => {
    const methods = [...methodsByRoute(built.json).values()];
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods) expect(method.AuthorizationType).toBe('CUSTOM');
  });

  test('API Gateway may invoke each function only through its own methods', () => {
    const permissions = Object.values(built.json.Resources).filter((r: any) => r.Type === 'AWS::Lambda::Permission') as any[];
    const fromApi = permissions.filter((p) => p.Properties.Principal === 'apigateway.amazonaws.com');
    // One per method, plus the authorizer's; the other permissions are S3's (see "direct uploads"),
    // the expiry schedule's (see "expired files") and the webhook fan-out rule's (see "webhooks").
    expect(fromApi).toHaveLength(OPERATION_ROUTES.length * API_PREFIXES.length + 1);
    expect(
      permissions
        .filter((p) => p.Properties.Principal !== 'apigateway.amazonaws.com')
        .map((p) => p.Properties.Principal)
        .sort(),
    ).toEqual(['events.amazonaws.com', 'events.amazonaws.com', 's3.amazonaws.com']);
    const registrar = { 'Fn::GetAtt': [logicalIdOf(built.stack.fileRegistrar), 'Arn'] };
    const expirer = { 'Fn::GetAtt': [logicalIdOf(built.stack.fileExpirer), 'Arn'] };
    const webhookFns = built.stack.webhooks.functions().map((fn) => ({ 'Fn::GetAtt': [logicalIdOf(fn), 'Arn'] }));
    for (const p of fromApi) expect([registrar, expirer, ...webhookFns]).not.toContainEqual(p.Properties.FunctionName);
  });

  test('Lambda authorizer: REQUEST type, Authorization header, 60 s cache', () => {
    const authorizer = resourceOfType('AWS::ApiGateway::Authorizer').Properties;
    expect(authorizer.Type).toBe('REQUEST');
    expect(authorizer.IdentitySource).toBe('method.request.header.Authorization');
    expect(authorizer.AuthorizerResultTtlInSeconds).toBe(60);
    expect(authorizer.AuthorizerUri['Fn::Join'][1]).toContainEqual({
      'Fn::GetAtt': [logicalIdOf(built.stack.api.authorizerFunction), 'Arn'],
    });
  });

  test('treats every body as binary, regional endpoint', () => {
    const api = resourceOfType('AWS::ApiGateway::RestApi').Properties;
    expect(api.BinaryMediaTypes).toEqual(['*/*']);
    expect(api.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
  });

  test('stage "prod": traced, throttled, error logs without bodies, JSON access log', () => {
    const stage = resourceOfType('AWS::ApiGateway::Stage').Properties;
    expect(stage.StageName).toBe('prod');
    expect(stage.TracingEnabled).toBe(true);
    expect(stage.MethodSettings).toEqual([
      expect.objectContaining({
        ResourcePath: '/*',
        HttpMethod: '*',
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
      }),
    ]);
    expect(stage.AccessLogSetting.DestinationArn).toEqual({ 'Fn::GetAtt': [logicalIdOf(built.stack.api.accessLogs), 'Arn'] });
    expect(JSON.parse(stage.AccessLogSetting.Format)).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      routeKey: '$context.httpMethod $context.resourcePath',
      status: '$context.status',
      latency: '$context.responseLatency',
      authorizerError: '$context.authorizer.error',
    });
  });

  test.each(GATEWAY_RESPONSES.map((r) => [r.type, r] as const))('gateway response %s is an OpenAI-shaped error', (type, spec) => {
    const responses = Object.values(built.json.Resources).filter(
      (r: any) => r.Type === 'AWS::ApiGateway::GatewayResponse' && r.Properties.ResponseType === type,
    ) as any[];
    expect(responses).toHaveLength(1);
    const response = responses[0].Properties;
    expect(response.StatusCode).toBe(String(spec.statusCode));
    expect(JSON.parse(response.ResponseTemplates['application/json'])).toEqual(spec.body);
    expect(response.ResponseParameters['gatewayresponse.header.Content-Type']).toBe("'application/json'");
  });

  test('CORS is off by default: no OPTIONS methods', () => {
    expect([...methodsByRoute(built.json).keys()].filter((k) => k.startsWith('OPTIONS'))).toEqual([]);
  });

  test('OpenAIBaseUrl output is the stage URL followed by "openai"', () => {
    const value = built.json.Outputs.OpenAIBaseUrl.Value['Fn::Join'][1] as unknown[];
    expect(value[0]).toBe('https://');
    expect(value[1]).toEqual({ Ref: logicalIdOf(built.stack.api.restApi) });
    expect(value[value.length - 1]).toBe('/openai');
  });
});

describe('direct uploads', () => {
  const registrarArn = () => ({ 'Fn::GetAtt': [logicalIdOf(built.stack.fileRegistrar), 'Arn'] });

  test('S3 invokes files-register for objects created under direct/ in the files bucket, and nothing else', () => {
    const notifications = Object.values(built.template.findResources('Custom::S3BucketNotifications'));
    expect(notifications).toHaveLength(1);
    const props = notifications[0].Properties;
    expect(props.BucketName).toEqual({ Ref: logicalIdOf(built.stack.buckets.files) });
    expect(props.NotificationConfiguration).toEqual({
      LambdaFunctionConfigurations: [
        {
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: EVENT_FUNCTIONS.registerFile.keyPrefix }] } },
          LambdaFunctionArn: registrarArn(),
        },
      ],
    });
  });

  test('only the files bucket of this account may invoke files-register', () => {
    const fromS3 = Object.values(built.template.findResources('AWS::Lambda::Permission')).filter(
      (p) => p.Properties.Principal === 's3.amazonaws.com',
    );
    expect(fromS3).toHaveLength(1);
    expect(fromS3[0].Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: registrarArn(),
      Principal: 's3.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: { 'Fn::GetAtt': [logicalIdOf(built.stack.buckets.files), 'Arn'] },
    });
  });

  test('files-register is invoked by S3 only: no API method integrates it', () => {
    const integrated = [...methodsByRoute(built.json).values()].filter((m) =>
      JSON.stringify(m.Integration?.Uri ?? '').includes(logicalIdOf(built.stack.fileRegistrar)),
    );
    expect(integrated).toEqual([]);
  });
});

describe('expired files', () => {
  const expirerArn = () => ({ 'Fn::GetAtt': [logicalIdOf(built.stack.fileExpirer), 'Arn'] });

  test('an hourly EventBridge schedule invokes files-expire, and only it', () => {
    const rules = Object.values(built.template.findResources('AWS::Events::Rule')).filter((r) => r.Properties.ScheduleExpression);
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties).toMatchObject({
      ScheduleExpression: Schedule.rate(Duration.minutes(SCHEDULED_FUNCTIONS.expireFiles.everyMinutes)).expressionString,
      State: 'ENABLED',
    });
    expect(rules[0].Properties.Targets).toEqual([expect.objectContaining({ Arn: expirerArn(), RetryPolicy: { MaximumRetryAttempts: 2 } })]);
    const fromEvents = Object.values(built.template.findResources('AWS::Lambda::Permission')).filter(
      (p) => p.Properties.Principal === 'events.amazonaws.com',
    );
    // The other EventBridge permission is the webhook fan-out's, from its event rule (see "webhooks").
    const fanOutArn = { 'Fn::GetAtt': [logicalIdOf(built.stack.webhooks.functions()[0]), 'Arn'] };
    expect(fromEvents.map((p) => p.Properties.FunctionName)).toEqual(expect.arrayContaining([expirerArn(), fanOutArn]));
    expect(fromEvents).toHaveLength(2);
    expect(fromEvents.find((p) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify(expirerArn()))!.Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      SourceArn: expect.anything(),
    });
  });

  test('files-expire is invoked by its schedule only: no API method integrates it', () => {
    const integrated = [...methodsByRoute(built.json).values()].filter((m) =>
      JSON.stringify(m.Integration?.Uri ?? '').includes(logicalIdOf(built.stack.fileExpirer)),
    );
    expect(integrated).toEqual([]);
  });
});

describe('webhooks', () => {
  const ref = (construct: Parameters<typeof logicalIdOf>[0]) => logicalIdOf(construct);
  const queueProps = (q: Parameters<typeof logicalIdOf>[0]) => built.json.Resources[ref(q)].Properties;

  test("the tracker's terminal event invokes the fan-out, retried, with a dead-letter queue", () => {
    const rules = Object.values(built.template.findResources('AWS::Events::Rule')).filter((r) => r.Properties.EventPattern);
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.EventPattern).toEqual({ source: [BATCH_EVENT_SOURCE], 'detail-type': [BATCH_EVENT_DETAIL_TYPE] });
    expect(rules[0].Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [ref(built.stack.webhooks.functions()[0]), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ref(built.stack.webhooks.fanOutDeadLetters), 'Arn'] } },
      }),
    ]);
  });

  test('the delivery queue: retries for more than 24 h, then its dead-letter queue; encrypted, TLS only', () => {
    expect(RETRY_SCHEDULE_SECONDS.reduce((a, b) => a + b, 0)).toBeGreaterThan(24 * 3600);
    expect(Math.max(...RETRY_SCHEDULE_SECONDS)).toBeLessThanOrEqual(12 * 3600); // SQS's longest visibility timeout
    const queue = queueProps(built.stack.webhooks.queue);
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [ref(built.stack.webhooks.deadLetters), 'Arn'] },
      maxReceiveCount: MAX_DELIVERY_ATTEMPTS,
    });
    expect(queue.VisibilityTimeout).toBe(6 * WEBHOOK_FUNCTIONS.deliver.timeoutSeconds);
    for (const q of [built.stack.webhooks.queue, built.stack.webhooks.deadLetters, built.stack.webhooks.fanOutDeadLetters]) {
      expect(queueProps(q)).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    }
    const policies = Object.values(built.template.findResources('AWS::SQS::QueuePolicy'));
    expect(policies.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(policies)).toContain('"aws:SecureTransport":"false"');
  });

  test('the deliverer consumes the queue in batches of 10 and reports failed items', () => {
    const mappings = Object.values(built.template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(1);
    expect(mappings[0].Properties).toMatchObject({
      FunctionName: { Ref: ref(built.stack.webhooks.functions()[1]) },
      EventSourceArn: { 'Fn::GetAtt': [ref(built.stack.webhooks.queue), 'Arn'] },
      BatchSize: WEBHOOK_FUNCTIONS.deliver.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('alarms on both dead-letter queues; the key and queue are in every function environment', () => {
    expect(built.stack.webhooks.deadLetterAlarms).toHaveLength(2);
    for (const fn of built.stack.allFunctions()) {
      const vars = built.json.Resources[ref(fn)].Properties.Environment.Variables;
      expect(vars[WEBHOOK_KMS_KEY_VARIABLE]).toEqual({ 'Fn::GetAtt': [ref(built.stack.webhooks.key), 'Arn'] });
      expect(vars[WEBHOOK_QUEUE_URL_VARIABLE]).toEqual({ Ref: ref(built.stack.webhooks.queue) });
    }
  });
});

describe('API Gateway account role', () => {
  test('created by default, and can be left to an existing account setting', () => {
    built.template.resourceCountIs('AWS::ApiGateway::Account', 1);
    buildStack({ createApiGatewayCloudWatchRole: false }).template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describe('storage', () => {
  test('table: pk/sk, byOwner GSI projecting all, on-demand, PITR, AWS-managed encryption, TTL, retained', () => {
    built.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    built.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
        ]),
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byOwner',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // SSEEnabled without a KMSMasterKeyId: the AWS-managed key.
        SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent(), SSEType: Match.absent() },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      },
    });
  });

  const bucketNames = ['files', 'bedrockInput', 'bedrockOutput', 'accessLogs'] as const;
  const bucket = (name: (typeof bucketNames)[number]) => built.json.Resources[logicalIdOf(built.stack.buckets[name])];

  test('four buckets', () => {
    built.template.resourceCountIs('AWS::S3::Bucket', 4);
  });

  test.each(bucketNames)('%s bucket: encrypted, public access blocked, retained, aborts stale multipart uploads', (name) => {
    const resource = bucket(name);
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
    expect(resource.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(resource.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(resource.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' })]),
    );
  });

  test.each(bucketNames)('%s bucket: policy denies requests without TLS', (name) => {
    const bucketId = logicalIdOf(built.stack.buckets[name]);
    built.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test.each(['files', 'bedrockInput', 'bedrockOutput'] as const)('%s bucket: server access logs go to the log bucket', (name) => {
    expect(bucket(name).Properties.LoggingConfiguration.DestinationBucketName).toEqual({
      Ref: logicalIdOf(built.stack.buckets.accessLogs),
    });
  });

  test('files bucket is versioned and expires noncurrent versions', () => {
    const files = bucket('files').Properties;
    expect(files.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(files.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })]),
    );
  });

  test.each(['bedrockInput', 'bedrockOutput'] as const)('%s bucket expires staged objects after 30 days', (name) => {
    expect(bucket(name).Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 30 })]),
    );
  });
});

describe('provider secrets', () => {
  test('one retained secret per HTTP provider, generated (no key text in the template)', () => {
    built.template.resourceCountIs('AWS::SecretsManager::Secret', HTTP_PROVIDERS.length);
    const secrets = Object.values(built.json.Resources).filter((r: any) => r.Type === 'AWS::SecretsManager::Secret') as any[];
    for (const secret of secrets) {
      expect(secret.DeletionPolicy).toBe('Retain');
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.Properties.GenerateSecretString).toBeDefined();
    }
    for (const provider of HTTP_PROVIDERS) {
      // The output is named after the catalog's display name ("Vertex AI" → VertexAISecretArn).
      const name = PROVIDER_CATALOG[provider].displayName.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
      expect(Object.keys(built.json.Outputs).some((k) => k.toLowerCase().includes(`${name}secretarn`))).toBe(true);
    }
  });

  test('existing secrets are used by ARN instead of creating new ones', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:team/openai-key-AbC123';
    const withExisting = buildStack({ providerSecretArns: { openai: arn } });
    withExisting.template.resourceCountIs('AWS::SecretsManager::Secret', HTTP_PROVIDERS.length - 1);
    const fn = withExisting.json.Resources[logicalIdOf(withExisting.stack.api.functions['batches-create'])];
    expect(fn.Properties.Environment.Variables.FINOPS_OPENAI_SECRET_ARN).toBe(arn);
  });
});

describe('stack props', () => {
  test('allowedBuckets, provider key pass-through, default provider and CORS reach the template', () => {
    const custom = buildStack({
      allowedBuckets: ['team-data', 'shared.results'],
      allowProviderKeyPassThrough: true,
      defaultProvider: 'bedrock',
      corsAllowedOrigins: ['https://console.example.com'],
      apiRateLimit: 5,
      apiBurstLimit: 10,
    });
    const variables = custom.json.Resources[logicalIdOf(custom.stack.api.functions['files-create'])].Properties.Environment.Variables;
    expect(variables.FINOPS_ALLOWED_BUCKETS).toBe('team-data,shared.results');
    expect(variables.FINOPS_ALLOW_PROVIDER_KEY_PASSTHROUGH).toBe('true');
    expect(variables.FINOPS_DEFAULT_PROVIDER).toBe('bedrock');
    expect(variables.FINOPS_CORS_ALLOWED_ORIGINS).toBe('https://console.example.com');
    const methods = methodsByRoute(custom.json);
    const preflight = methods.get('OPTIONS /openai/v1/files');
    expect(preflight.AuthorizationType).toBe('NONE');
    expect(JSON.stringify(preflight.Integration)).toContain('https://console.example.com');
    expect(methods.get('POST /openai/v1/files').AuthorizationType).toBe('CUSTOM');
    custom.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 })],
    });
  });
});
