// How the simulated OpenAI answers one request of a batch, per endpoint: a table (endpoint → answer),
// so an endpoint is one entry. Chat completions are answered in ./requests.ts; the Responses,
// completions and moderations answers here reuse its triggers ([simulate-error], invalid- models,
// the rate-limit-once marker) and token counting. Pure (ids and timestamps passed in).
// Rules of the real API enforced per line (each a 4xx line in the error file, as OpenAI answers):
//   - Responses: `input` required; `max_output_tokens` ≥ 16 ("Invalid 'max_output_tokens': integer
//     below minimum value. Expected a value >= 16", github.com/earendil-works/pi/issues/6265).
//   - Completions: chat models are refused with 404 "This is a chat model and not supported in the
//     v1/completions endpoint…" (github.com/diffbot/code-gpt-docs/issues/172, RomanHotsiy/commitgpt#43);
//     only the completions models below answer.
//   - Moderations: `input` required; only the moderation models below.
import { countTokens as o200kTokens } from 'gpt-tokenizer/cjs/encoding/o200k_base';
import { answerEmbedding, embeddingTextsOf } from './embeddings';
import {
  answerChatCompletion,
  contentText,
  estimateTokens,
  INVALID_MODEL_PREFIX,
  errorAnswer,
  triggerRefusal,
  userTextsOf,
  type AnswerIds,
  type RequestAnswer,
} from './requests';

type Body = Record<string, unknown>;
const isObject = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);

export const COMPLETIONS_MODELS = ['gpt-3.5-turbo-instruct', 'davinci-002', 'babbage-002'];
export const MODERATION_MODELS = [
  'omni-moderation-latest',
  'omni-moderation-2024-09-26',
  'text-moderation-latest',
  'text-moderation-stable',
];
const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/instructions',
  'self-harm/intent',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
];
/** A moderation input containing this is flagged (category violence), so tests can see both answers. */
export const SIMULATE_FLAGGED_MARKER = '[simulate-flagged]';

/** The answers every endpoint shares: no model, an unknown model, the error and rate-limit triggers. */
function commonRefusal(body: unknown, texts: string[], ids: AnswerIds, modelRequired = true): RequestAnswer | null {
  if (!isObject(body)) return errorAnswer(400, 'The request body must be a JSON object.', 'invalid_request_error', null, null);
  const model = body.model;
  if (modelRequired && (typeof model !== 'string' || model === ''))
    return errorAnswer(400, 'you must provide a model parameter', 'invalid_request_error', null, null);
  if (typeof model === 'string' && model.startsWith(INVALID_MODEL_PREFIX)) {
    return errorAnswer(
      404,
      `The model \`${model}\` does not exist or you do not have access to it.`,
      'invalid_request_error',
      null,
      'model_not_found',
    );
  }
  return triggerRefusal(String(model), texts, ids, { param: null });
}

/** The answer text and its token count, cut to `limit` tokens as the chat answer is. */
function simulatedText(model: string, prompt: string, limit: number | null): { text: string; tokens: number; cut: boolean } {
  const last = prompt.replace(/\s+/g, ' ').trim();
  const snippet = last.length > 120 ? `${last.slice(0, 117)}...` : last;
  const text = `Simulated answer from ${model} to: "${snippet}"`;
  const tokens = estimateTokens(text);
  if (limit !== null && limit >= 0 && tokens > limit) return { text: text.slice(0, limit * 4), tokens: limit, cut: true };
  return { text, tokens, cut: false };
}

/** The user texts of a Responses body (string input, or message items' text parts). */
export function responsesUserTexts(body: unknown): string[] {
  if (!isObject(body)) return [];
  if (typeof body.input === 'string') return [body.input];
  const items = Array.isArray(body.input) ? body.input : [];
  return items.filter((item) => isObject(item) && item.role === 'user').map((item) => contentText((item as Body).content));
}

function answerResponse(body: unknown, ids: AnswerIds): RequestAnswer {
  const texts = responsesUserTexts(body);
  const refused = commonRefusal(body, texts, ids);
  if (refused) return refused;
  const b = body as Body;
  if (b.input === undefined || b.input === null)
    return errorAnswer(400, "Missing required parameter: 'input'.", 'invalid_request_error', 'input', 'missing_required_parameter');
  const max = typeof b.max_output_tokens === 'number' ? b.max_output_tokens : null;
  if (max !== null && max < 16) {
    return errorAnswer(
      400,
      `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${max} instead.`,
      'invalid_request_error',
      'max_output_tokens',
      'integer_below_min_value',
    );
  }
  const model = b.model as string;
  const inputTokens = o200kTokens([typeof b.instructions === 'string' ? b.instructions : '', ...texts].join('\n')) + 3;
  const answer = simulatedText(model, texts[texts.length - 1] ?? '', max);
  return {
    statusCode: 200,
    promptTokens: inputTokens,
    completionTokens: answer.tokens,
    body: responseObject(b, { model, max, inputTokens, answer }, ids),
  };
}

