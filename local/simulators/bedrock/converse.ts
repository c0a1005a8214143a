// How the simulated Bedrock answers a Converse request body: in a job of the Converse invocation type
// (each record's modelInput) and from the runtime's Converse operation (POST /model/{id}/converse).
// Validation as the Converse API does it, then a deterministic reply in the Converse response shape
// (output.message, stopReason, usage, metrics). Sources: docs/providers.md, "Bedrock Converse".
// Deliberately independent of the gateway's converter, so it checks it.
import { claudeRuleViolation } from '#local/simulators/rules/claude';
import {
  checkAlternation,
  checkKeys,
  checkTemperature,
  invalid,
  isObject,
  novaShapedReply,
  shortHash,
  tokensOf,
  triggers,
  type Answer,
} from './model-common';

const REQUEST_KEYS = [
  'messages',
  'system',
  'inferenceConfig',
  'toolConfig',
  'guardrailConfig',
  'additionalModelRequestFields',
  'additionalModelResponseFieldPaths',
  'promptVariables',
  'requestMetadata',
  'performanceConfig',
];
const BLOCK_KINDS = ['text', 'image', 'document', 'video', 'toolUse', 'toolResult', 'reasoningContent', 'cachePoint'];

/** Answers one Converse request. Throws ModelError (400) for bodies the API rejects. */
export function answerConverse(modelId: string, body: unknown, inBatchJob: boolean): Answer {
  if (!isObject(body)) invalid('The request body must be a JSON object');
  const request = body as Record<string, unknown>;
  checkKeys(request, REQUEST_KEYS);
  // "Batch inference doesn't support tool calling for jobs that use the Converse invocation type.
  // Records that include toolConfig fail with a 400 error." (Bedrock user guide, batch inference)
  if (inBatchJob && request.toolConfig !== undefined)
    invalid('toolConfig is not supported in batch inference jobs that use the Converse invocation type.');
  if (!Array.isArray(request.messages) || request.messages.length === 0)
    invalid("1 validation error detected: Value at 'messages' failed to satisfy constraint: Member must not be null");
  const messages = request.messages as Array<{ role?: unknown; content?: unknown }>;
  checkAlternation(messages);
  if (
    request.system !== undefined &&
    (!Array.isArray(request.system) || request.system.some((s) => !isObject(s) || typeof s.text !== 'string'))
  )
    invalid('system: must be a list of {text} blocks');
  const config = (request.inferenceConfig ?? {}) as Record<string, unknown>;
  if (!isObject(config)) invalid('inferenceConfig: must be an object');
  checkKeys(config, ['maxTokens', 'temperature', 'topP', 'stopSequences']);
  checkTemperature(config.temperature, 'inferenceConfig.temperature');
  if (
    config.maxTokens !== undefined &&
    (typeof config.maxTokens !== 'number' || !Number.isInteger(config.maxTokens) || config.maxTokens < 1)
  )
    invalid('inferenceConfig.maxTokens: must be a positive integer');
  // Claude keeps its own rules behind Converse (temperature with topP, removed sampling parameters).
  const claudeRule = /anthropic\.claude/.test(modelId)
    ? claudeRuleViolation(modelId, { temperature: config.temperature, top_p: config.topP })
    : null;
  if (claudeRule) invalid(`The model returned the following errors: ${claudeRule}`);

  let lastUserText = '';
  let allText = ((request.system as Array<{ text: string }> | undefined) ?? []).map((s) => s.text).join(' ');
  messages.forEach((m, i) => {
    if (!Array.isArray(m.content) || m.content.length === 0) invalid(`messages.${i}.content: must be a non-empty list of content blocks`);
    const texts: string[] = [];
    (m.content as Array<Record<string, unknown>>).forEach((block, j) => {
      const kinds = Object.keys(block);
      if (kinds.length !== 1 || !BLOCK_KINDS.includes(kinds[0]))
        invalid(`messages.${i}.content.${j}: a content block has exactly one of ${BLOCK_KINDS.join(', ')}`);
      if (kinds[0] === 'text') {
        if (typeof block.text !== 'string' || block.text === '') invalid(`messages.${i}.content.${j}.text: must be a non-empty string`);
        texts.push(block.text as string);
      }
      if ((kinds[0] === 'toolUse' || kinds[0] === 'toolResult') && request.toolConfig === undefined) {
        invalid('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
      }
    });
    allText += texts.join(' ');
    if (m.role === 'user' && texts.length) lastUserText = texts.join(' ');
  });

  const special = triggers(lastUserText, inBatchJob);
  if (special) return special;
  const inputTokens = tokensOf(allText);
  return novaShapedReply('converse', lastUserText, inputTokens, config, {
    metrics: { latencyMs: 1 + (parseInt(shortHash(body).slice(0, 2), 16) % 50) },
  });
}
