// Inline Message Batch requests, exactly as a client writes them in extra_body.requests:
// [{ custom_id, params: { model, max_tokens, messages, ... } }]. Anthropic validates `params` only
// after the batch was accepted (a bad one comes back as an errored result); we check what every
// request needs before anything is paid for, and name the request that is wrong.
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { badRequest, type GatewayError } from '#lambda/http/errors';
import { MAX_BATCH_LINES, MAX_CUSTOM_ID_LENGTH, isObject } from '#lambda/batch-files/validate';

export interface InlineRequest {
  custom_id: string;
  params: MessageCreateParamsNonStreaming;
}

/** Validates extra_body.requests. Throws GatewayError (400) naming the request (index and custom_id). */
export function validateInlineRequests(value: unknown, maxRequests = MAX_BATCH_LINES): InlineRequest[] {
  if (!Array.isArray(value)) throw badRequest('requests must be an array of {custom_id, params} objects.', 'requests', 'invalid_requests');
  if (value.length === 0) throw badRequest('requests must contain at least one request.', 'requests', 'invalid_requests');
  if (value.length > maxRequests) {
    throw badRequest(
      `requests has ${value.length} entries; at most ${maxRequests} are accepted in one batch.`,
      'requests',
      'too_many_tasks',
    );
  }
  const seen = new Map<string, number>();
  value.forEach((request, i) => {
    const fail = (what: string, param: string, code = 'invalid_request') => invalid(i, request, what, param, code);
    if (!isObject(request)) throw fail('must be an object with custom_id and params', `requests[${i}]`);
    const { custom_id: customId, params } = request;
    if (typeof customId !== 'string' || customId === '')
      throw fail('is missing a custom_id (a non-empty string)', `requests[${i}].custom_id`, 'missing_custom_id');
    if (customId.length > MAX_CUSTOM_ID_LENGTH)
      throw fail(`has a custom_id longer than ${MAX_CUSTOM_ID_LENGTH} characters`, `requests[${i}].custom_id`, 'invalid_custom_id');
    const earlier = seen.get(customId);
    if (earlier !== undefined) {
      throw fail(
        `repeats the custom_id of requests[${earlier}]; custom_id must be unique within a batch`,
        `requests[${i}].custom_id`,
        'duplicate_custom_id',
      );
    }
    seen.set(customId, i);
    if (!isObject(params)) throw fail('is missing params (a Messages API request body)', `requests[${i}].params`);
    if (typeof params.model !== 'string' || params.model === '')
      throw fail('is missing params.model', `requests[${i}].params.model`, 'missing_model');
    const maxTokens = params.max_tokens;
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      throw fail('needs params.max_tokens (a positive integer; Anthropic requires it)', `requests[${i}].params.max_tokens`);
    }
    if (!Array.isArray(params.messages) || params.messages.length === 0) {
      throw fail('needs params.messages (a non-empty array)', `requests[${i}].params.messages`, 'invalid_messages');
    }
    params.messages.forEach((message, j) => {
      const ok =
        isObject(message) && typeof message.role === 'string' && (typeof message.content === 'string' || Array.isArray(message.content));
      if (!ok)
        throw fail(
          `has an invalid params.messages[${j}] (an object with a role and string or array content)`,
          `requests[${i}].params.messages[${j}]`,
          'invalid_messages',
        );
    });
    if (params.stream === true) throw fail('sets params.stream; streaming is not available in batches', `requests[${i}].params.stream`);
  });
  return value as InlineRequest[];
}

function invalid(index: number, request: unknown, what: string, param: string, code: string): GatewayError {
  const customId =
    isObject(request) && typeof request.custom_id === 'string' ? ` (custom_id ${JSON.stringify(request.custom_id.slice(0, 80))})` : '';
  return badRequest(`requests[${index}]${customId} ${what}.`, param, code);
}
