// The stack's configuration in one place: every property an operator may set from cdk.json context
// (or `-c key=value`), with its type, default and meaning, read and checked when the app synthesizes.
// bin/finops-gateway.ts builds the stack from stackConfigFromContext(); the README's configuration
// table is generated from STACK_PROPERTIES (scripts/readme-tables.ts) and checked by a test.
//
// Adding a property is one entry in STACK_PROPERTIES: its context key, a kind (how a value is read
// and checked), the default as shown in the README, what it means, and which stack prop it sets.
// Rules about a value's meaning (bucket names, origins, ARNs) stay in the construct that uses it;
// the kinds here check what a value is (a number, a list, one of a set).
//
// Stages: `-c stage=dev` names the stack FinOpsGateway-dev (unless stackName is given) and takes
// each property from the context object `stages.dev` first, then from the top-level context.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { FinOpsGatewayStackProps } from './finops-gateway-stack';
import type { PriceTableDocument } from '#contracts/price-table';
import { DEFAULT_STACK_NAME } from './stack-name';
import { GCP_LOCATION, GCP_PROJECT_ID, GCS_BUCKET, GCS_PREFIX, type VertexStackSettings } from './providers/vertex';
import {
  PROVIDER_CATALOG,
  PROVIDER_NAMES,
  SECRET_PROVIDER_NAMES,
  secretContextKey,
  type ProviderEntry,
  type SecretProviderName,
} from '#contracts/providers';

/** How a context value is read: accepts the JSON types cdk.json holds and the strings `-c` passes. */
export interface ValueKind<T> {
  /** Shown in the README table. */
  readonly name: string;
  /** The value, or throws an Error whose message says what was expected. */
  parse(raw: unknown): T;
}

export interface StackProperty {
  /** The cdk.json context key. */
  readonly key: string;
  readonly kind: ValueKind<unknown>;
  /** The default as the README shows it. */
  readonly defaultText: string;
  readonly description: string;
  /** The stack props this value sets. */
  apply(value: any, props: FinOpsGatewayStackProps): FinOpsGatewayStackProps;
}

const describe = (raw: unknown) => (typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw));

export const kinds = {
  boolean: {
    name: 'boolean',
    parse(raw: unknown): boolean {
      if (raw === true || raw === 'true') return true;
      if (raw === false || raw === 'false') return false;
      throw new Error(`must be true or false, got ${describe(raw)}`);
    },
  } as ValueKind<boolean>,
  positiveNumber: {
    name: 'number > 0',
    parse(raw: unknown): number {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(value) || value <= 0) throw new Error(`must be a number greater than 0, got ${describe(raw)}`);
      return value;
    },
  } as ValueKind<number>,
  positiveInteger: {
    name: 'whole number > 0',
    parse(raw: unknown): number {
      const value = kinds.positiveNumber.parse(raw);
      if (!Number.isInteger(value)) throw new Error(`must be a whole number greater than 0, got ${describe(raw)}`);
      return value;
    },
  } as ValueKind<number>,
  /** A JSON array of strings, or a comma-separated string. */
  list: {
    name: 'list (JSON array or a,b,c)',
    parse(raw: unknown): string[] {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
      if (!items || items.some((item) => typeof item !== 'string'))
        throw new Error(`must be a list of names (a JSON array of strings or "a,b,c"), got ${describe(raw)}`);
      return (items as string[]).map((item) => item.trim()).filter(Boolean);
    },
  } as ValueKind<string[]>,
  string: (pattern: RegExp, expected: string): ValueKind<string> => ({
    name: 'string',
    parse(raw: unknown): string {
      if (typeof raw !== 'string' || !pattern.test(raw)) throw new Error(`must be ${expected}, got ${describe(raw)}`);
      return raw;
    },
  }),
  oneOf: <T extends string>(values: readonly T[]): ValueKind<T> => ({
    name: values.join(' \\| '),
    parse(raw: unknown): T {
      if (typeof raw !== 'string' || !(values as readonly string[]).includes(raw))
        throw new Error(`must be one of ${values.join(', ')}, got ${describe(raw)}`);
      return raw as T;
    },
  }),
  /** Caps per provider: a JSON object `{"bedrock": 10}` or the string `openai=50,bedrock=10`. */
  providerCaps: {
    name: 'provider=cap list (JSON object or openai=50,bedrock=10)',
    parse(raw: unknown): Record<string, number> {
      const pairs =
        typeof raw === 'string'
          ? raw.split(',').map((pair) => pair.split('='))
          : raw && typeof raw === 'object' && !Array.isArray(raw)
            ? Object.entries(raw)
            : null;
      if (!pairs) throw new Error(`must look like openai=50,bedrock=10 (or a JSON object), got ${describe(raw)}`);
      return Object.fromEntries(
        pairs.map(([provider, cap]) => {
          const name = String(provider ?? '').trim();
          if (!(PROVIDER_NAMES as readonly string[]).includes(name))
            throw new Error(`names ${describe(name)}, which is not one of ${PROVIDER_NAMES.join(', ')}`);
          return [name, kinds.positiveInteger.parse(typeof cap === 'string' ? cap.trim() : cap)];
        }),
      );
    },
  } as ValueKind<Record<string, number>>,
  /** CloudWatch Logs retention: only the periods the service offers. */
  retentionDays: {
    name: 'days',
    parse(raw: unknown): RetentionDays {
      const days = kinds.positiveInteger.parse(raw);
      const allowed = Object.values(RetentionDays)
        .filter((v): v is number => typeof v === 'number' && v > 0)
        .sort((a, b) => a - b);
      if (!allowed.includes(days))
        throw new Error(`must be a retention CloudWatch Logs offers (${allowed.join(', ')} days), got ${describe(raw)}`);
      return days as RetentionDays;
    },
  } as ValueKind<RetentionDays>,
  /** A JSON file (relative to the project root), read at synth. */
  jsonFile: {
    name: 'file path',
    parse(raw: unknown): PriceTableDocument {
      if (typeof raw !== 'string' || raw.trim() === '') throw new Error(`must be the path of a JSON file, got ${describe(raw)}`);
      const file = path.resolve(path.join(__dirname, '..'), raw);
      if (!fs.existsSync(file)) throw new Error(`names ${file}, which does not exist`);
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8')) as PriceTableDocument;
      } catch (err) {
        throw new Error(`names ${file}, which is not valid JSON (${(err as Error).message})`, { cause: err });
      }
    },
  } as ValueKind<PriceTableDocument>,
};

