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
import { createHash } from 'node:crypto';
import { claudeRuleViolation } from '../rules/claude';
import { isNonChatNova } from '../rules/bedrock';
import { rateLimitedOnce } from '../rate-limit-once';
import { answerEmbeddingModel, simEmbeddingFamilyOf, type SimEmbeddingFamily } from './embeddings';

/** The chat families, whose replies are text. */
type SimChatFamily = 'claude' | 'nova' | 'llama' | 'converse';
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

export class ModelError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Answer =
  { kind: 'output'; output: Record<string, unknown>; inputTokens: number; outputTokens: number } | { kind: 'unprocessed' };

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const invalid = (message: string): never => {
  throw new ModelError(400, message);
};

export function checkKeys(body: Record<string, unknown>, allowed: string[]): void {
  for (const key of Object.keys(body)) if (!allowed.includes(key)) invalid(`extraneous key [${key}] is not permitted`);
}

export function checkTemperature(value: unknown, field: string): void {
  if (value !== undefined && (typeof value !== 'number' || value < 0 || value > 1)) invalid(`${field}: must be a number between 0 and 1`);
}

export function checkAlternation(messages: Array<{ role?: unknown }>): void {
  if (messages[0]?.role !== 'user') invalid('messages: the first message must use the "user" role');
  messages.forEach((m, i) => {
    if (m.role !== 'user' && m.role !== 'assistant') invalid(`messages.${i}.role: must be "user" or "assistant"`);
    if (i > 0 && messages[i - 1].role === m.role) invalid('messages: roles must alternate between "user" and "assistant"');
  });
}

export const tokensOf = (text: string) => Math.max(1, Math.ceil(text.length / 4));

interface Reply {
  text: string;
  words: number;
  stop: 'end' | 'length' | 'stop_sequence';
  stopSequence?: string;
}

/** The deterministic reply, shaped by the token limit and stop sequences. */
export function reply(family: SimChatFamily, lastUserText: string, maxTokens: number | undefined, stopSequences: string[]): Reply {
  const label = { claude: 'Claude', nova: 'Nova', llama: 'Llama', converse: 'Converse' }[family];
  const words = `Simulated ${label} reply to: ${lastUserText.split(/\s+/).filter(Boolean).slice(0, 8).join(' ')}`.split(' ');
  let text = words.join(' ');
  for (const sequence of stopSequences) {
    const at = sequence ? text.indexOf(sequence) : -1;
    if (at >= 0)
      return {
        text: text.slice(0, at),
        words: text.slice(0, at).split(' ').filter(Boolean).length,
        stop: 'stop_sequence',
        stopSequence: sequence,
      };
  }
  if (maxTokens !== undefined && words.length > maxTokens) {
    text = words.slice(0, maxTokens).join(' ');
    return { text, words: maxTokens, stop: 'length' };
  }
  return { text, words: words.length, stop: 'end' };
}

export function triggers(text: string, allowUnprocessed: boolean): Answer | null {
  if (text.includes('[simulate-server-error]')) throw new ModelError(500, 'Simulated internal server error');
  if (rateLimitedOnce('bedrock', [text])) throw new ModelError(429, 'Too many requests, please wait before trying again.');
  if (text.includes('[simulate-error]')) throw new ModelError(400, 'Simulated model error for a request containing [simulate-error]');
  if (allowUnprocessed && text.includes('[simulate-unprocessed]')) return { kind: 'unprocessed' };
  return null;
}

export const shortHash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 24);

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

