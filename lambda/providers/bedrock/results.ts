// Bedrock output records → OpenAI batch output/error lines (spec bedrock.md §4). Pure.
import type { BatchRequestOutput } from '#contracts/openai-types';
import { httpErrorLine, successLine } from '#lambda/openai/output-lines';
import type { BedrockFamily } from './model-family';
import { fromBedrockOutput, type BedrockOutputRecord } from './records';
import type { CompletionContext } from './completion-context';

type Line = Omit<BatchRequestOutput, 'id'>;

export interface ResultLineContext extends CompletionContext {
  /** `response.request_id`; Bedrock gives none per record, so the adapter derives one. */
  requestId: string;
}

/** The HTTP status an output record's errorCode stands for (Bedrock writes numbers; be lenient with strings). */
export function errorStatusOf(errorCode: unknown): number {
  const status = typeof errorCode === 'number' ? errorCode : typeof errorCode === 'string' ? Number(errorCode) : NaN;
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}

export function errorTypeOf(status: number): string {
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** The OpenAI line for one Bedrock output record: 200 with a chat.completion, or the record's error. */
export function resultLineFor(record: BedrockOutputRecord, customId: string, family: BedrockFamily, context: ResultLineContext): Line {
  if (record.error) {
    const status = errorStatusOf(record.error.errorCode);
    const message =
      record.error.errorMessage || `Bedrock could not process this request (error ${String(record.error.errorCode ?? 'unknown')}).`;
    return httpErrorLine(customId, status, context.requestId, message, errorTypeOf(status));
  }
  try {
    return successLine(customId, context.requestId, fromBedrockOutput(record, family, context));
  } catch (err) {
    // An output we cannot read still has to appear once; it goes to the error file rather than vanishing.
    return httpErrorLine(
      customId,
      502,
      context.requestId,
      `Bedrock returned output the gateway could not read: ${(err as Error).message}.`,
      'server_error',
      'unreadable_provider_output',
    );
  }
}