const set =
  <K extends keyof FinOpsGatewayStackProps>(prop: K) =>
  (value: FinOpsGatewayStackProps[K], props: FinOpsGatewayStackProps): FinOpsGatewayStackProps => ({ ...props, [prop]: value });
const secretArn =
  (provider: SecretProviderName) =>
  (value: string, props: FinOpsGatewayStackProps): FinOpsGatewayStackProps => ({
    ...props,
    providerSecretArns: { ...props.providerSecretArns, [provider]: value },
  });

const ANY_SECRET_ARN = kinds.string(/^arn:/, 'a Secrets Manager secret ARN');

const vertexSetting =
  (field: keyof VertexStackSettings) =>
  (value: string, props: FinOpsGatewayStackProps): FinOpsGatewayStackProps => ({ ...props, vertex: { ...props.vertex, [field]: value } });

/** `<provider>SecretArn` for every catalog provider with a secret (the first one says what a secret costs). */
function secretProperty(provider: SecretProviderName, index: number): StackProperty {
  const entry: ProviderEntry = PROVIDER_CATALOG[provider];
  const what = `${entry.displayName} ${entry.credentials === 'api-key' ? 'key' : 'credentials'}`;
  const description =
    index === 0
      ? `existing secret (complete ARN) holding the ${what}, instead of a new one (each secret has a monthly charge)`
      : `existing secret holding the ${what}`;
  return { key: secretContextKey(provider), kind: ANY_SECRET_ARN, defaultText: 'a new secret', description, apply: secretArn(provider) };
}

