// Turns the synthesized template's state machine back into plain ASL JSON, so the local gateway runs
// the definition that is deployed (not a re-rendering of the CDK chain, which CDK refuses anyway).
// CloudFormation intrinsics are resolved with placeholder values: ARNs in a fake account and region.
// Local runs override every Task by state name, so the placeholders only need to be well-formed.

export const PLACEHOLDER_ENV = {
  partition: 'aws',
  region: 'us-east-1',
  account: '000000000000',
  urlSuffix: 'amazonaws.com',
  stackName: 'local',
} as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface TemplateResource {
  Type: string;
  Properties?: Record<string, any>;
}
interface Template {
  Resources?: Record<string, TemplateResource>;
  Parameters?: Record<string, { Default?: Json }>;
  Mappings?: Record<string, Record<string, Record<string, Json>>>;
}

/** The definition of the template's only AWS::StepFunctions::StateMachine, as ASL JSON. */
export function trackerDefinitionFromTemplate(template: any): object {
  const tpl = template as Template;
  const machines = Object.entries(tpl.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) {
    throw new Error(`trackerDefinitionFromTemplate: expected exactly one AWS::StepFunctions::StateMachine, found ${machines.length}`);
  }
  const [logicalId, machine] = machines[0];
  const props = machine.Properties ?? {};
  const resolver = new IntrinsicResolver(tpl);

  let definition: unknown;
  if (props.DefinitionString !== undefined) {
    let text = resolver.resolve(props.DefinitionString);
    if (typeof text !== 'string')
      throw new Error(`trackerDefinitionFromTemplate: ${logicalId}.DefinitionString did not resolve to a string`);
    for (const [key, value] of Object.entries(props.DefinitionSubstitutions ?? {})) {
      text = text.split('${' + key + '}').join(String(resolver.resolve(value as Json)));
    }
    definition = JSON.parse(text);
  } else if (props.Definition !== undefined) {
    definition = resolver.resolve(props.Definition);
  } else {
    throw new Error(`trackerDefinitionFromTemplate: ${logicalId} has no inline definition (DefinitionS3Location is not supported)`);
  }
  return definition as object;
}

/** A Lambda function, state machine, bus… ARN for a resource of the template, in the placeholder account. */
export function placeholderArn(logicalId: string, type: string): string {
  const { partition: p, region: r, account: a } = PLACEHOLDER_ENV;
  switch (type) {
    case 'AWS::Lambda::Function':
      return `arn:${p}:lambda:${r}:${a}:function:${logicalId}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${p}:states:${r}:${a}:stateMachine:${logicalId}`;
    case 'AWS::Events::EventBus':
      return `arn:${p}:events:${r}:${a}:event-bus/${logicalId}`;
    case 'AWS::SNS::Topic':
      return `arn:${p}:sns:${r}:${a}:${logicalId}`;
    case 'AWS::SQS::Queue':
      return `arn:${p}:sqs:${r}:${a}:${logicalId}`;
    case 'AWS::DynamoDB::Table':
      return `arn:${p}:dynamodb:${r}:${a}:table/${logicalId}`;
    case 'AWS::S3::Bucket':
      return `arn:${p}:s3:::${logicalId.toLowerCase()}`;
    case 'AWS::IAM::Role':
      return `arn:${p}:iam::${a}:role/${logicalId}`;
    default: {
      const [, service = 'unknown', kind = 'resource'] = type.split('::');
      return `arn:${p}:${service.toLowerCase()}:${r}:${a}:${kind.toLowerCase()}/${logicalId}`;
    }
  }
}

class IntrinsicResolver {
  constructor(private readonly template: Template) {}

  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return this.intrinsic(keys[0], value[keys[0]]);
    return Object.fromEntries(keys.map((k) => [k, this.resolve(value[k])]));
  }

  private intrinsic(name: string, arg: Json): Json {
    switch (name) {
      case 'Ref':
        return this.ref(String(arg));
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split(/\.(.+)/);
        return this.getAtt(id, attribute);
      }
      case 'Fn::Join': {
        const [delimiter, parts] = arg as [string, Json];
        const list = this.resolve(parts);
        if (!Array.isArray(list)) throw new Error('Fn::Join: the second argument must be a list');
        return list.map(String).join(delimiter);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, Json>]) : [String(arg), {}];
        return text.replace(/\$\{([^}!]+)\}/g, (_, expr: string) => {
          if (vars[expr] !== undefined) return String(this.resolve(vars[expr]));
          const [id, attribute] = expr.split(/\.(.+)/);
          return String(attribute === undefined ? this.ref(id) : this.getAtt(id, attribute));
        });
      }
      case 'Fn::Select': {
        const [index, list] = arg as [Json, Json];
        const resolved = this.resolve(list);
        if (!Array.isArray(resolved)) throw new Error('Fn::Select: the second argument must be a list');
        return resolved[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [delimiter, text] = arg as [string, Json];
        return String(this.resolve(text)).split(delimiter);
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = (arg as Json[]).map((a) => String(this.resolve(a)));
        const found = this.template.Mappings?.[map]?.[top]?.[second];
        if (found === undefined) throw new Error(`Fn::FindInMap: no ${map}.${top}.${second} in the template's Mappings`);
        return found;
      }
      default:
        // Fn::If, Fn::ImportValue, Fn::GetAZs…: no meaningful offline value; say so instead of guessing.
        throw new Error(`trackerDefinitionFromTemplate: cannot resolve ${name} offline`);
    }
  }

  private ref(id: string): Json {
    switch (id) {
      case 'AWS::Partition':
        return PLACEHOLDER_ENV.partition;
      case 'AWS::Region':
        return PLACEHOLDER_ENV.region;
      case 'AWS::AccountId':
        return PLACEHOLDER_ENV.account;
      case 'AWS::URLSuffix':
        return PLACEHOLDER_ENV.urlSuffix;
      case 'AWS::StackName':
        return PLACEHOLDER_ENV.stackName;
      case 'AWS::StackId':
        return `arn:${PLACEHOLDER_ENV.partition}:cloudformation:${PLACEHOLDER_ENV.region}:${PLACEHOLDER_ENV.account}:stack/${PLACEHOLDER_ENV.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue':
        throw new Error('trackerDefinitionFromTemplate: AWS::NoValue inside a state machine definition is not supported');
    }
    const parameter = this.template.Parameters?.[id];
    if (parameter) {
      if (parameter.Default === undefined) throw new Error(`trackerDefinitionFromTemplate: parameter ${id} has no Default`);
      return parameter.Default;
    }
    const resource = this.template.Resources?.[id];
    if (!resource) throw new Error(`trackerDefinitionFromTemplate: Ref to unknown ${id}`);
    // What Ref returns differs by type: an ARN for these, a name for the rest.
    const refIsArn = ['AWS::StepFunctions::StateMachine', 'AWS::SNS::Topic'];
    return refIsArn.includes(resource.Type)
      ? placeholderArn(id, resource.Type)
      : resource.Type === 'AWS::S3::Bucket'
        ? id.toLowerCase()
        : id;
  }

  private getAtt(id: string, attribute: string): Json {
    const resource = this.template.Resources?.[id];
    if (!resource) throw new Error(`trackerDefinitionFromTemplate: Fn::GetAtt on unknown ${id}`);
    if (attribute === 'Arn') return placeholderArn(id, resource.Type);
    if (attribute === 'Name') return id;
    return `${id}.${attribute}`;
  }
}
