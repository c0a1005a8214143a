// Which request/response format a Bedrock model id speaks. Bedrock batch jobs carry the model's own
// InvokeModel body in every record, so the family decides the translator. Model ids come as plain
// foundation-model ids (`anthropic.claude-3-haiku-20240307-v1:0`), cross-region inference-profile ids
// (`us.anthropic.claude-…`, `eu.`, `apac.`, `global.`, …) or ARNs of either.
import { GatewayError } from '#lambda/http/errors';

export type BedrockFamily = 'claude' | 'nova' | 'llama3' | 'llama4' | 'converse';

/**
 * Model ids of families without a native translator, run through the Converse invocation type
 * (converse.ts): Mistral, DeepSeek, Qwen, OpenAI's open-weight gpt-oss, Writer Palmyra.
 */
const CONVERSE_MODELS = /^(?:mistral\.|deepseek\.|qwen\.|openai\.gpt-oss|writer\.)/;

export const SUPPORTED_FAMILIES_TEXT =
  'Anthropic Claude (anthropic.claude-*), Amazon Nova text models (amazon.nova-*) and Meta Llama 3/4 (meta.llama3-*, meta.llama4-*) natively; ' +
  'Mistral (mistral.*), DeepSeek (deepseek.*), Qwen (qwen.*), OpenAI gpt-oss (openai.gpt-oss-*) and Writer (writer.*) through Bedrock Converse, ' +
  'as foundation-model ids, inference-profile ids (us./eu./apac./global./… prefixes) or their ARNs';

/** The foundation-model part of an id: ARN resource and geography prefix removed. */
export function baseModelId(modelId: string): string {
  let id = modelId.trim();
  // arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-… or …:inference-profile/us.anthropic.claude-…
  const arn = /^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:(foundation-model|inference-profile)\/(.+)$/.exec(id);
  if (arn) id = arn[2];
  // Inference-profile ids put a geography before the provider: us., eu., apac., global., us-gov., jp., au., ca. …
  // Only strip it when what follows is a provider we know, so an unknown id stays unknown.
  const geo = /^([a-z]{2,6}(?:-[a-z]{2,4})?)\.((?:anthropic|amazon|meta|mistral|deepseek|qwen|openai|writer)\..+)$/.exec(id);
  if (geo) id = geo[2];
  return id;
}

/**
 * Nova models that are not chat models (amazon.nova-canvas-*, -reel-*, -sonic-*, nova-2-sonic-*,
 * multimodal embeddings): they take other request bodies, so `amazon.nova-` alone must not pick the
 * chat translator. Source: Amazon Nova user guides (model ids), docs/providers.md "Bedrock".
 */
const NON_CHAT_NOVA: Array<[RegExp, string]> = [
  [/^amazon\.nova-canvas/, 'Amazon Nova Canvas, an image generation model'],
  [/^amazon\.nova-reel/, 'Amazon Nova Reel, a video generation model'],
  [/^amazon\.nova-(?:\d+-)?sonic/, 'Amazon Nova Sonic, a speech-to-speech model'],
  [/^amazon\.nova-(?:\d+-)?(?:multimodal-)?embed/, 'Amazon Nova Multimodal Embeddings, an embeddings model'],
];

/** What a non-chat Nova model is, or null. */
export function nonChatNovaKind(modelId: string): string | null {
  const id = baseModelId(modelId);
  return NON_CHAT_NOVA.find(([pattern]) => pattern.test(id))?.[1] ?? null;
}

/** The family of a model id, or null when the gateway has no translator for it. */
export function familyOf(modelId: string): BedrockFamily | null {
  const id = baseModelId(modelId);
  if (id.startsWith('anthropic.claude')) return 'claude';
  if (id.startsWith('amazon.nova-')) return nonChatNovaKind(id) ? null : 'nova';
  if (id.startsWith('meta.llama3')) return 'llama3';
  if (id.startsWith('meta.llama4')) return 'llama4';
  if (CONVERSE_MODELS.test(id)) return 'converse';
  return null;
}

/** familyOf, or a 400 that lists what is supported. */
export function requireFamily(modelId: string): BedrockFamily {
  const family = familyOf(modelId);
  if (family) return family;
  const kind = nonChatNovaKind(modelId);
  if (kind) {
    throw new GatewayError(
      400,
      `Model ${JSON.stringify(modelId)} is ${kind}, not a chat model: Bedrock batches here run /v1/chat/completions. Use a Nova text model (amazon.nova-micro, -lite, -pro, -premier, nova-2-lite) or another family.`,
      'invalid_request_error',
      'model',
      'model_not_supported',
    );
  }
  throw new GatewayError(
    400,
    `Model ${JSON.stringify(modelId)} is not supported for Bedrock batches by this gateway. Supported: ${SUPPORTED_FAMILIES_TEXT}.`,
    'invalid_request_error',
    'model',
    'model_not_supported',
  );
}
