// Stack pieces of issue 13: API Gateway's own answers carry x-request-id like the handlers' do.
import { GATEWAY_RESPONSES } from '../../lib/api/gateway-responses';
import { buildStack } from './helpers';

const built = buildStack();

test('every gateway response maps x-request-id to API Gateway’s request id', () => {
  const responses = Object.values(built.json.Resources).filter((r: any) => r.Type === 'AWS::ApiGateway::GatewayResponse') as any[];
  expect(responses.map((r) => r.Properties.ResponseType).sort()).toEqual(GATEWAY_RESPONSES.map((s) => s.type).sort());
  for (const response of responses) expect(response.Properties.ResponseParameters['gatewayresponse.header.x-request-id']).toBe('context.requestId');
});
