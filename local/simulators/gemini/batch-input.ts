// What a batchGenerateContent / asyncBatchEmbedContent request asks for: its model (of the URL), its
// display name and its requests, from an uploaded ACTIVE file of `{key, request}` lines or inline.
import type { IncomingMessage } from 'node:http';
import { fileState, type GeminiAccount, type NewBatch, type SimFile, type SimRequest } from './account';
import { isEmbeddingModel } from './embeddings';
import { GeminiError, parseJson, readBody, token } from './wire';

export type CreateMethod = 'batchGenerateContent' | 'asyncBatchEmbedContent';

const MODEL_PATTERN = /^(gemini|gemma)-[A-Za-z0-9._-]+$/;
const MAX_CREATE_BYTES = 20 * 1024 * 1024;

const invalid = (message: string) => new GeminiError(400, 'INVALID_ARGUMENT', message);

export async function newBatch(account: GeminiAccount, req: IncomingMessage, model: string, method: CreateMethod): Promise<NewBatch> {
  // Embedding models take only asyncBatchEmbedContent, generative models only batchGenerateContent.
  const embed = method === 'asyncBatchEmbedContent';
  if (!(MODEL_PATTERN.test(model) || isEmbeddingModel(model)) || isEmbeddingModel(model) !== embed) {
    throw new GeminiError(
      404,
      'NOT_FOUND',
      `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
    );
  }
  const body = parseJson(await readBody(req, MAX_CREATE_BYTES)) as { batch?: Record<string, unknown> };
  const spec = body?.batch;
  if (typeof spec !== 'object' || spec === null) throw invalid('* BatchGenerateContentRequest.batch: batch is required\n');
  const displayName = spec.displayName ?? spec.display_name;
  if (typeof displayName !== 'string' || displayName === '')
    throw invalid('* BatchGenerateContentRequest.batch.display_name: display_name is required\n');
  const input = (spec.inputConfig ?? spec.input_config) as Record<string, unknown> | undefined;
  const fileName = input?.fileName ?? input?.file_name;
  account.refuseWhenQuotaReached();
  const requests = typeof fileName === 'string' ? requestsFromFile(usableFile(account.knownFile(fileName))) : inlineRequests(input);
  if (requests.length === 0) throw invalid('The batch input has no requests.');
  return {
    id: token(20).toLowerCase(),
    model,
    displayName,
    inputFile: typeof fileName === 'string' ? fileName : null,
    requests,
    inline: typeof fileName !== 'string',
    ...(embed ? { kind: 'embed' as const } : {}),
  };
}

function inlineRequests(input: Record<string, unknown> | undefined): SimRequest[] {
  const inline = (input?.requests as { requests?: unknown } | undefined)?.requests;
  if (!Array.isArray(inline)) throw invalid('* BatchGenerateContentRequest.batch.input_config: one of file_name or requests is required\n');
  return inline.map((item: { request?: unknown; metadata?: { key?: unknown } }, i) => ({
    key: typeof item?.metadata?.key === 'string' ? item.metadata.key : String(i),
    request: item?.request,
  }));
}

/** A file still PROCESSING cannot back a batch (FAILED_PRECONDITION, as Gemini answers). */
function usableFile(file: SimFile): SimFile {
  if (fileState(file) !== 'ACTIVE')
    throw new GeminiError(
      400,
      'FAILED_PRECONDITION',
      `The File ${file.name.replace(/^files\//, '')} is not in an ACTIVE state and usage is not allowed.`,
    );
  return file;
}

function requestsFromFile(file: SimFile): SimRequest[] {
  const requests: SimRequest[] = [];
  file.bytes
    .toString('utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let value: { key?: unknown; request?: unknown };
      try {
        value = JSON.parse(line);
      } catch {
        throw invalid(`Invalid JSON in ${file.name} at line ${i + 1}.`);
      }
      if (typeof value?.key !== 'string') throw invalid(`${file.name} line ${i + 1}: "key" must be a string.`);
      if (typeof value.request !== 'object' || value.request === null)
        throw invalid(`${file.name} line ${i + 1}: "request" must be a GenerateContentRequest object.`);
      requests.push({ key: value.key, request: value.request });
    });
  return requests;
}
