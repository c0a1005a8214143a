// The simulated Amazon Nova chat models: an InvokeModel body in Nova's messages-v1 shape (messages of
// single-key content blocks: text, image, toolUse, toolResult; system as [{text}]; inferenceConfig;
// toolConfig), checked as the model checks it, answered with Nova's reply: text, or a call of the first tool.
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

type NovaMessage = { role?: unknown; content?: unknown };
type NovaToolConfig = {
  tools?: Array<{ toolSpec?: { name?: string; inputSchema?: { json?: unknown } } }>;
  toolChoice?: Record<string, { name?: string }>;
};

export function answerNova(body: Record<string, unknown>, inBatchJob: boolean): Answer {
  const { messages, config } = checkNovaRequest(body);
  const { lastUserText, allText } = readNovaMessages(body, messages);
  const toolConfig = body.toolConfig as NovaToolConfig | undefined;
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
    return novaToolCall(body, name, lastUserText, inputTokens);
  }
  return novaShapedReply('nova', lastUserText, inputTokens, config);
}

/** The request-level checks, in the order the model makes them; returns the messages and the inferenceConfig. */
function checkNovaRequest(body: Record<string, unknown>): { messages: NovaMessage[]; config: Record<string, unknown> } {
  checkKeys(body, ['schemaVersion', 'system', 'messages', 'inferenceConfig', 'toolConfig']);
  if (body.schemaVersion !== undefined && body.schemaVersion !== 'messages-v1') invalid('schemaVersion: must be "messages-v1"');
  if (!Array.isArray(body.messages) || body.messages.length === 0) invalid('Malformed input request: messages is required');
  const messages = body.messages as NovaMessage[];
  checkAlternation(messages);
  if (body.system !== undefined && (!Array.isArray(body.system) || body.system.some((s) => !isObject(s) || typeof s.text !== 'string')))
    invalid('Malformed input request: system must be a list of {text}');
  const config = (body.inferenceConfig ?? {}) as Record<string, unknown>;
  if (!isObject(config)) invalid('Malformed input request: inferenceConfig must be an object');
  checkKeys(config, ['maxTokens', 'temperature', 'topP', 'topK', 'stopSequences']);
  checkTemperature(config.temperature, 'inferenceConfig.temperature');
  if (config.maxTokens !== undefined && (typeof config.maxTokens !== 'number' || config.maxTokens < 1))
    invalid('inferenceConfig.maxTokens: must be a positive integer');
  return { messages, config };
}

/** Checks every content block; the last user text (for the reply and triggers) and all text (for the token count). */
function readNovaMessages(body: Record<string, unknown>, messages: NovaMessage[]): { lastUserText: string; allText: string } {
  let lastUserText = '';
  let allText = ((body.system as Array<{ text: string }> | undefined) ?? []).map((s) => s.text).join(' ');
  messages.forEach((m, i) => {
    if (!Array.isArray(m.content) || m.content.length === 0)
      invalid(`Malformed input request: messages[${i}].content must be a non-empty list of content blocks`);
    const texts: string[] = [];
    (m.content as Array<Record<string, unknown>>).forEach((b, j) => {
      const text = checkNovaBlock(m, b, `messages[${i}].content[${j}]`);
      if (text !== null) texts.push(text);
    });
    allText += texts.join(' ');
    if (m.role === 'user' && texts.length) lastUserText = texts.join(' ');
  });
  return { lastUserText, allText };
}

/** One content block has exactly one of text, image, toolUse, toolResult; returns its text, if it is one. */
function checkNovaBlock(m: NovaMessage, b: Record<string, unknown>, at: string): string | null {
  const kinds = Object.keys(b);
  if (kinds.length !== 1) invalid(`Malformed input request: ${at} must have exactly one of text, image, toolUse, toolResult`);
  if (typeof b.text === 'string') return b.text;
  if (isObject(b.image)) {
    if (!['png', 'jpeg', 'gif', 'webp'].includes(b.image.format as string) || !isObject(b.image.source))
      invalid(`Malformed input request: ${at}.image is invalid`);
  } else if (isObject(b.toolUse)) {
    if (m.role !== 'assistant' || typeof b.toolUse.toolUseId !== 'string' || typeof b.toolUse.name !== 'string')
      invalid(`Malformed input request: ${at}.toolUse is invalid`);
  } else if (isObject(b.toolResult)) {
    if (m.role !== 'user' || typeof b.toolResult.toolUseId !== 'string' || !Array.isArray(b.toolResult.content))
      invalid(`Malformed input request: ${at}.toolResult is invalid`);
  } else invalid(`Malformed input request: ${at} has unknown block ${kinds[0]}`);
  return null;
}

function novaToolCall(body: Record<string, unknown>, name: string, lastUserText: string, inputTokens: number): Answer {
  return {
    kind: 'output',
    inputTokens,
    outputTokens: 12,
    output: {
      output: {
        message: {
          role: 'assistant',
          content: [{ toolUse: { toolUseId: `tooluse_${shortHash([body, 'tool'])}`, name, input: { query: lastUserText.slice(0, 40) } } }],
        },
      },
      stopReason: 'tool_use',
      usage: { inputTokens, outputTokens: 12, totalTokens: inputTokens + 12 },
    },
  };
}
