// Builders for the lines of OpenAI batch output and error files, shared by every provider's results
// converter so the shapes are written once.
import type { BatchRequestOutput, ChatCompletion } from '#contracts/openai-types';
import type { EmbeddingList } from './embedding-list';

type Line = Omit<BatchRequestOutput, 'id'>;

/** A request that succeeded: goes to the output file. */
export function successLine(customId: string, requestId: string, body: ChatCompletion | EmbeddingList): Line {
  return { custom_id: customId, response: { status_code: 200, request_id: requestId, body }, error: null };
}

/** A request the provider answered with an HTTP-style error: goes to the error file. */
export function httpErrorLine(
  customId: string,
  statusCode: number,
  requestId: string,
  message: string,
  type = 'invalid_request_error',
  code: string | null = null,
): Line {
  return {
    custom_id: customId,
    response: { status_code: statusCode, request_id: requestId, body: { error: { message, type, param: null, code } } },
    error: null,
  };
}

/** A request that never ran (expired, cancelled, lost): goes to the error file. */
export function notRunLine(customId: string, code: 'batch_expired' | 'batch_cancelled' | 'batch_failed', message?: string): Line {
  const messages = {
    batch_expired: 'This request could not be executed before the completion window expired.',
    batch_cancelled: 'This request was not executed because the batch was cancelled.',
    batch_failed: 'This request was not executed because the batch failed.',
  };
  return { custom_id: customId, response: null, error: { code, message: message ?? messages[code] } };
}

export function isSuccess(line: Line): boolean {
  return line.response !== null && line.response.status_code >= 200 && line.response.status_code < 300;
}
