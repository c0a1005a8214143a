// The OpenAI Response object (`object: "response"`) of a Responses batch line that another provider
// answered: its chat.completion (what every provider's results converter already builds) read as a
// Response. Shape: shared/spec/openai-openapi Response, OutputMessage, OutputTextContent,
// FunctionToolCall, ResponseUsage (checked against the schema in test/unit/response-object.test.ts).
// Ids derive from the completion's id, so collecting results twice writes the same lines. Pure.
import { createHash } from 'node:crypto';
import type { ChatCompletion, ChatCompletionUsage } from '#contracts/openai-types';

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseOutputItem =
  | {
      type: 'message';
      id: string;
      status: 'completed' | 'incomplete';
      role: 'assistant';
      content: Array<{ type: 'output_text'; text: string; annotations: []; logprobs: [] }>;
    }
  | { type: 'function_call'; id: string; call_id: string; name: string; arguments: string; status: 'completed' };

export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: 'completed' | 'incomplete';
  completed_at: number | null;
  error: null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: null;
  max_output_tokens: null;
  model: string;
  output: ResponseOutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: null;
  reasoning: null;
  temperature: null;
  text: { format: { type: 'text' } };
  tool_choice: 'auto';
  tools: [];
  top_p: null;
  truncation: 'disabled';
  usage: ResponseUsage;
  metadata: Record<string, string>;
}

const idFrom = (prefix: string, seed: string) => `${prefix}_${createHash('sha256').update(seed).digest('hex').slice(0, 48)}`;

/** chat.completion usage in Responses names (cached and reasoning tokens stay parts of their totals). */
export function responseUsage(usage: ChatCompletionUsage | undefined): ResponseUsage {
  const input = usage?.prompt_tokens ?? 0;
  const output = usage?.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage?.prompt_tokens_details?.cached_tokens ?? 0, cache_write_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage?.total_tokens ?? input + output,
  };
}

/**
 * The Response for a completion: its text as one `message` item (when there is text), each tool call as
 * a `function_call` item; finish_reason `length` / `content_filter` make the response `incomplete`, as
 * OpenAI reports a max_output_tokens cut. The request's echo fields (instructions, tools, temperature…)
 * are the defaults: the result converter does not see the request (README "Endpoints × providers").
 */
export function chatCompletionToResponse(completion: ChatCompletion): ResponseObject {
  const choice = completion.choices[0];
  const finish = choice?.finish_reason ?? 'stop';
  const incomplete = finish === 'length' ? 'max_output_tokens' : finish === 'content_filter' ? 'content_filter' : null;
  const status = incomplete ? 'incomplete' : 'completed';
  const output: ResponseOutputItem[] = [];
  const text = choice?.message.content;
  if (typeof text === 'string' && text !== '') {
    output.push({
      type: 'message',
      id: idFrom('msg', completion.id),
      status,
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
    });
  }
  for (const call of choice?.message.tool_calls ?? []) {
    output.push({
      type: 'function_call',
      id: idFrom('fc', `${completion.id}/${call.id}`),
      call_id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
      status: 'completed',
    });
  }
  return {
    id: idFrom('resp', completion.id),
    object: 'response',
    created_at: completion.created,
    status,
    completed_at: status === 'completed' ? completion.created : null,
    error: null,
    incomplete_details: incomplete ? { reason: incomplete } : null,
    instructions: null,
    max_output_tokens: null,
    model: completion.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: null,
    temperature: null,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: null,
    truncation: 'disabled',
    usage: responseUsage(completion.usage),
    metadata: {},
  };
}

/** Whether a result body is a chat.completion (a translated provider's answer) rather than OpenAI's own object. */
export function isChatCompletion(body: unknown): body is ChatCompletion {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as { object?: unknown }).object === 'chat.completion' &&
    Array.isArray((body as { choices?: unknown }).choices)
  );
}
