// The web console in the stack: its function, its two public methods (the only ones without the
// authorizer), nothing it may touch, the stack output, and the switch that leaves it out.
import { API_PREFIXES, CONSOLE_FUNCTION, OPERATION_ROUTES } from '#contracts/routes';
import { Built, buildStack, logicalIdOf, statementsOfRole } from './helpers';

let withConsole: Built;
let without: Built;
beforeAll(() => {
  withConsole = buildStack();
  without = buildStack({ webConsole: false });
});

function methods(json: any): Array<{ key: string; props: any }> {
  const resources = json.Resources as Record<string, any>;
  const pathOf = (ref: any): string =>
    ref['Fn::GetAtt']?.[1] === 'RootResourceId'
      ? ''
      : `${pathOf(resources[ref.Ref].Properties.ParentId)}/${resources[ref.Ref].Properties.PathPart}`;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::ApiGateway::Method')
    .map((r) => ({ key: `${r.Properties.HttpMethod} ${pathOf(r.Properties.ResourceId)}`, props: r.Properties }));
}

test('on by default: GET /console and /console/{asset} without the authorizer, to the console function; every other method keeps it', () => {
  const all = methods(withConsole.json);
  const fn = { 'Fn::GetAtt': [logicalIdOf(withConsole.stack.webConsole!.function), 'Arn'] };
  const open = all.filter((m) => m.props.AuthorizationType !== 'CUSTOM');
  expect(open.map((m) => m.key).sort()).toEqual(['GET /console', 'GET /console/{asset}']);
  for (const m of open) {
    expect(m.props.AuthorizationType).toBe('NONE');
    expect(m.props.Integration.Type).toBe('AWS_PROXY');
    expect(m.props.Integration.Uri['Fn::Join'][1]).toContainEqual(fn);
  }
  // The console's own API routes are ordinary authenticated operations.
  expect(all.length).toBe(OPERATION_ROUTES.length * API_PREFIXES.length + 2);
  for (const prefix of API_PREFIXES) {
    expect(all.find((m) => m.key === `GET ${prefix}/console/session`)?.props.AuthorizationType).toBe('CUSTOM');
    expect(all.find((m) => m.key === `GET ${prefix}/finops/budgets`)?.props.AuthorizationType).toBe('CUSTOM');
  }
});

test('the console function: sized from the route table, no FINOPS_* settings, may only write its own logs', () => {
  const fn = withConsole.stack.webConsole!.function;
  const props = withConsole.json.Resources[logicalIdOf(fn)].Properties;
  expect(props.MemorySize).toBe(CONSOLE_FUNCTION.memoryMb);
  expect(props.Timeout).toBe(CONSOLE_FUNCTION.timeoutSeconds);
  expect(props.Runtime).toBe('nodejs22.x');
  expect(Object.keys(props.Environment.Variables).filter((k) => k.startsWith('FINOPS_'))).toEqual([]);
  const actions = statementsOfRole(withConsole.json, logicalIdOf(fn.role!)).flatMap((s) =>
    Array.isArray(s.Action) ? s.Action : [s.Action],
  );
  expect(actions.length).toBeGreaterThan(0);
  for (const action of actions) expect(action).toMatch(/^(logs:|xray:)/);
});

test('WebConsoleUrl output is the stage URL followed by "console"', () => {
  const value = withConsole.json.Outputs.WebConsoleUrl.Value['Fn::Join'][1] as unknown[];
  expect(value[1]).toEqual({ Ref: logicalIdOf(withConsole.stack.api.restApi) });
  expect(value[value.length - 1]).toBe('/console');
});

test('webConsole: false leaves out the function, the public methods and the output', () => {
  expect(without.stack.webConsole).toBeUndefined();
  expect(methods(without.json).filter((m) => m.props.AuthorizationType !== 'CUSTOM')).toEqual([]);
  expect(without.json.Outputs.WebConsoleUrl).toBeUndefined();
  const functions = (b: Built) => Object.values(b.json.Resources).filter((r: any) => r.Type === 'AWS::Lambda::Function').length;
  expect(functions(withConsole) - functions(without)).toBe(1);
});
