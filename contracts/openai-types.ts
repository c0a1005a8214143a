// The OpenAI wire shapes the gateway exposes (see shared/spec/openai.md). Every object we return is
// built from these types, whatever provider ran the work.

export type BatchStatus = 'validating' | 'in_progress' | 'finalizing' | 'completed' | 'failed' | 'expired' | 'cancelling' | 'cancelled';

/** Every status, in the order a batch can go through them. */
export const BATCH_STATUSES: readonly BatchStatus[] = [
  'validating',
  'in_progress',
  'finalizing',
  'completed',
  'failed',
  'expired',
  'cancelling',
  'cancelled',
];
export const TERMINAL_BATCH_STATUSES: readonly BatchStatus[] = ['completed', 'failed', 'expired', 'cancelled'];

export function isTerminal(status: BatchStatus): boolean {
  return TERMINAL_BATCH_STATUSES.includes(status);
}

export type FilePurpose = 'batch' | 'batch_output';

export interface OpenAIFile {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  expires_at: number | null;
  filename: string;
  purpose: string;
  status: 'uploaded' | 'processed' | 'error';
  status_details: string | null;
}

export interface RequestCounts {
  total: number;
  completed: number;
  failed: number;
}

export interface BatchError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

export interface BatchUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface OpenAIBatch {
  id: string;
  object: 'batch';
  endpoint: string;
  model: string | null;
  errors: { object: 'list'; data: BatchError[] } | null;
  input_file_id: string;
  completion_window: string;
  status: BatchStatus;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number | null;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: RequestCounts;
  /** Left out until the batch has usage (OpenAI's schema types it as an object, not nullable). */
  usage?: BatchUsage;
  metadata: Record<string, string> | null;
  /**
   * Gateway extension (not in OpenAI's API; SDKs pass it through): what the batch cost, once it has
   * finished and its models are in the price table. README "FinOps".
   */
  finops: BatchCost | null;
  /** Gateway extension: the provider that runs the batch. */
  provider: string;
}

export interface BatchCost {
  currency: 'USD';
  /** At the provider's batch price. */
  cost_usd: number;
  /** What the same requests would have cost without the batch discount. */
  on_demand_cost_usd: number;
  savings_usd: number;
  /** Version of the price table used (pricing/prices.json, plus overrides). */
  price_version: string;
  /** A batch of several models: each model's share (its requests when known, tokens, cost and saving). */
  by_model?: Record<string, ModelCostShare>;
}

export interface ModelCostShare {
  requests?: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  on_demand_cost_usd: number;
  savings_usd: number;
}

export interface ListPage<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** One line of an OpenAI batch input file (`BatchRequestInput`). */
export interface BatchRequestInput {
  custom_id: string;
  method: 'POST';
  url: string;
  body: ChatCompletionRequest;
}

/** The subset of a chat.completions request body that the converters understand. */
export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
  n?: number;
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  response_format?: { type: 'text' | 'json_object' | 'json_schema'; json_schema?: { name?: string; schema?: unknown; strict?: boolean } };
  tools?: ChatTool[];
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };
  parallel_tool_calls?: boolean;
  user?: string;
  [key: string]: unknown;
}

export type ChatContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } };

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | ChatContentPart[] | null;
  name?: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
}

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ChatCompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[]; refusal?: string | null };
    finish_reason: FinishReason;
    logprobs: null;
  }>;
  usage: ChatCompletionUsage;
  system_fingerprint?: string | null;
}

/** One line of an OpenAI batch output or error file (`BatchRequestOutput`). */
export interface BatchRequestOutput {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: unknown } | null;
  error: { code: string; message: string } | null;
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}
