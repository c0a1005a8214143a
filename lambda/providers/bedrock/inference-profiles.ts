// Which Bedrock models have no on-demand throughput on their bare foundation-model id: InvokeModel
// answers ValidationException "Invocation of model ID … with on-demand throughput isn't supported.
// Retry your request with the ID or ARN of an inference profile that contains this model." for them,
// so a batch that runs on demand (below the job minimum) calls them through the geography's
// cross-region inference profile (`us.`, `eu.`, `apac.`, `us-gov.`, else `global.`). Batch jobs keep
// the id the client gave. Sources: docs/providers.md, "Bedrock".
//
// Pricing is unchanged: the batch keeps the client's model id, and an on-demand run is priced at
// on-demand rates (lambda/finops/record.ts runModeOf), which a profile does not change.

export interface ProfileOnlyRow {
  models: string;
  matches: RegExp;
  source: string;
}

export const PROFILE_ONLY_MODELS: readonly ProfileOnlyRow[] = [
  {
    models: 'Claude 3.5 Sonnet v2',
    matches: /^anthropic\.claude-3-5-sonnet-20241022-v2/,
    source: 'bolt.diy#1102, LibreChat#4570 (us-east-1)',
  },
  { models: 'Claude 3.7 Sonnet', matches: /^anthropic\.claude-3-7-sonnet/, source: 'anthropic-sdk-python#894, cline#2482, Flowise#4253' },
  {
    models: 'Claude 4 and later (Opus, Sonnet, Haiku)',
    matches: /^anthropic\.claude-(?:opus|sonnet|haiku)-\d/,
    source: 'Bedrock model cards (inference profile only); aws-samples/sample-connector-for-bedrock#87',
  },
  {
    models: 'Nova Premier, Nova 2',
    matches: /^amazon\.nova-(?:premier|2-)/,
    source: 'Amazon Nova 2 user guide, core inference (model ids global./us.amazon.nova-2-lite-v1:0 only)',
  },
  {
    models: 'Llama 3.2, 3.3 and 4',
    matches: /^meta\.llama(?:3-2|3-3|4)-/,
    source: 'microsoft/semantic-kernel#10047 (us.meta.… ids); Bedrock model cards',
  },
];

/** The profile geography of a region: us-east-1 → us, eu-west-1 → eu, ap-southeast-2 → apac, us-gov-west-1 → us-gov. */
export function profileGeography(region: string): string {
  if (region.startsWith('us-gov-')) return 'us-gov';
  if (region.startsWith('us-')) return 'us';
  if (region.startsWith('eu-')) return 'eu';
  if (region.startsWith('ap-')) return 'apac';
  return 'global';
}

/** The id InvokeModel takes for this model in this region: a profile id where the bare id has no on-demand throughput. */
export function onDemandModelId(modelId: string, region: string): string {
  // Profile ids (us.…, global.…) and ARNs (foundation model, profile, provisioned) are used as given.
  if (
    !/^[a-z0-9-]+\.[a-z0-9-]/.test(modelId) ||
    /^(?:[a-z]{2,6}(?:-[a-z]{2,4})?)\.(?:anthropic|amazon|meta|deepseek|mistral|qwen|openai|writer)\./.test(modelId)
  )
    return modelId;
  if (!PROFILE_ONLY_MODELS.some((row) => row.matches.test(modelId))) return modelId;
  return `${profileGeography(region)}.${modelId}`;
}
