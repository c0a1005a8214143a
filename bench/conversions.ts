// The conversion directions the benchmark measures: each is one line of text in → one line out, built
// from the pure per-line converters the provider folders export (no I/O, no adapter). The baseline is
// the floor any JSONL converter pays: JSON.parse + JSON.stringify of the same line.
import type { BatchRequestInput, ChatCompletionRequest } from '#contracts/openai-types';
import { batchRequestId } from '#lambda/ids';
import { toBedrockRecord, recordIdFor, recordIndexOf, type BedrockOutputRecord } from '#lambda/providers/bedrock/records';
import { resultLineFor } from '#lambda/providers/bedrock/results';
import { toAnthropicParams } from '#lambda/providers/anthropic/request';
import { resultToLine } from '#lambda/providers/anthropic/response';
import { toGeminiBatchLine } from '#lambda/providers/gemini/request';
import { parseResponseLine, toOutputLine } from '#lambda/providers/gemini/response';
import type { ResultFormat } from './provider-results';
import { EMBEDDING_DIRECTIONS, type EmbeddingInputKind } from './embeddings';
import { convertLineBody } from '#lambda/providers/convert/responses-request';
import { chatCompletionToResponse, isChatCompletion } from '#lambda/openai/response-object';

export type InputKind = 'openai-input' | 'responses-input' | ResultFormat | EmbeddingInputKind;

export type LineConverter = (text: string, lineNumber: number) => string;

export interface Direction {
  name: string;
  input: InputKind;
  /** The functions exercised, for the report. */
  functions: string;
  create(): LineConverter;
}

const BATCH_ID = 'batch_benchmark000000000000000';
const CREATED = 1_750_000_000;
const customIdOf = (index: number) => `request-${String(index).padStart(6, '0')}`;

export const DIRECTIONS: readonly Direction[] = [
  {
    name: 'openai → bedrock records',
    input: 'openai-input',
    functions: 'bedrock/records.ts toBedrockRecord (claude family)',
    create: () => {
      let index = 0;
      return (text) => {
        const request = JSON.parse(text) as BatchRequestInput;
        return JSON.stringify(toBedrockRecord(recordIdFor(index++), request.body as ChatCompletionRequest, 'claude'));
      };
    },
  },
  {
    name: 'openai → anthropic params',
    input: 'openai-input',
    functions: 'anthropic/request.ts toAnthropicParams',
    create: () => (text) => {
      const request = JSON.parse(text) as BatchRequestInput;
      return JSON.stringify({ custom_id: request.custom_id, params: toAnthropicParams(request.body as ChatCompletionRequest) });
    },
  },
  {
    name: 'openai → gemini lines',
    input: 'openai-input',
    functions: 'gemini/request.ts toGeminiBatchLine',
    create: () => (text) => JSON.stringify(toGeminiBatchLine(JSON.parse(text) as BatchRequestInput)),
  },
  {
    name: 'responses → anthropic params',
    input: 'responses-input',
    functions: 'convert/responses-request.ts convertLineBody + anthropic/request.ts toAnthropicParams',
    create: () => (text) => {
      const request = JSON.parse(text) as BatchRequestInput;
      return JSON.stringify({ custom_id: request.custom_id, params: convertLineBody(request, toAnthropicParams) });
    },
  },
  {
    name: 'responses → bedrock records',
    input: 'responses-input',
    functions: 'convert/responses-request.ts convertLineBody + bedrock/records.ts toBedrockRecord (claude family)',
    create: () => {
      let index = 0;
      return (text) => {
        const request = JSON.parse(text) as BatchRequestInput;
        return JSON.stringify(convertLineBody(request, (body) => toBedrockRecord(recordIdFor(index++), body, 'claude')));
      };
    },
  },
  {
    name: 'responses → gemini lines',
    input: 'responses-input',
    functions: 'gemini/request.ts toGeminiBatchLine (Responses line)',
    create: () => (text) => JSON.stringify(toGeminiBatchLine(JSON.parse(text) as BatchRequestInput)),
  },
  {
    name: 'bedrock output → responses',
    input: 'bedrock-output',
    functions: 'bedrock/results.ts resultLineFor + openai/response-object.ts chatCompletionToResponse',
    create: () => (text) => {
      const { customId, line } = bedrockResult(text);
      const body = line.response?.body;
      const response = line.response && isChatCompletion(body) ? { ...line.response, body: chatCompletionToResponse(body) } : line.response;
      return JSON.stringify(outputLine(customId, { response, error: line.error }));
    },
  },
  {
    name: 'bedrock output → openai',
    input: 'bedrock-output',
    functions: 'bedrock/results.ts resultLineFor',
    create: () => (text) => {
      const { customId, line } = bedrockResult(text);
      return JSON.stringify(outputLine(customId, line));
    },
  },
  {
    name: 'anthropic result → openai',
    input: 'anthropic-results',
    functions: 'anthropic/response.ts resultToLine',
    create: () => (text) => {
      const response = JSON.parse(text) as Parameters<typeof resultToLine>[0];
      const line = resultToLine(response, response.custom_id, { created: CREATED, fallbackRequestId: `anthropic-${response.custom_id}` });
      return JSON.stringify(outputLine(response.custom_id, line));
    },
  },
  {
    name: 'gemini response → openai',
    input: 'gemini-responses',
    functions: 'gemini/response.ts parseResponseLine + toOutputLine',
    create: () => (text, lineNumber) => {
      const parsed = parseResponseLine(text, lineNumber);
      const line = toOutputLine(parsed, { batchId: BATCH_ID, model: 'gemini-2.5-flash', created: CREATED });
      return JSON.stringify(outputLine(parsed.key, line));
    },
  },
  ...EMBEDDING_DIRECTIONS,
];

/** One Bedrock output record as the adapter reads it (Claude family). */
function bedrockResult(text: string) {
  const record = JSON.parse(text) as BedrockOutputRecord;
  const customId = customIdOf(recordIndexOf(record.recordId) ?? 0);
  return {
    customId,
    line: resultLineFor(record, customId, 'claude', {
      model: 'anthropic.claude-3-haiku-20240307-v1:0',
      created: CREATED,
      id: `chatcmpl-${customId}`,
      requestId: `bedrock-${customId}`,
    }),
  };
}

/** The line as the gateway writes it (lambda/tracker/result-files.ts ResultFiles.write). */
function outputLine(customId: string, line: { response: unknown; error: unknown }) {
  return { id: batchRequestId(BATCH_ID, customId), custom_id: customId, response: line.response, error: line.error };
}

/** The floor: parse and re-serialise every line, nothing else. */
export const BASELINE: LineConverter = (text) => JSON.stringify(JSON.parse(text));