function answerClaude(modelId: string, body: Record<string, unknown>, inBatchJob: boolean): Answer {
  checkKeys(body, [
    'anthropic_version',
    'max_tokens',
    'system',
    'messages',
    'temperature',
    'top_p',
    'top_k',
    'stop_sequences',
    'tools',
    'tool_choice',
    'thinking',
    'metadata',
  ]);
  if (body.anthropic_version !== 'bedrock-2023-05-31') invalid('anthropic_version: must be "bedrock-2023-05-31"');
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1)
    invalid('max_tokens: field required (a positive integer)');
  if (!Array.isArray(body.messages) || body.messages.length === 0) invalid('messages: at least one message is required');
  const messages = body.messages as Array<{ role?: unknown; content?: unknown }>;
  checkAlternation(messages);
  checkTemperature(body.temperature, 'temperature');
  const broken = claudeRuleViolation(modelId, body);
  if (broken) invalid(`The model returned the following errors: ${broken}`);
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system))
    invalid('system: must be a string or a list of text blocks');
  let lastUserText = '';
  let allText = typeof body.system === 'string' ? body.system : '';
  messages.forEach((m, i) => {
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    if (!Array.isArray(blocks) || blocks.length === 0)
      invalid(`messages.${i}.content: must be a non-empty string or list of content blocks`);
    const texts: string[] = [];
    (blocks as Array<Record<string, unknown>>).forEach((b, j) => {
      if (b.type === 'text' && typeof b.text === 'string') texts.push(b.text);
      else if (b.type === 'image') {
        const source = b.source as Record<string, unknown> | undefined;
        if (source?.type !== 'base64' || typeof source.data !== 'string' || typeof source.media_type !== 'string')
          invalid(`messages.${i}.content.${j}.image.source: base64 source required`);
      } else if (b.type === 'tool_use') {
        if (m.role !== 'assistant' || typeof b.id !== 'string' || typeof b.name !== 'string' || !isObject(b.input))
          invalid(`messages.${i}.content.${j}: invalid tool_use block`);
      } else if (b.type === 'tool_result') {
        if (m.role !== 'user' || typeof b.tool_use_id !== 'string') invalid(`messages.${i}.content.${j}: invalid tool_result block`);
      } else invalid(`messages.${i}.content.${j}.type: unknown content block type ${JSON.stringify(b.type)}`);
    });
    allText += texts.join(' ');
    if (m.role === 'user' && texts.length) lastUserText = texts.join(' ');
  });
  const tools = body.tools as Array<{ name?: unknown; input_schema?: unknown }> | undefined;
  if (tools !== undefined && (!Array.isArray(tools) || tools.some((t) => typeof t.name !== 'string' || !isObject(t.input_schema))))
    invalid('tools: each tool needs a name and an input_schema object');
  const special = triggers(lastUserText, inBatchJob);
  if (special) return special;
  const choice = body.tool_choice as { type?: string; name?: string } | undefined;
  const inputTokens = tokensOf(allText);
  if (
    tools?.length &&
    choice?.type !== 'none' &&
    (choice?.type === 'any' || choice?.type === 'tool' || lastUserText.includes('[simulate-tool-call]'))
  ) {
    const tool = choice?.type === 'tool' ? choice.name : (tools[0].name as string);
    return {
      kind: 'output',
      inputTokens,
      outputTokens: 12,
      output: {
        id: `msg_bdrk_${shortHash(body)}`,
        type: 'message',
        role: 'assistant',
        model: modelId.replace(/^.*anthropic\./, '').replace(/-v\d+:\d+$/, ''),
        content: [
          { type: 'tool_use', id: `toolu_bdrk_${shortHash([body, 'tool'])}`, name: tool, input: { query: lastUserText.slice(0, 40) } },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: 12 },
      },
    };
  }
  const r = reply('claude', lastUserText, body.max_tokens as number, (body.stop_sequences as string[] | undefined) ?? []);
  return {
    kind: 'output',
    inputTokens,
    outputTokens: r.words,
    output: {
      id: `msg_bdrk_${shortHash(body)}`,
      type: 'message',
      role: 'assistant',
      model: modelId.replace(/^.*anthropic\./, '').replace(/-v\d+:\d+$/, ''),
      content: [{ type: 'text', text: r.text }],
      stop_reason: r.stop === 'end' ? 'end_turn' : r.stop === 'length' ? 'max_tokens' : 'stop_sequence',
      stop_sequence: r.stopSequence ?? null,
      usage: { input_tokens: inputTokens, output_tokens: r.words },
    },
  };
}