/** The Response object of a successful answer; the request's settings echoed back as OpenAI does. */
function responseObject(
  b: Body,
  run: { model: string; max: number | null; inputTokens: number; answer: ReturnType<typeof simulatedText> },
  ids: AnswerIds,
) {
  const { model, max, inputTokens, answer } = run;
  const id = `resp_${ids.completionId.replace(/^chatcmpl-/, '')}`;
  return {
    id,
    object: 'response',
    created_at: ids.created,
    status: answer.cut ? 'incomplete' : 'completed',
    completed_at: answer.cut ? null : ids.created,
    error: null,
    incomplete_details: answer.cut ? { reason: 'max_output_tokens' } : null,
    instructions: typeof b.instructions === 'string' ? b.instructions : null,
    max_output_tokens: max,
    model,
    output: [
      {
        type: 'message',
        id: `msg_${id.slice(5)}`,
        status: answer.cut ? 'incomplete' : 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: answer.text, annotations: [], logprobs: [] }],
      },
    ],
    parallel_tool_calls: b.parallel_tool_calls !== false,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: typeof b.temperature === 'number' ? b.temperature : 1,
    text: isObject(b.text) ? b.text : { format: { type: 'text' } },
    tool_choice: b.tool_choice ?? 'auto',
    tools: Array.isArray(b.tools) ? b.tools : [],
    top_p: typeof b.top_p === 'number' ? b.top_p : 1,
    truncation: 'disabled',
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: answer.tokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + answer.tokens,
    },
    metadata: isObject(b.metadata) ? b.metadata : {},
  };
}

const promptTexts = (prompt: unknown): string[] =>
  typeof prompt === 'string' ? [prompt] : Array.isArray(prompt) ? prompt.map((p) => (typeof p === 'string' ? p : '')) : [];

function answerCompletion(body: unknown, ids: AnswerIds): RequestAnswer {
  const texts = promptTexts(isObject(body) ? body.prompt : undefined);
  const refused = commonRefusal(body, texts, ids);
  if (refused) return refused;
  const b = body as Body;
  const model = b.model as string;
  if (!COMPLETIONS_MODELS.includes(model)) {
    return errorAnswer(
      404,
      'This is a chat model and not supported in the v1/completions endpoint. Did you mean to use v1/chat/completions?',
      'invalid_request_error',
      'model',
      null,
    );
  }
  if (b.prompt === undefined || b.prompt === null)
    return errorAnswer(400, "Missing required parameter: 'prompt'.", 'invalid_request_error', 'prompt', 'missing_required_parameter');
  // The legacy endpoint's default max_tokens is 16.
  const limit = typeof b.max_tokens === 'number' ? b.max_tokens : 16;
  const promptTokens = texts.reduce((sum, t) => sum + o200kTokens(t), 0);
  const answers = texts.map((t) => simulatedText(model, t, limit));
  const completionTokens = answers.reduce((sum, a) => sum + a.tokens, 0);
  return {
    statusCode: 200,
    promptTokens,
    completionTokens,
    body: {
      id: `cmpl-${ids.completionId.replace(/^chatcmpl-/, '')}`,
      object: 'text_completion',
      created: ids.created,
      model,
      choices: answers.map((a, index) => ({ text: a.text, index, logprobs: null, finish_reason: a.cut ? 'length' : 'stop' })),
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      system_fingerprint: 'fp_simulator',
    },
  };
}

const moderationTexts = (input: unknown): string[] =>
  typeof input === 'string'
    ? [input]
    : Array.isArray(input)
      ? input.map((p) => (typeof p === 'string' ? p : isObject(p) && typeof p.text === 'string' ? p.text : ''))
      : [];

function answerModeration(body: unknown, ids: AnswerIds): RequestAnswer {
  const texts = moderationTexts(isObject(body) ? body.input : undefined);
  const refused = commonRefusal(body, texts, ids, false);
  if (refused) return refused;
  const b = body as Body;
  const model = typeof b.model === 'string' ? b.model : 'omni-moderation-latest';
  if (!MODERATION_MODELS.includes(model))
    return errorAnswer(
      400,
      `Invalid value for 'model': '${model}' is not a moderation model.`,
      'invalid_request_error',
      'model',
      'invalid_value',
    );
  if (texts.length === 0)
    return errorAnswer(400, "Missing required parameter: 'input'.", 'invalid_request_error', 'input', 'missing_required_parameter');
  const results = texts.map((text) => {
    const flagged = text.includes(SIMULATE_FLAGGED_MARKER);
    const categories = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, flagged && c === 'violence']));
    const scores = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, flagged && c === 'violence' ? 0.97 : 0.0001]));
    const applied = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, ['text']]));
    return { flagged, categories, category_scores: scores, category_applied_input_types: applied };
  });
  // Moderations are free and report no usage.
  return {
    statusCode: 200,
    promptTokens: 0,
    completionTokens: 0,
    body: { id: `modr-${ids.completionId.replace(/^chatcmpl-/, '')}`, model, results },
  };
}

export interface EndpointAnswer {
  answer(body: unknown, ids: AnswerIds): RequestAnswer;
  /** The texts the rate-limit-once trigger looks at. */
  userTexts(body: unknown): string[];
}

export const ENDPOINT_ANSWERS: Record<string, EndpointAnswer> = {
  '/v1/chat/completions': { answer: answerChatCompletion, userTexts: userTextsOf },
  '/v1/responses': { answer: answerResponse, userTexts: responsesUserTexts },
  '/v1/completions': { answer: answerCompletion, userTexts: (body) => promptTexts(isObject(body) ? body.prompt : undefined) },
  '/v1/moderations': { answer: answerModeration, userTexts: (body) => moderationTexts(isObject(body) ? body.input : undefined) },
  '/v1/embeddings': { answer: answerEmbedding, userTexts: embeddingTextsOf },
};
