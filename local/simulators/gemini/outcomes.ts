// What the simulated Gemini answers for one GenerateContentRequest of a batch: a real
// GenerateContentResponse (deterministic text, usageMetadata, finishReason, safety ratings) or a
// google.rpc.Status error line. Pure, so the server stays about the wire protocol.
//
// Triggers (any user text part containing the marker):
// - "[simulate-error]"          → error line {code: 500, status: INTERNAL} (a transient model failure);
// - "[simulate-rate-limit-once]" → error line {code: 429, status: RESOURCE_EXHAUSTED}, the first time that text is seen only;
// - "[simulate-blocked]"        → one candidate stopped by the safety filter: finishReason SAFETY,
//                                 no content, a HIGH/blocked safety rating;
// - "[simulate-prompt-blocked]" → no candidates, promptFeedback.blockReason SAFETY;
// Batch-wide triggers are handled by the server (index.ts): "[simulate-expire]", "[simulate-batch-failure]".
// Otherwise: a malformed request (no contents, empty parts, bad role) → error line INVALID_ARGUMENT;
// function declarations with functionCallingConfig mode ANY → a functionCall part; else text
// "Simulated Gemini reply to: <last user text>" (as a JSON object under responseMimeType
// application/json), cut by stopSequences (finishReason STOP) and maxOutputTokens at ≈ 4 characters
// per token (finishReason MAX_TOKENS), one candidate per candidateCount. Thinking models (2.5, 3)
// report thoughtsTokenCount unless thinkingBudget is 0.
import { createHash } from 'node:crypto';
import { geminiRuleViolation } from '#local/simulators/rules/gemini';
import { rateLimitedOnce } from '#local/simulators/rate-limit-once';

export type Outcome = { response: Record<string, unknown> } | { error: { code: number; message: string; status: string } };

interface Part {
  text?: unknown;
  functionCall?: unknown;
  functionResponse?: unknown;
  inlineData?: unknown;
  fileData?: unknown;
}
interface Content {
  role?: unknown;
  parts?: unknown;
}

const SAFETY_CATEGORIES = [
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
];

/** Every text of user turns in a request, in order. */
export function userTexts(request: unknown): string[] {
  const contents = (request as { contents?: unknown })?.contents;
  if (!Array.isArray(contents)) return [];
  return contents
    .filter((c: Content) => c && (c.role === undefined || c.role === 'user'))
    .flatMap((c: Content) => (Array.isArray(c.parts) ? c.parts : []))
    .map((p: Part) => (typeof p?.text === 'string' ? p.text : ''))
    .filter((t) => t !== '');
}

export function simulateOutcome(seed: string, key: string, request: unknown, model: string): Outcome {
  const invalid =
    validate(request) ??
    otherModel(model, request as Record<string, unknown>) ??
    geminiRuleViolation(model, request as Record<string, unknown>);
  if (invalid) return { error: { code: 400, message: invalid, status: 'INVALID_ARGUMENT' } };
  const r = request as Record<string, unknown>;
  const texts = userTexts(r);
  const promptTokens = Math.max(1, Math.ceil((JSON.stringify(r.contents).length + JSON.stringify(r.systemInstruction ?? '').length) / 4));
  const base = { modelVersion: model, responseId: stableToken(22, seed, key) };
  return triggered(texts, promptTokens, base) ?? { response: { ...reply(r, texts, model, promptTokens), ...base } };
}

/** The outcome a per-request trigger asks for, or null. */
function triggered(texts: string[], promptTokens: number, base: Record<string, unknown>): Outcome | null {
  if (rateLimitedOnce('gemini', texts)) {
    return { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } };
  }
  if (texts.some((t) => t.includes('[simulate-error]'))) {
    return {
      error: {
        code: 500,
        message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
        status: 'INTERNAL',
      },
    };
  }
  const usageMetadata = {
    promptTokenCount: promptTokens,
    totalTokenCount: promptTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
  };
  if (texts.some((t) => t.includes('[simulate-prompt-blocked]'))) {
    return {
      response: {
        promptFeedback: { blockReason: 'SAFETY', safetyRatings: ratings('HARM_CATEGORY_DANGEROUS_CONTENT', false) },
        usageMetadata,
        ...base,
      },
    };
  }
  if (texts.some((t) => t.includes('[simulate-blocked]'))) {
    const blocked = { finishReason: 'SAFETY', index: 0, safetyRatings: ratings('HARM_CATEGORY_DANGEROUS_CONTENT', true) };
    return { response: { candidates: [blocked], usageMetadata, ...base } };
  }
  return null;
}

