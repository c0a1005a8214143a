// Stack pieces of issue 13: API Gateway's own answers carry x-request-id like the handlers' do.
import { GATEWAY_RESPONSES } from '#lib/api/gateway-responses';
import { buildStack } from './helpers';

const built = buildStack();

test('every gateway response maps x-request-id to API Gateway’s request id', () => {
  const responses = Object.values(built.json.Resources).filter((r: any) => r.Type === 'AWS::ApiGateway::GatewayResponse') as any[];
  expect(responses.map((r) => r.Properties.ResponseType).sort()).toEqual(GATEWAY_RESPONSES.map((s) => s.type).sort());
  for (const response of responses)
    expect(response.Properties.ResponseParameters['gatewayresponse.header.x-request-id']).toBe('context.requestId');
});

describe('bedrockJobRegions: the regions Bedrock jobs may run in', () => {
  const functionEnvironments = (json: any) =>
    Object.values(json.Resources)
      .filter((r: any) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.FINOPS_TABLE_NAME)
      .map((r: any) => r.Properties.Environment.Variables);
  const serviceRole = (json: any) =>
    Object.values(json.Resources).find(
      (r: any) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('bedrock.amazonaws.com'),
    ) as any;

  test('default: only the stack’s region', () => {
    const envs = functionEnvironments(built.json);
    expect(envs.length).toBeGreaterThan(5);
    for (const env of envs) expect(JSON.stringify(env.FINOPS_BEDROCK_REGIONS)).toContain('AWS::Region');
    expect(JSON.stringify(serviceRole(built.json).Properties.AssumeRolePolicyDocument)).not.toContain('us-west-2');
  });

  test('a listed region reaches every function, the service role’s trust and the job grants', () => {
    const withWest = buildStack({ bedrockJobRegions: ['us-west-2'] });
    for (const env of functionEnvironments(withWest.json)) expect(JSON.stringify(env.FINOPS_BEDROCK_REGIONS)).toContain('us-west-2');
    const trust = JSON.stringify(serviceRole(withWest.json).Properties.AssumeRolePolicyDocument);
    expect(trust).toContain(':bedrock:us-west-2:');
    expect(trust).toContain('model-invocation-job/*');
    expect(withWest.stack.bedrockAccess.jobArnPatterns).toHaveLength(2);
    expect(JSON.stringify(withWest.stack.bedrockAccess.modelArnPatterns)).toContain('us-west-2');
  });

  test('a name that is not a region is refused at synth', () => {
    expect(() => buildStack({ bedrockJobRegions: ['west'] })).toThrow(/jobRegions has "west"/);
  });
});
