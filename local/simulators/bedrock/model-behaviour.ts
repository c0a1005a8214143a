// How the simulated Bedrock models answer one InvokeModel body: validation as the real model APIs do it
// (a body the family rejects is a 400), then a deterministic reply in the family's real response shape.
// Deliberately independent of the gateway's translators, so it checks them instead of echoing them.
//
// Triggers, anywhere in the last user text (Claude/Nova) or the prompt (Llama):
//   [simulate-error]         → 400 "Simulated model error" (job: error record; runtime: ValidationException)
//   [simulate-server-error]  → 500 (job: error record with errorCode 500; runtime: InternalServerException)
//   [simulate-rate-limit-once] → 429 the first time this text is answered, success after (local/simulators/rate-limit-once.ts)
//   [simulate-unprocessed]   → batch jobs only: the record is never processed; the job ends PartiallyCompleted
//   [simulate-tool-call]     → the reply calls the first tool (Claude/Nova, when tools are given);
//                              tool_choice any/tool forces a tool call too
// The reply text is `Simulated <family> reply to: <first words of the last user text>`; max tokens
// (counted as words) truncates it with the family's "length" stop reason, and a stop sequence found in
// it cuts it with the family's stop-sequence reason.
//
// One file per family: claude.ts, nova.ts, llama.ts, converse.ts (the Converse API), embeddings.ts; what
// they share (checks, the reply, the triggers) is model-common.ts.
import { isNonChatNova } from '#local/simulators/rules/bedrock';
import { answerEmbeddingModel, simEmbeddingFamilyOf, type SimEmbeddingFamily } from './embeddings';
import { answerClaude } from './claude';
import { answerLlama } from './llama';
import { invalid, isObject, type Answer, type SimChatFamily } from './model-common';
import { answerNova } from './nova';

export { ModelError, type Answer } from './model-common';

export type SimFamily = SimChatFamily | SimEmbeddingFamily;

/** Vendors whose models the simulator answers through the Converse API only (converse.ts). */
const CONVERSE_ONLY = /^(?:mistral\.|deepseek\.|qwen\.|openai\.gpt-oss|writer\.)/;

export function simFamilyOf(modelId: string): SimFamily | null {
  const id = decodeURIComponent(modelId)
    .replace(/^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:(foundation-model|inference-profile)\//, '')
    .replace(/^[a-z]{2,6}(-[a-z]{2,4})?\.(?=(anthropic|amazon|meta|mistral|deepseek|qwen|openai|writer)\.)/, '');
  if (id.startsWith('anthropic.claude')) return 'claude';
  if (id.startsWith('amazon.nova-')) return isNonChatNova(id) ? null : 'nova';
  if (/^meta\.llama[34]/.test(id)) return 'llama';
  if (CONVERSE_ONLY.test(id)) return 'converse';
  return simEmbeddingFamilyOf(id);
}

/** Answers one modelInput the way the family's InvokeModel would. Throws ModelError for bodies the model rejects. */
export function answer(family: SimFamily, modelId: string, body: unknown, inBatchJob: boolean): Answer {
  if (!isObject(body)) invalid('The request body must be a JSON object');
  switch (family) {
    case 'claude':
      return answerClaude(modelId, body as Record<string, unknown>, inBatchJob);
    case 'nova':
      return answerNova(body as Record<string, unknown>, inBatchJob);
    case 'llama':
      return answerLlama(body as Record<string, unknown>, inBatchJob);
    case 'converse':
      // Their native InvokeModel bodies are not simulated: a Converse-shaped record sent as one is malformed.
      return invalid('Malformed input request: #: required key [prompt] not found, please reformat your input and try again.');
    case 'titan-embed':
    case 'cohere-embed':
      return answerEmbeddingModel(family, modelId, body, inBatchJob);
  }
}