/** Every stack property settable from context. Order = README order. */
export const STACK_PROPERTIES: readonly StackProperty[] = [
  {
    key: 'defaultProvider',
    kind: kinds.oneOf(PROVIDER_NAMES),
    defaultText: 'openai',
    description: 'provider a request goes to when it names none',
    apply: set('defaultProvider'),
  },
  {
    key: 'allowedBuckets',
    kind: kinds.list,
    defaultText: 'none',
    description:
      "S3 buckets, besides the stack's own, that clients may name in `storage_config` / `output_s3_uri` (functions and the Bedrock role get read/write on them)",
    apply: set('allowedBuckets'),
  },
  {
    key: 'allowProviderKeyPassThrough',
    kind: kinds.boolean,
    defaultText: 'false',
    description: "accept a client's own provider key in `X-Provider-Api-Key` (adds a KMS key, see Running cost)",
    apply: set('allowProviderKeyPassThrough'),
  },
  {
    key: 'crossRegionModelRegions',
    kind: kinds.list,
    defaultText: 'this region only',
    description: 'regions cross-region Bedrock inference profiles may route to',
    apply: set('crossRegionModelRegions'),
  },
  {
    key: 'bedrockJobRegions',
    kind: kinds.list,
    defaultText: 'this region only',
    description:
      "further regions Bedrock jobs may run in: a file stored in one runs its job there (the service role's trust and grants cover them)",
    apply: set('bedrockJobRegions'),
  },
  {
    key: 'apiRateLimit',
    kind: kinds.positiveNumber,
    defaultText: '50',
    description: 'API requests per second, steady (stage throttling)',
    apply: set('apiRateLimit'),
  },
  {
    key: 'apiBurstLimit',
    kind: kinds.positiveInteger,
    defaultText: '100',
    description: 'API requests in a burst above the steady rate',
    apply: set('apiBurstLimit'),
  },
  {
    key: 'corsAllowedOrigins',
    kind: kinds.list,
    defaultText: 'CORS off',
    description: 'browser origins allowed by CORS (explicit origins only)',
    apply: set('corsAllowedOrigins'),
  },
  {
    key: 'maxBatchesInFlight',
    kind: kinds.providerCaps,
    defaultText: 'no cap',
    description: 'batches each provider may run at once; later ones wait in `validating` and are submitted as earlier ones end',
    apply: set('maxBatchesInFlight'),
  },
  {
    key: 'maxBatchesInFlightPerModel',
    kind: kinds.providerCaps,
    defaultText: 'no cap',
    description: 'the same per model of a provider (for Bedrock: its quota of concurrent batch jobs per model, e.g. `bedrock=10`)',
    apply: set('maxBatchesInFlightPerModel'),
  },
  {
    key: 'budgetDefaultOutputTokens',
    kind: kinds.positiveInteger,
    defaultText: '4096',
    description: 'output tokens the budget estimate assumes for a request without `max_tokens`',
    apply: set('budgetDefaultOutputTokens'),
  },
  {
    key: 'pricesOverrideFile',
    kind: kinds.jsonFile,
    defaultText: 'list prices',
    description: 'JSON file (relative to the project) of negotiated prices merged over `pricing/prices.json` (≤ 4 KB)',
    apply: set('pricesOverride'),
  },
  {
    key: 'logRetentionDays',
    kind: kinds.retentionDays,
    defaultText: '30',
    description: 'retention of every log group (functions, state machine, API access log)',
    apply: set('logRetention'),
  },
  {
    key: 'dashboard',
    kind: kinds.boolean,
    defaultText: 'true',
    description: 'create the FinOps CloudWatch dashboard (a monthly charge, see Running cost); the metrics are published either way',
    apply: set('dashboard'),
  },
  {
    key: 'finopsMetrics',
    kind: kinds.boolean,
    defaultText: 'true',
    description:
      'publish the FinOps CloudWatch metrics (custom metrics, billed per metric and month, see Running cost); `false` needs `dashboard: false`',
    apply: set('finopsMetrics'),
  },
  {
    key: 'webConsole',
    kind: kinds.boolean,
    defaultText: 'true',
    description: 'serve the web console at `{URL}/console` (README "Web console")',
    apply: set('webConsole'),
  },
  {
    key: 'executionAlarms',
    kind: kinds.boolean,
    defaultText: 'true',
    description: 'alarms on failed and timed-out tracker executions (a monthly charge each)',
    apply: set('executionAlarms'),
  },
  ...SECRET_PROVIDER_NAMES.map(secretProperty),
  {
    key: 'vertexBucket',
    kind: kinds.string(GCS_BUCKET, 'a Cloud Storage bucket name'),
    defaultText: 'none (needed for vertex)',
    description: 'Cloud Storage bucket Vertex AI batches read their input from and write their output to (docs/vertex.md)',
    apply: vertexSetting('bucket'),
  },
  {
    key: 'vertexProject',
    kind: kinds.string(GCP_PROJECT_ID, 'a Google Cloud project id'),
    defaultText: "the key's project_id",
    description: 'Google Cloud project the Vertex AI jobs run in',
    apply: vertexSetting('project'),
  },
  {
    key: 'vertexLocation',
    kind: kinds.string(GCP_LOCATION, 'a Google Cloud region such as us-central1, or global'),
    defaultText: 'us-central1',
    description: 'region of the Vertex AI jobs (one that serves Gemini batch prediction)',
    apply: vertexSetting('location'),
  },
  {
    key: 'vertexPrefix',
    kind: kinds.string(GCS_PREFIX, 'an object prefix such as finops-gateway'),
    defaultText: 'finops-gateway',
    description: 'object prefix of the gateway in the Vertex AI bucket',
    apply: vertexSetting('prefix'),
  },
  {
    key: 'createApiGatewayCloudWatchRole',
    kind: kinds.boolean,
    defaultText: 'true',
    description: "create API Gateway's account-level logging role; `false` when the account already has one (e.g. a second stage)",
    apply: set('createApiGatewayCloudWatchRole'),
  },
];

/** Keys that say which stack is built, not how. */
export const STAGE_KEYS = {
  stage: {
    kind: kinds.string(/^[a-z][a-z0-9-]{0,19}$/, 'a short lowercase name like dev or prod'),
    description: 'stage name: the stack is `FinOpsGateway-<stage>` and each property is read from `stages.<stage>` first',
  },
  stackName: {
    kind: kinds.string(
      /^[A-Za-z][A-Za-z0-9-]{0,65}$/,
      'a stack name of letters, digits and "-" (at most 66 characters: the state machine is named <stackName>-batch-tracker)',
    ),
    description: 'the stack name',
  },
} as const;

