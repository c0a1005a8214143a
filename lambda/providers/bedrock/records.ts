// Bedrock batch records: the JSONL lines the gateway writes for a job and the lines Bedrock writes back
// (spec bedrock.md §3/§4), and the alphanumeric record ids that join them to OpenAI custom_ids.
import type { ChatCompletion, ChatCompletionRequest } from '#contracts/openai-types';
import type { BedrockFamily } from './model-family';
import type { CompletionContext } from './completion-context';
import { ConversionError } from '#lambda/providers/convert/conversion-error';
import type { Message as ClaudeResponse } from '@anthropic-ai/sdk/resources/messages/messages';
import { fromClaudeResponse, toClaudeRequest, type ClaudeRequest } from './claude';
import { fromNovaResponse, toNovaRequest, type NovaRequest, type NovaResponse } from './nova';
import { fromLlamaResponse, toLlamaRequest, type LlamaRequest, type LlamaResponse } from './llama';
import { fromConverseResponse, toConverseRequest, type ConverseRequest, type ConverseResponse } from './converse';

export type BedrockModelInput = ClaudeRequest | NovaRequest | LlamaRequest | ConverseRequest;

export interface BedrockInputRecord {
  recordId: string;
  modelInput: BedrockModelInput;
}

/** A line of `<input>.jsonl.out`: either modelOutput or error. */
export interface BedrockOutputRecord {
  recordId?: string;
  modelInput?: unknown;
  modelOutput?: unknown;
  error?: { errorCode?: number | string; errorMessage?: string };
}

/**
 * Bedrock wants alphanumeric record ids and custom_ids are arbitrary strings, so record ids are the
 * line's position: `R` + 8 digits (R00000001). The custom_ids are kept, in the same order, beside the
 * records (see adapter), and the position in the id is what joins a result back to its custom_id.
 */
export function recordIdFor(index: number): string {
  return `R${String(index + 1).padStart(8, '0')}`;
}

/** The 0-based position a record id stands for, or null for an id the gateway did not issue. */
export function recordIndexOf(recordId: unknown): number | null {
  if (typeof recordId !== 'string') return null;
  const match = /^R(\d{8,})$/.exec(recordId);
  if (!match) return null;
  const index = Number(match[1]) - 1;
  return Number.isSafeInteger(index) && index >= 0 ? index : null;
}

/** The Bedrock record for one chat.completions body. Throws ConversionError (400) naming the field, and the line when given. */
export function toBedrockRecord(recordId: string, body: ChatCompletionRequest, family: BedrockFamily, line?: number): BedrockInputRecord {
  try {
    return { recordId, modelInput: toModelInput(body, family) };
  } catch (err) {
    if (err instanceof ConversionError && line !== undefined) throw err.atLine(line);
    throw err;
  }
}

export function toModelInput(body: ChatCompletionRequest, family: BedrockFamily): BedrockModelInput {
  switch (family) {
    case 'claude':
      return toClaudeRequest(body);
    case 'nova':
      return toNovaRequest(body);
    case 'llama3':
    case 'llama4':
      return toLlamaRequest(body, family);
    case 'converse':
      return toConverseRequest(body);
  }
}

/** The chat.completion for a record Bedrock answered with modelOutput. Throws when the output is not the family's shape. */
export function fromBedrockOutput(record: BedrockOutputRecord, family: BedrockFamily, context: CompletionContext): ChatCompletion {
  if (record.modelOutput === undefined || record.modelOutput === null) throw new Error(`Record ${record.recordId} has no modelOutput`);
  return fromModelOutput(record.modelOutput, family, context);
}

export function fromModelOutput(output: unknown, family: BedrockFamily, context: CompletionContext): ChatCompletion {
  switch (family) {
    case 'claude':
      return fromClaudeResponse(output as ClaudeResponse, context);
    case 'nova':
      return fromNovaResponse(output as NovaResponse, context);
    case 'llama3':
    case 'llama4':
      return fromLlamaResponse(output as LlamaResponse, context);
    case 'converse':
      return fromConverseResponse(output as ConverseResponse, context);
  }
}
