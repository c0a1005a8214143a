// What a response translator needs besides the model's output: Bedrock's outputs do not all carry an
// id or a timestamp, and none names the model the way the client did.

export interface CompletionContext {
  /** The model id as the client sent it (goes to chat.completion `model`). */
  model: string;
  /** Unix seconds for `created`. */
  created: number;
  /** chat.completion `id` when the output has none (Nova, Llama). */
  id: string;
}
