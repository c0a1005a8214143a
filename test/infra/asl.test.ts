// trackerDefinitionFromTemplate: turning a template's state machine into runnable ASL.
import { placeholderArn, trackerDefinitionFromTemplate } from '#lib/batch-tracker/asl';
import { TrackerState } from '#lib/batch-tracker/state-names';
import { localTrackerDefinition } from '#lib/synth';

const RESOURCES = {
  Fn1: { Type: 'AWS::Lambda::Function' },
  Topic: { Type: 'AWS::SNS::Topic' },
  Bucket: { Type: 'AWS::S3::Bucket' },
  Queue: { Type: 'AWS::SQS::Queue' },
};

/** A template whose state machine has one Pass state with Result = the given intrinsic. */
function templateWith(value: unknown, extra: Record<string, unknown> = {}) {
  return {
    ...extra,
    Resources: {
      ...RESOURCES,
      Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          DefinitionString: { 'Fn::Join': ['', ['{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"Result":"', value, '"}}}']] },
        },
      },
    },
  };
}
const resolved = (value: unknown, extra?: Record<string, unknown>) =>
  (trackerDefinitionFromTemplate(templateWith(value, extra)) as any).States.A.Result;

describe('intrinsics', () => {
  test.each<[string, unknown, string]>([
    ['Ref AWS::Partition', { Ref: 'AWS::Partition' }, 'aws'],
    ['Ref AWS::Region', { Ref: 'AWS::Region' }, 'us-east-1'],
    ['Ref AWS::AccountId', { Ref: 'AWS::AccountId' }, '000000000000'],
    ['Ref AWS::URLSuffix', { Ref: 'AWS::URLSuffix' }, 'amazonaws.com'],
    ['Ref to a Lambda function (its name)', { Ref: 'Fn1' }, 'Fn1'],
    ['Ref to a topic (its ARN)', { Ref: 'Topic' }, 'arn:aws:sns:us-east-1:000000000000:Topic'],
    ['Ref to a bucket (its name)', { Ref: 'Bucket' }, 'bucket'],
    ['GetAtt Arn of a Lambda function', { 'Fn::GetAtt': ['Fn1', 'Arn'] }, 'arn:aws:lambda:us-east-1:000000000000:function:Fn1'],
    ['GetAtt in dotted form', { 'Fn::GetAtt': 'Queue.Arn' }, 'arn:aws:sqs:us-east-1:000000000000:Queue'],
    ['nested Join', { 'Fn::Join': [':', ['a', { Ref: 'AWS::Region' }, 'b']] }, 'a:us-east-1:b'],
    [
      'Sub with pseudo parameters and attributes',
      { 'Fn::Sub': 'arn:${AWS::Partition}:x:${Fn1.Arn}' },
      'arn:aws:x:arn:aws:lambda:us-east-1:000000000000:function:Fn1',
    ],
    ['Sub with its own variables', { 'Fn::Sub': ['${Who}-${AWS::Region}', { Who: { Ref: 'Fn1' } }] }, 'Fn1-us-east-1'],
    ['Select of Split', { 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] }, 'b'],
  ])('%s', (_name, value, expected) => {
    expect(resolved(value)).toBe(expected);
  });

  test('Ref to a parameter uses its default', () => {
    expect(resolved({ Ref: 'Stage' }, { Parameters: { Stage: { Type: 'String', Default: 'prod' } } })).toBe('prod');
  });

  test('FindInMap reads the template mappings', () => {
    expect(resolved({ 'Fn::FindInMap': ['M', 'k1', 'k2'] }, { Mappings: { M: { k1: { k2: 'v' } } } })).toBe('v');
  });

  test.each<[string, unknown, RegExp]>([
    ['Fn::ImportValue', { 'Fn::ImportValue': 'x' }, /cannot resolve Fn::ImportValue offline/],
    ['Fn::If', { 'Fn::If': ['c', 'a', 'b'] }, /cannot resolve Fn::If offline/],
    ['a Ref to nothing', { Ref: 'Missing' }, /Ref to unknown Missing/],
    ['a parameter without default', { Ref: 'P' }, /parameter P has no Default/],
  ])('refuses %s with a clear error', (_name, value, message) => {
    expect(() => resolved(value, { Parameters: { P: { Type: 'String' } } })).toThrow(message);
  });
});

describe('templates', () => {
  test('DefinitionSubstitutions are applied', () => {
    const template = {
      Resources: {
        ...RESOURCES,
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            DefinitionString: '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Target}","End":true}}}',
            DefinitionSubstitutions: { Target: { 'Fn::GetAtt': ['Fn1', 'Arn'] } },
          },
        },
      },
    };
    expect((trackerDefinitionFromTemplate(template) as any).States.A.Resource).toBe(placeholderArn('Fn1', 'AWS::Lambda::Function'));
  });

  test.each([
    ['none', {}],
    [
      'two',
      { A: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} }, B: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} } },
    ],
  ])('needs exactly one state machine (%s found)', (_name, resources) => {
    expect(() => trackerDefinitionFromTemplate({ Resources: resources })).toThrow(/expected exactly one AWS::StepFunctions::StateMachine/);
  });
});

describe('localTrackerDefinition', () => {
  test('is the synthesized tracker: every TrackerState, every Resource a plain string', () => {
    const asl = localTrackerDefinition() as any;
    expect(Object.keys(asl.States)).toEqual(expect.arrayContaining(Object.values(TrackerState)));
    const strings: unknown[] = [];
    const visit = (value: unknown) => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') {
        expect(Object.keys(value).some((k) => k === 'Ref' || k.startsWith('Fn::'))).toBe(false);
        Object.values(value).forEach(visit);
      }
    };
    visit(asl);
    for (const state of Object.values<any>(asl.States)) {
      if (state.Type === 'Task') strings.push(state.Resource, state.Parameters.FunctionName ?? 'n/a');
    }
    expect(strings.length).toBeGreaterThan(0);
    for (const value of strings) expect(typeof value).toBe('string');
  });
});
