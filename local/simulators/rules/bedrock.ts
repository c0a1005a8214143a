// Rules real Bedrock enforces on model ids, kept apart from the simulator's plumbing and independent of
// the gateway's tables (docs/providers.md, "Bedrock").

/** Models whose bare foundation-model id has no on-demand throughput (InvokeModel needs a profile). */
const PROFILE_ONLY = [
  /^anthropic\.claude-3-5-sonnet-20241022-v2/,
  /^anthropic\.claude-3-7-sonnet/,
  /^anthropic\.claude-(?:opus|sonnet|haiku)-\d/,
  /^amazon\.nova-premier/,
  /^amazon\.nova-2-/,
  /^meta\.llama(?:3-2|3-3|4)-/,
];

/** InvokeModel on a bare id of such a model: Bedrock's ValidationException message, or null. */
export function onDemandThroughputViolation(modelId: string): string | null {
  if (!PROFILE_ONLY.some((pattern) => pattern.test(modelId))) return null;
  return `Invocation of model ID ${modelId} with on-demand throughput isn\u2019t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`;
}

/** Nova models that take no chat (messages-v1) body: image, video, speech and embeddings models. */
export function isNonChatNova(modelId: string): boolean {
  return /^(?:[a-z]{2,6}(?:-[a-z]{2,4})?\.)?amazon\.nova-(?:\d+-)?(?:canvas|reel|sonic|multimodal-embed|embed)/.test(modelId);
}