function answerNova(body: Record<string, unknown>, inBatchJob: boolean): Answer {
  checkKeys(body, ['schemaVersion', 'system', 'messages', 'inferenceConfig', 'toolConfig']);
  if (body.schemaVersion !== undefined && body.schemaVersion !== 'messages-v1') invalid('schemaVersion: must be "messages-v1"');
  if (!Array.isArray(body.messages) || body.messages.length === 0) invalid('Malformed input request: messages is required');
  const messages = body.messages as Array<{ role?: unknown; content?: unknown }>;
  checkAlternation(messages);
  if (body.system !== undefined && (!Array.isArray(body.system) || body.system.some((s) => !isObject(s) || typeof s.text !== 'string')))
    invalid('Malformed input request: system must be a list of {text}');
  const config = (body.inferenceConfig ?? {}) as Record<string, unknown>;
  if (!isObject(config)) invalid('Malformed input request: inferenceConfig must be an object');
  checkKeys(config, ['maxTokens', 'temperature', 'topP', 'topK', 'stopSequences']);
  checkTemperature(config.temperature, 'inferenceConfig.temperature');
  if (config.maxTokens !== undefined && (typeof config.maxTokens !== 'number' || config.maxTokens < 1))
    invalid('inferenceConfig.maxTokens: must be a positive integer');
  let lastUserText = '';
  let allText = ((body.system as Array<{ text: string }> | undefined) ?? []).map((s) => s.text).join(' ');
  messages.forEach((m, i) => {
    if (!Array.isArray(m.content) || m.content.length === 0)
      invalid(`Malformed input request: messages[${i}].content must be a non-empty list of content blocks`);
    const texts: string[] = [];
    (m.content as Array<Record<string, unknown>>).forEach((b, j) => {
      const kinds = Object.keys(b);
      if (kinds.length !== 1)
        invalid(`Malformed input request: messages[${i}].content[${j}] must have exactly one of text, image, toolUse, toolResult`);
      if (typeof b.text === 'string') texts.push(b.text);
      else if (isObject(b.image)) {
        if (!['png', 'jpeg', 'gif', 'webp'].includes(b.image.format as string) || !isObject(b.image.source))
          invalid(`Malformed input request: messages[${i}].content[${j}].image is invalid`);
      } else if (isObject(b.toolUse)) {
        if (m.role !== 'assistant' || typeof b.toolUse.toolUseId !== 'string' || typeof b.toolUse.name !== 'string')
          invalid(`Malformed input request: messages[${i}].content[${j}].toolUse is invalid`);
      } else if (isObject(b.toolResult)) {
        if (m.role !== 'user' || typeof b.toolResult.toolUseId !== 'string' || !Array.isArray(b.toolResult.content))
          invalid(`Malformed input request: messages[${i}].content[${j}].toolResult is invalid`);
      } else invalid(`Malformed input request: messages[${i}].content[${j}] has unknown block ${kinds[0]}`);
    });
    allText += texts.join(' ');
    if (m.role === 'user' && texts.length) lastUserText = texts.join(' ');
  });
  const toolConfig = body.toolConfig as
    | { tools?: Array<{ toolSpec?: { name?: string; inputSchema?: { json?: unknown } } }>; toolChoice?: Record<string, { name?: string }> }
    | undefined;
  if (
    toolConfig !== undefined &&
    (!Array.isArray(toolConfig.tools) ||
      toolConfig.tools.some((t) => typeof t.toolSpec?.name !== 'string' || !isObject(t.toolSpec?.inputSchema?.json)))
  ) {
    invalid('Malformed input request: toolConfig.tools[].toolSpec needs a name and inputSchema.json');
  }
  const special = triggers(lastUserText, inBatchJob);
  if (special) return special;
  const inputTokens = tokensOf(allText);
  const choice = toolConfig?.toolChoice;
  if (toolConfig?.tools?.length && (choice?.any || choice?.tool || lastUserText.includes('[simulate-tool-call]'))) {
    const name = choice?.tool?.name ?? (toolConfig.tools[0].toolSpec!.name as string);
    return {
      kind: 'output',
      inputTokens,
      outputTokens: 12,
      output: {
        output: {
          message: {
            role: 'assistant',
            content: [
              { toolUse: { toolUseId: `tooluse_${shortHash([body, 'tool'])}`, name, input: { query: lastUserText.slice(0, 40) } } },
            ],
          },
        },
        stopReason: 'tool_use',
        usage: { inputTokens, outputTokens: 12, totalTokens: inputTokens + 12 },
      },
    };
  }
  return novaShapedReply('nova', lastUserText, inputTokens, config);
}

/** A text answer in the shape Nova's InvokeModel and the Converse API share; `extra` adds fields (Converse's metrics). */
export function novaShapedReply(
  family: SimChatFamily,
  lastUserText: string,
  inputTokens: number,
  config: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Answer {
  const r = reply(family, lastUserText, config.maxTokens as number | undefined, (config.stopSequences as string[] | undefined) ?? []);
  return {
    kind: 'output',
    inputTokens,
    outputTokens: r.words,
    output: {
      output: { message: { role: 'assistant', content: [{ text: r.text }] } },
      stopReason: r.stop === 'end' ? 'end_turn' : r.stop === 'length' ? 'max_tokens' : 'stop_sequence',
      usage: { inputTokens, outputTokens: r.words, totalTokens: inputTokens + r.words },
      ...extra,
    },
  };
}

function answerLlama(body: Record<string, unknown>, inBatchJob: boolean): Answer {
  checkKeys(body, ['prompt', 'max_gen_len', 'temperature', 'top_p', 'images']);
  if (typeof body.prompt !== 'string' || body.prompt.length === 0) invalid('prompt: required string');
  const maxGen = body.max_gen_len;
  if (maxGen !== undefined && (typeof maxGen !== 'number' || !Number.isInteger(maxGen) || maxGen < 1 || maxGen > 2048))
    invalid('max_gen_len: must be an integer from 1 to 2048');
  checkTemperature(body.temperature, 'temperature');
  const prompt = body.prompt as string;
  // The last user turn of a Llama 3 or Llama 4 chat template.
  const turns = [
    ...prompt.matchAll(
      /(?:<\|start_header_id\|>|<\|header_start\|>)user(?:<\|end_header_id\|>|<\|header_end\|>)\n\n([\s\S]*?)(?:<\|eot_id\|>|<\|eot\|>)/g,
    ),
  ];
  const lastUserText = turns.length ? turns[turns.length - 1][1] : prompt;
  const special = triggers(prompt, inBatchJob);
  if (special) return special;
  const r = reply('llama', lastUserText, maxGen as number | undefined, []);
  const inputTokens = tokensOf(prompt);
  return {
    kind: 'output',
    inputTokens,
    outputTokens: r.words,
    output: {
      generation: r.text,
      prompt_token_count: inputTokens,
      generation_token_count: r.words,
      stop_reason: r.stop === 'length' ? 'length' : 'stop',
    },
  };
}