export { DEFAULT_STACK_NAME };

export interface StackConfig {
  stackName: string;
  stage?: string;
  props: FinOpsGatewayStackProps;
}

export class StackConfigError extends Error {}

/**
 * Reads every property from context (`stages.<stage>.<key>` first, then `<key>`), checks all of them
 * and throws one error listing every problem, so a typo fails `cdk synth` before anything deploys.
 */
export function stackConfigFromContext(context: (key: string) => unknown, contextKeys: readonly string[] = []): StackConfig {
  const problems: string[] = [];
  // CDK's own keys have ':', '@' or '-' in them; a plain key nobody reads is a typo (-c allowedBucket=…).
  for (const key of contextKeys) {
    if (/^[A-Za-z][A-Za-z0-9]*$/.test(key) && !KNOWN_KEYS.has(key) && key !== 'stage' && key !== 'stages')
      problems.push(`${key} is not a stack property${suggestion(key)}`);
  }
  const read = <T>(kind: ValueKind<T>, key: string, raw: unknown, where: string): T | undefined => {
    if (raw === undefined || raw === null || raw === '') return undefined;
    try {
      return kind.parse(raw);
    } catch (err) {
      problems.push(`${where}${key} ${(err as Error).message}`);
      return undefined;
    }
  };
  const stage = read(STAGE_KEYS.stage.kind, 'stage', context('stage'), '');
  const stageValues = stageContext(context('stages'), stage, problems);
  const valueOf = (key: string): { raw: unknown; where: string } =>
    stageValues && stageValues[key] !== undefined ? { raw: stageValues[key], where: `stages.${stage}.` } : { raw: context(key), where: '' };

  let props: FinOpsGatewayStackProps = {};
  for (const property of STACK_PROPERTIES) {
    const { raw, where } = valueOf(property.key);
    const value = read(property.kind, property.key, raw, where);
    if (value !== undefined) props = property.apply(value, props);
  }
  const named = valueOf('stackName');
  const stackName =
    read(STAGE_KEYS.stackName.kind, 'stackName', named.raw, named.where) ?? (stage ? `${DEFAULT_STACK_NAME}-${stage}` : DEFAULT_STACK_NAME);
  if (problems.length > 0) {
    throw new StackConfigError(
      `Invalid stack configuration (cdk.json "context" or -c key=value):\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee the README's Configuration table for every key, its type and default.`,
    );
  }
  return { stackName, stage, props };
}

const KNOWN_KEYS = new Set([...STACK_PROPERTIES.map((p) => p.key), 'stackName']);

function stageContext(stages: unknown, stage: string | undefined, problems: string[]): Record<string, unknown> | undefined {
  if (stages === undefined) return undefined;
  if (typeof stages !== 'object' || stages === null || Array.isArray(stages)) {
    problems.push('stages must be an object of stage name → properties, e.g. {"dev": {"dashboard": false}}');
    return undefined;
  }
  // A misspelt key in any stage fails every synth: it would otherwise be ignored silently.
  for (const [name, values] of Object.entries(stages as Record<string, unknown>)) {
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      problems.push(`stages.${name} must be an object of properties`);
      continue;
    }
    for (const key of Object.keys(values)) {
      if (!KNOWN_KEYS.has(key)) problems.push(`stages.${name}.${key} is not a stack property${suggestion(key)}`);
    }
  }
  if (!stage) return undefined;
  return (stages as Record<string, Record<string, unknown>>)[stage];
}

function suggestion(key: string): string {
  const lower = key.toLowerCase();
  const close = [...KNOWN_KEYS].find(
    (known) => known.toLowerCase().startsWith(lower.slice(0, 6)) || lower.startsWith(known.toLowerCase().slice(0, 6)),
  );
  return close ? ` (did you mean ${close}?)` : '';
}

/** The README's configuration table (scripts/readme-tables.ts writes it; a test compares). */
export function configurationTableMarkdown(): string {
  const rows = [
    '| context key | type | default | meaning |',
    '| --- | --- | --- | --- |',
    `| \`stage\` | string | none | ${STAGE_KEYS.stage.description} |`,
    `| \`stackName\` | string | \`${DEFAULT_STACK_NAME}\` (\`${DEFAULT_STACK_NAME}-<stage>\` with a stage) | ${STAGE_KEYS.stackName.description} |`,
    ...STACK_PROPERTIES.map((p) => `| \`${p.key}\` | ${p.kind.name} | ${p.defaultText} | ${p.description} |`),
  ];
  return rows.join('\n');
}
