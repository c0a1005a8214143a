// What every simulated Bedrock model shares: the error a model answers with, the checks all the chat
// families make, the deterministic reply and the record triggers (listed in model-behaviour.ts). The
// families (claude.ts, nova.ts, llama.ts, converse.ts, embeddings.ts) build on it; it knows none of them.
import { createHash } from 'node:crypto';
import { rateLimitedOnce } from '#local/simulators/rate-limit-once';

/** The chat families, whose replies are text. */
export type SimChatFamily = 'claude' | 'nova' | 'llama' | 'converse';

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
