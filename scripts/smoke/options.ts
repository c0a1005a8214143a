// Command-line options of `npm run smoke` (scripts/smoke.ts), parsed and checked before anything runs.
import { parseArgs } from 'node:util';
import type { ProviderName } from '#contracts/records';
import { DEFAULT_STACK_NAME } from '#lib/stack-name';
import { PROVIDER_NAMES } from '#contracts/providers';

/** Every provider of the catalog; by default the four every deployment has keys for, more with --provider. */
export const SMOKE_PROVIDERS: readonly ProviderName[] = PROVIDER_NAMES;
const DEFAULT_SMOKE_PROVIDERS: readonly ProviderName[] = ['openai', 'bedrock', 'anthropic', 'gemini'];

/**
 * Cheap models each provider serves by default (prices in pricing/prices.json). A deployment whose
 * account has other models enabled passes --model provider=model.
 */
export const DEFAULT_SMOKE_MODELS: Readonly<Record<ProviderName, string>> = {
  openai: 'gpt-4o-mini',
  bedrock: 'amazon.nova-micro-v1:0',
  anthropic: 'claude-haiku-4-5-20251001',
  gemini: 'gemini-2.5-flash-lite',
  groq: 'llama-3.1-8b-instant',
  together: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  // A Global-Batch deployment's name: Azure runs the deployment each line's model names.
  azure: 'gpt-4o-mini',
  vertex: 'gemini-2.5-flash-lite',
};

export const SMOKE_USAGE = `Usage: npm run smoke -- --base-url <URL>/openai --api-key <gateway key> [--provider openai --provider bedrock …]
  --provider P            provider to run the workflow on (repeat; one of ${SMOKE_PROVIDERS.join(', ')}; default: ${DEFAULT_SMOKE_PROVIDERS.join(', ')})
  --model P=MODEL         model for provider P (defaults: ${Object.entries(DEFAULT_SMOKE_MODELS)
    .map(([p, m]) => `${p}=${m}`)
    .join(', ')})
  --lines N               requests in each tiny batch (default 2)
  --poll-seconds S        seconds between batches.retrieve calls (default 10)
  --timeout-minutes M     give up on a batch not terminal after M minutes (default 30)
  --redirect-bytes N      size of the file downloaded through the files.content redirect (default 4200000;
                          must exceed the gateway's FINOPS_MAX_INLINE_DOWNLOAD_BYTES, 4000000 by default); 0 skips it
  --state-machine-arn ARN the batch tracker (stack output BatchTrackerArn); default: found by name
  --stack-name NAME       stack whose tracker "<NAME>-batch-tracker" is looked up (default FinOpsGateway)
  --stage STAGE           the same for a stage deployed with -c stage=STAGE (stack FinOpsGateway-STAGE)
  --region REGION         AWS region of the stack (default: from the URL, else AWS_REGION)
The Step Functions check uses the AWS SDK's usual credentials; without any it is skipped, saying so.`;

export interface SmokeOptions {
  baseUrl: string;
  apiKey: string;
  providers: ProviderName[];
  models: Record<ProviderName, string>;
  lines: number;
  pollMs: number;
  timeoutMs: number;
  redirectBytes: number;
  stateMachineArn?: string;
  stackName: string;
  region?: string;
}

export class SmokeUsageError extends Error {}

export function parseSmokeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): SmokeOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'base-url': { type: 'string' },
      'api-key': { type: 'string' },
      provider: { type: 'string', multiple: true },
      model: { type: 'string', multiple: true },
      lines: { type: 'string' },
      'poll-seconds': { type: 'string' },
      'timeout-minutes': { type: 'string' },
      'redirect-bytes': { type: 'string' },
      'state-machine-arn': { type: 'string' },
      'stack-name': { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new SmokeUsageError('');
  const baseUrl = (values['base-url'] ?? env.OPENAI_BASE_URL ?? '').replace(/\/+$/, '');
  const apiKey = values['api-key'] ?? env.OPENAI_API_KEY ?? '';
  if (!baseUrl)
    throw new SmokeUsageError(
      '--base-url is required: the stack output OpenAIBaseUrl (…/prod/openai), or http://127.0.0.1:8787/openai for npm start.',
    );
  if (!/^https?:\/\/[^/]+/.test(baseUrl)) throw new SmokeUsageError(`--base-url must be an http(s) URL, got "${baseUrl}".`);
  if (!apiKey) throw new SmokeUsageError('--api-key is required: a gateway key (npm run keys -- create --name smoke).');
  return {
    baseUrl,
    apiKey,
    providers: providersOf(values.provider),
    models: modelsOf(values.model),
    lines: integer('--lines', values.lines, 2, 1, 50),
    pollMs: Math.round(number('--poll-seconds', values['poll-seconds'], 10, 0.01) * 1000),
    timeoutMs: Math.round(number('--timeout-minutes', values['timeout-minutes'], 30, 0.01) * 60_000),
    redirectBytes: integer('--redirect-bytes', values['redirect-bytes'], 4_200_000, 0, 4_500_000),
    stateMachineArn: values['state-machine-arn'],
    stackName: values['stack-name'] ?? (values.stage ? `${DEFAULT_STACK_NAME}-${values.stage}` : DEFAULT_STACK_NAME),
    region: values.region,
  };
}

function providersOf(given: string[] | undefined): ProviderName[] {
  if (!given || given.length === 0) return [...DEFAULT_SMOKE_PROVIDERS];
  const names = given
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(SMOKE_PROVIDERS as readonly string[]).includes(name))
      throw new SmokeUsageError(`--provider must be one of ${SMOKE_PROVIDERS.join(', ')}, got "${name}".`);
  }
  return [...new Set(names)] as ProviderName[];
}

function modelsOf(given: string[] | undefined): Record<ProviderName, string> {
  const models = { ...DEFAULT_SMOKE_MODELS };
  for (const entry of given ?? []) {
    const [provider, model] = entry.split(/=(.*)/s);
    if (!(SMOKE_PROVIDERS as readonly string[]).includes(provider) || !model)
      throw new SmokeUsageError(`--model must look like bedrock=amazon.nova-lite-v1:0, got "${entry}".`);
    models[provider as ProviderName] = model;
  }
  return models;
}

function number(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new SmokeUsageError(`${flag} must be a number ≥ ${min}, got "${raw}".`);
  return value;
}

function integer(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  const value = number(flag, raw, fallback, min);
  if (!Number.isInteger(value) || value > max)
    throw new SmokeUsageError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}".`);
  return value;
}
