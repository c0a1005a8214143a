// What each request of a Message Batch comes out as once the batch ends: its result type (succeeded,
// errored, canceled, expired) and, for a success, a deterministic Message. The triggers are listed in
// ./index.ts; the Claude rules the real models enforce are ../rules/claude.ts.
import { claudeRuleViolation } from '#local/simulators/rules/claude';
import { rateLimitedOnce } from '#local/simulators/rate-limit-once';
import { stableToken } from './wire';

export interface SimRequest {
  custom_id: string;
  params: Record<string, unknown>;
}

export interface SimResult {
  custom_id: string;
  result: Record<string, unknown>;
}

/** What a batch knows when it ends: its id, when it was created and when a cancel began. */
export interface EndingBatch {
  id: string;
  createdAt: number;
  requests: SimRequest[];
  cancelInitiatedAt: number | null;
}

/**
 * The outcome of every request once the batch ends. A cancelled batch finishes, in order, the requests
 * whose share of the two processing steps had elapsed before the cancel; the rest are canceled.
 * Results come out in reverse request order: Anthropic does not promise order, so clients must join on
 * custom_id.
 */
export function finish(batch: EndingBatch, stepMs: number): SimResult[] {
  const n = batch.requests.length;
  const expireAll = batch.requests.some((r) => userTexts(r.params).some((t) => t.includes('[simulate-expire]')));
  const results = batch.requests.map((request, i) => {
    const doneAt = batch.createdAt + (2 * stepMs * (i + 1)) / n;
    let result: Record<string, unknown>;
    if (expireAll) result = { type: 'expired' };
    else if (batch.cancelInitiatedAt !== null && doneAt > batch.cancelInitiatedAt) result = { type: 'canceled' };
    else result = outcome(batch.id, request);
    return { custom_id: request.custom_id, result };
  });
  return results.reverse();
}

/** One request's result: the params Anthropic checks after accepting the batch, the error triggers, else a Message. */
function outcome(batchId: string, request: SimRequest): Record<string, unknown> {
  const p = request.params;
  const broken = invalidParams(p);
  if (broken)
    return { type: 'errored', error: { type: 'error', error: { type: 'invalid_request_error', message: broken }, request_id: null } };
  const texts = userTexts(p);
  const requestId = () => `req_${stableToken(24, batchId, request.custom_id)}`;
  if (rateLimitedOnce('anthropic', texts)) {
    const error = { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit.' };
    return { type: 'errored', error: { type: 'error', error, request_id: requestId() } };
  }
  if (texts.some((t) => t.includes('[simulate-error]'))) {
    return {
      type: 'errored',
      error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: requestId() },
    };
  }
  return { type: 'succeeded', message: simulatedMessage(batchId, request, texts) };
}

/** The message of the first required or Claude rule the params break, or null. */
function invalidParams(p: Record<string, unknown>): string | null {
  if (typeof p.model !== 'string' || p.model === '') return 'model: Field required';
  if (p.max_tokens === undefined) return 'max_tokens: Field required';
  if (typeof p.max_tokens !== 'number' || !Number.isInteger(p.max_tokens) || p.max_tokens < 1)
    return 'max_tokens: Input should be a valid positive integer';
  if (!Array.isArray(p.messages) || p.messages.length === 0) return 'messages: Field required';
  return claudeRuleViolation(p.model, p);
}

interface Reply {
  content: Array<Record<string, unknown>>;
  stopReason: string;
  stopSequence: string | null;
  outputTokens: number;
}

/** A successful request's Message: a tool call when the params force one, else the text reply. */
function simulatedMessage(batchId: string, request: SimRequest, texts: string[]) {
  const p = request.params;
  const reply = forcedToolUse(batchId, request) ?? textReply(p, texts);
  return {
    id: `msg_${stableToken(24, batchId, request.custom_id)}`,
    type: 'message',
    role: 'assistant',
    model: p.model,
    content: reply.content,
    stop_reason: reply.stopReason,
    stop_sequence: reply.stopSequence,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: usage(p, reply.outputTokens),
  };
}

/** `tools` with tool_choice `any` or `tool`: a tool_use block for the named (or first) tool. */
function forcedToolUse(batchId: string, request: SimRequest): Reply | null {
  const p = request.params;
  const tools = Array.isArray(p.tools) ? (p.tools as Array<{ name: string }>) : [];
  const choice = p.tool_choice as { type?: string; name?: string } | undefined;
  if (tools.length === 0 || (choice?.type !== 'any' && choice?.type !== 'tool')) return null;
  const name = choice.type === 'tool' && choice.name ? choice.name : tools[0].name;
  return {
    content: [{ type: 'tool_use', id: `toolu_${stableToken(24, batchId, request.custom_id)}`, name, input: {} }],
    stopReason: 'tool_use',
    stopSequence: null,
    outputTokens: Math.min(p.max_tokens as number, 12),
  };
}

/** "Simulated reply to: <last user text>", cut by stop_sequences and then max_tokens, with the matching stop_reason. */
function textReply(p: Record<string, unknown>, texts: string[]): Reply {
  const maxTokens = p.max_tokens as number;
  let text = `Simulated reply to: ${texts[texts.length - 1] ?? ''}`;
  let stopReason = 'end_turn';
  let stopSequence: string | null = null;
  for (const sequence of Array.isArray(p.stop_sequences) ? (p.stop_sequences as string[]) : []) {
    const at = text.indexOf(sequence);
    if (at !== -1) {
      text = text.slice(0, at);
      stopReason = 'stop_sequence';
      stopSequence = sequence;
    }
  }
  if (tokens(text) > maxTokens) {
    text = text.slice(0, maxTokens * 4);
    stopReason = 'max_tokens';
    stopSequence = null;
  }
  return { content: [{ type: 'text', text, citations: null }], stopReason, stopSequence, outputTokens: tokens(text) };
}

/** Usage at ≈ 4 characters per token; a system prompt with cache_control is read from the cache. */
function usage(p: Record<string, unknown>, outputTokens: number) {
  const systemText =
    typeof p.system === 'string' ? p.system : Array.isArray(p.system) ? p.system.map((b: { text?: string }) => b.text ?? '').join('') : '';
  const cachedSystem = Array.isArray(p.system) && p.system.some((b: { cache_control?: unknown }) => b.cache_control);
  const promptChars = JSON.stringify(p.messages).length;
  const systemTokens = tokens(systemText);
  return {
    input_tokens: Math.ceil(promptChars / 4) + (cachedSystem ? 0 : systemTokens),
    output_tokens: outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cachedSystem ? systemTokens : 0,
    cache_creation: null,
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: 'batch',
    speed: null,
  };
}

/** Every text a user message carries (string content and text blocks). */
export function userTexts(params: Record<string, unknown>): string[] {
  if (!Array.isArray(params.messages)) return [];
  return (params.messages as Array<{ role?: string; content?: unknown }>)
    .filter((m) => m?.role === 'user')
    .map((m) =>
      typeof m.content === 'string'
        ? m.content
        : Array.isArray(m.content)
          ? m.content.map((b: { type?: string; text?: string }) => (b?.type === 'text' ? (b.text ?? '') : '')).join('')
          : '',
    );
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));