/** The candidates (a forced function call, or text) and their usage. */
function reply(r: Record<string, unknown>, texts: string[], model: string, promptTokens: number) {
  const config = (r.generationConfig ?? {}) as Record<string, unknown>;
  const thinkingBudget = (config.thinkingConfig as { thinkingBudget?: unknown } | undefined)?.thinkingBudget;
  const thoughts = /(2\.5|gemini-3|thinking)/.test(model) && thinkingBudget !== 0 ? 16 : 0;
  const call = forcedFunctionCall(r);
  const candidateCount = typeof config.candidateCount === 'number' && config.candidateCount > 1 ? Math.min(config.candidateCount, 8) : 1;
  const candidates: Array<Record<string, unknown>> = [];
  let outputTokens = 0;
  for (let i = 0; i < candidateCount; i++) {
    if (call) {
      candidates.push({ content: { role: 'model', parts: [{ functionCall: call }] }, finishReason: 'STOP', index: i });
      outputTokens += 8;
      continue;
    }
    const { text, finishReason } = replyText(texts[texts.length - 1] ?? '', i, config);
    candidates.push({ content: { role: 'model', parts: [{ text }] }, finishReason, index: i });
    outputTokens += tokens(text);
  }
  return {
    candidates,
    usageMetadata: {
      promptTokenCount: promptTokens,
      candidatesTokenCount: outputTokens,
      totalTokenCount: promptTokens + outputTokens + thoughts,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
      ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
    },
  };
}

/**
 * A Gemini batch runs the one model of its URL (models/{model}:batchGenerateContent): a line whose
 * GenerateContentRequest names another model is refused. (The rule that one batch is one model is
 * documented; what the service answers such a line is not, so the simulator is strict.)
 */
function otherModel(model: string, request: Record<string, unknown>): string | null {
  const named = request.model;
  if (named === undefined) return null;
  return typeof named === 'string' && named.replace(/^models\//, '') === model
    ? null
    : `* GenerateContentRequest.model: ${JSON.stringify(named)} is not the model of this batch (models/${model}).\n`;
}

/** The INVALID_ARGUMENT message for a malformed request, or null. */
function validate(request: unknown): string | null {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    return '* GenerateContentRequest: request must be an object\n';
  const contents = (request as { contents?: unknown }).contents;
  if (!Array.isArray(contents) || contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified\n';
  for (const [i, content] of contents.entries()) {
    const c = content as Content;
    if (c?.role !== undefined && c.role !== 'user' && c.role !== 'model') return 'Please use a valid role: user, model.';
    if (!Array.isArray(c?.parts) || c.parts.length === 0)
      return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`;
  }
  return null;
}

function forcedFunctionCall(request: Record<string, unknown>): { name: string; args: Record<string, unknown> } | null {
  const declarations = ((request.tools as Array<{ functionDeclarations?: Array<{ name: string }> }> | undefined) ?? []).flatMap(
    (t) => t.functionDeclarations ?? [],
  );
  const calling = (request.toolConfig as { functionCallingConfig?: { mode?: string; allowedFunctionNames?: string[] } } | undefined)
    ?.functionCallingConfig;
  if (declarations.length === 0 || calling?.mode !== 'ANY') return null;
  return { name: calling.allowedFunctionNames?.[0] ?? declarations[0].name, args: {} };
}

function replyText(lastUserText: string, candidate: number, config: Record<string, unknown>): { text: string; finishReason: string } {
  let text = `Simulated Gemini reply to: ${lastUserText}${candidate > 0 ? ` (candidate ${candidate + 1})` : ''}`;
  if (config.responseMimeType === 'application/json') text = JSON.stringify({ reply: text });
  let finishReason = 'STOP';
  for (const sequence of Array.isArray(config.stopSequences) ? (config.stopSequences as string[]) : []) {
    const at = text.indexOf(sequence);
    if (sequence !== '' && at !== -1) text = text.slice(0, at);
  }
  const maxTokens = typeof config.maxOutputTokens === 'number' ? config.maxOutputTokens : Infinity;
  if (tokens(text) > maxTokens) {
    text = text.slice(0, maxTokens * 4);
    finishReason = 'MAX_TOKENS';
  }
  return { text, finishReason };
}

function ratings(flagged: string, blocked: boolean) {
  return SAFETY_CATEGORIES.map((category) =>
    category === flagged
      ? { category, probability: 'HIGH', ...(blocked ? { blocked: true } : {}) }
      : { category, probability: 'NEGLIGIBLE' },
  );
}

const tokens = (text: string) => Math.ceil(text.length / 4);

export function stableToken(length: number, ...parts: string[]): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return Array.from({ length }, (_, i) => alphabet[digest[i % digest.length] % alphabet.length]).join('');
}
