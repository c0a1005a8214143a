// The simulated Anthropic Claude models on Bedrock: an InvokeModel body in the Messages API shape
// (anthropic_version bedrock-2023-05-31, max_tokens, alternating user/assistant turns of text, image,
// tool_use and tool_result blocks), checked as the model checks it (plus the model's own rules in
// rules/claude.ts), answered with a Messages API reply: text, or a call of the first tool.
import { claudeRuleViolation } from '#local/simulators/rules/claude';
import {
  checkAlternation,
  checkKeys,
  checkTemperature,
  invalid,
  isObject,
  reply,
  shortHash,
  tokensOf,
  triggers,
  type Answer,
} from './model-common';

const CLAUDE_KEYS = [
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
];

type ClaudeMessage = { role?: unknown; content?: unknown };
type ClaudeTool = { name?: unknown; input_schema?: unknown };

export function answerClaude(modelId: string, body: Record<string, unknown>, inBatchJob: boolean): Answer {
  const messages = checkClaudeRequest(modelId, body);
  const { lastUserText, allText } = readClaudeMessages(body, messages);
  const tools = body.tools as ClaudeTool[] | undefined;
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
    return claudeToolCall(modelId, body, tool, lastUserText, inputTokens);
  }
  return claudeTextReply(modelId, body, lastUserText, inputTokens);
}

/** The request-level checks, in the order the model makes them; returns the messages. */
function checkClaudeRequest(modelId: string, body: Record<string, unknown>): ClaudeMessage[] {
  checkKeys(body, CLAUDE_KEYS);
  if (body.anthropic_version !== 'bedrock-2023-05-31') invalid('anthropic_version: must be "bedrock-2023-05-31"');
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1)
    invalid('max_tokens: field required (a positive integer)');
  if (!Array.isArray(body.messages) || body.messages.length === 0) invalid('messages: at least one message is required');
  const messages = body.messages as ClaudeMessage[];
  checkAlternation(messages);
  checkTemperature(body.temperature, 'temperature');
  const broken = claudeRuleViolation(modelId, body);
  if (broken) invalid(`The model returned the following errors: ${broken}`);
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system))
    invalid('system: must be a string or a list of text blocks');
  return messages;
}

/** Checks every content block; the last user text (for the reply and triggers) and all text (for the token count). */
function readClaudeMessages(body: Record<string, unknown>, messages: ClaudeMessage[]): { lastUserText: string; allText: string } {
  let lastUserText = '';
  let allText = typeof body.system === 'string' ? body.system : '';
  messages.forEach((m, i) => {
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    if (!Array.isArray(blocks) || blocks.length === 0)
      invalid(`messages.${i}.content: must be a non-empty string or list of content blocks`);
    const texts: string[] = [];
    (blocks as Array<Record<string, unknown>>).forEach((b, j) => {
      if (b.type === 'text' && typeof b.text === 'string') texts.push(b.text);
      else checkClaudeBlock(m, b, `messages.${i}.content.${j}`);
    });
    allText += texts.join(' ');
    if (m.role === 'user' && texts.length) lastUserText = texts.join(' ');
  });
  return { lastUserText, allText };
}

/** A content block other than text: a base64 image, an assistant's tool_use or a user's tool_result. */
function checkClaudeBlock(m: ClaudeMessage, b: Record<string, unknown>, at: string): void {
  if (b.type === 'image') {
    const source = b.source as Record<string, unknown> | undefined;
    if (source?.type !== 'base64' || typeof source.data !== 'string' || typeof source.media_type !== 'string')
      invalid(`${at}.image.source: base64 source required`);
  } else if (b.type === 'tool_use') {
    if (m.role !== 'assistant' || typeof b.id !== 'string' || typeof b.name !== 'string' || !isObject(b.input))
      invalid(`${at}: invalid tool_use block`);
  } else if (b.type === 'tool_result') {
    if (m.role !== 'user' || typeof b.tool_use_id !== 'string') invalid(`${at}: invalid tool_result block`);
  } else invalid(`${at}.type: unknown content block type ${JSON.stringify(b.type)}`);
}

/** The model name a Claude reply carries: the id without its vendor prefix and version suffix. */
const replyModel = (modelId: string) => modelId.replace(/^.*anthropic\./, '').replace(/-v\d+:\d+$/, '');

function claudeToolCall(
  modelId: string,
  body: Record<string, unknown>,
  tool: string | undefined,
  lastUserText: string,
  inputTokens: number,
): Answer {
  return {
    kind: 'output',
    inputTokens,
    outputTokens: 12,
    output: {
      id: `msg_bdrk_${shortHash(body)}`,
      type: 'message',
      role: 'assistant',
      model: replyModel(modelId),
      content: [
        { type: 'tool_use', id: `toolu_bdrk_${shortHash([body, 'tool'])}`, name: tool, input: { query: lastUserText.slice(0, 40) } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: 12 },
    },
  };
}

function claudeTextReply(modelId: string, body: Record<string, unknown>, lastUserText: string, inputTokens: number): Answer {
  const r = reply('claude', lastUserText, body.max_tokens as number, (body.stop_sequences as string[] | undefined) ?? []);
  return {
    kind: 'output',
    inputTokens,
    outputTokens: r.words,
    output: {
      id: `msg_bdrk_${shortHash(body)}`,
      type: 'message',
      role: 'assistant',
      model: replyModel(modelId),
      content: [{ type: 'text', text: r.text }],
      stop_reason: r.stop === 'end' ? 'end_turn' : r.stop === 'length' ? 'max_tokens' : 'stop_sequence',
      stop_sequence: r.stopSequence ?? null,
      usage: { input_tokens: inputTokens, output_tokens: r.words },
    },
  };
}
