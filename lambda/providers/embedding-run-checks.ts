// Whether a provider's embedding model can run an embeddings line, answered by the converters its
// batch would use (run-checks.ts does the same for chat): the estimate route's alternatives for an
// embeddings file are embedding models only, each checked by its own converter.
import type { BatchRequestInput, ChatCompletionRequest } from '#contracts/openai-types';
import { EMBEDDINGS_ENDPOINT, type EmbeddingRequest } from '#lambda/batch-files/embeddings';
import type { ProviderName } from '#contracts/records';
import type { RunCheck } from './run-checks';
import { embeddingFamilyOf, toEmbeddingRecords } from './bedrock/embeddings';
import { isGeminiEmbeddingModel, toGeminiEmbedLines } from './gemini/embeddings';

export function embeddingRunCheckFor(provider: ProviderName, model: string): RunCheck | null {
  const line = (body: ChatCompletionRequest): BatchRequestInput => ({
    custom_id: 'estimate',
    method: 'POST',
    url: EMBEDDINGS_ENDPOINT,
    body: { ...body, model },
  });
  switch (provider) {
    case 'openai':
      return /^text-embedding-/.test(model) ? { group: 'openai:embeddings', convert: (body) => body } : null;
    case 'bedrock': {
      const family = embeddingFamilyOf(model);
      return family
        ? {
            group: `bedrock:${family}`,
            convert: (body) => toEmbeddingRecords({ ...(body as unknown as EmbeddingRequest), model }, family, 0),
          }
        : null;
    }
    case 'gemini':
      return isGeminiEmbeddingModel(model) ? { group: 'gemini:embeddings', convert: (body) => toGeminiEmbedLines(line(body), 0) } : null;
    default:
      return null;
  }
}
