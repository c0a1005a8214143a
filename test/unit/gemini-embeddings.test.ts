// /v1/embeddings on Gemini: OpenAI lines → embeddings-batch lines, and responses-file lines back
// (lambda/providers/gemini/embeddings.ts). Table-driven, pure.
import { LineError } from '#lambda/batch-files/lines';
import {
  embedOutcome,
  embedPartKey,
  isGeminiEmbeddingModel,
  parseEmbedPartKey,
  toGeminiEmbedLines,
} from '#lambda/providers/gemini/embeddings';
import type { BatchRequestInput } from '#contracts/openai-types';

const MODEL = 'gemini-embedding-001';
const lineOf = (body: Record<string, unknown>, customId = 'req-1'): BatchRequestInput => ({
  custom_id: customId,
  method: 'POST',
  url: '/v1/embeddings',
  body: { model: MODEL, ...body } as never,
});

describe('OpenAI embeddings line → Gemini embeddings-batch lines', () => {
  it.each<[string, Record<string, unknown>, unknown[]]>([
    ['one text', { input: 'hello' }, [{ key: '0:req-1', request: { content: { parts: [{ text: 'hello' }] } } }]],
    [
      'dimensions → outputDimensionality',
      { input: 'hello', dimensions: 768 },
      [{ key: '0:req-1', request: { content: { parts: [{ text: 'hello' }] }, outputDimensionality: 768 } }],
    ],
    [
      'task_type and title',
      { input: 'doc', task_type: 'RETRIEVAL_DOCUMENT', title: 'Doc 1' },
      [{ key: '0:req-1', request: { content: { parts: [{ text: 'doc' }] }, taskType: 'RETRIEVAL_DOCUMENT', title: 'Doc 1' } }],
    ],
    [
      'an array: one request per text, keyed by part',
      { input: ['b', 'a'], task_type: 'SEMANTIC_SIMILARITY' },
      [
        { key: '0:req-1', request: { content: { parts: [{ text: 'b' }] }, taskType: 'SEMANTIC_SIMILARITY' } },
        { key: '1:req-1', request: { content: { parts: [{ text: 'a' }] }, taskType: 'SEMANTIC_SIMILARITY' } },
      ],
    ],
  ])('%s', (_name, body, expected) => {
    expect(toGeminiEmbedLines(lineOf(body), 1)).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['dimensions over 3072', { input: 'x', dimensions: 4096 }, 'unsupported_for_model', 'at most 3072 dimensions'],
    ['an unknown task_type', { input: 'x', task_type: 'SEARCH' }, 'invalid_body', 'body.task_type must be one of'],
    ['a title without RETRIEVAL_DOCUMENT', { input: 'x', title: 'T' }, 'invalid_body', 'body.title'],
    ['Bedrock’s normalize', { input: 'x', normalize: true }, 'unsupported_for_model', 'body.normalize is not a parameter of Gemini'],
    ['Bedrock’s input_type', { input: 'x', input_type: 'search_query' }, 'unsupported_for_model', 'body.input_type'],
    ['token ids', { input: [[1, 2]] }, 'unsupported_for_provider', 'Gemini embeds text'],
  ])('refuses %s with a 400 naming the line', (_name, body, code, text) => {
    let err: unknown;
    try {
      toGeminiEmbedLines(lineOf(body), 5);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LineError);
    expect((err as LineError).code).toBe(code);
    expect((err as LineError).message).toMatch(/^Line 5: /);
    expect((err as LineError).message).toContain(text);
  });
});

describe('keys', () => {
  it.each(['plain', 'with:colons:0', '12:looks-like-a-key', ''])('round-trip custom_id %j', (customId) => {
    expect(parseEmbedPartKey(embedPartKey(3, customId))).toEqual({ part: 3, customId });
  });

  it('rejects keys the gateway did not write', () => {
    expect(parseEmbedPartKey('req-1')).toBeNull();
    expect(parseEmbedPartKey(':x')).toBeNull();
  });

  it.each([
    ['gemini-embedding-001', true],
    ['models/gemini-embedding-001', true],
    ['text-embedding-004', true],
    ['gemini-2.5-flash', false],
  ])('%s is an embedding model: %s', (model, expected) => {
    expect(isGeminiEmbeddingModel(model)).toBe(expected);
  });
});

describe('responses-file line → part outcome', () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    [
      'tokenCount as an int64 string',
      { response: { embedding: { values: [0.5, -0.5] }, tokenCount: '4' } },
      { ok: true, vectors: [[0.5, -0.5]], tokens: 4 },
    ],
    ['tokenCount as a number', { response: { embedding: { values: [1] }, tokenCount: 2 } }, { ok: true, vectors: [[1]], tokens: 2 }],
    ['no tokenCount: the estimate', { response: { embedding: { values: [1] } } }, { ok: true, vectors: [[1]], tokens: 7 }],
    [
      'an error',
      { error: { code: 400, message: 'too long', status: 'INVALID_ARGUMENT' } },
      { ok: false, status: 400, message: 'too long', type: 'invalid_request_error', code: 'invalid_argument' },
    ],
    [
      'rate limited',
      { error: { code: 429, message: 'slow', status: 'RESOURCE_EXHAUSTED' } },
      { ok: false, status: 429, message: 'slow', type: 'rate_limit_error', code: 'resource_exhausted' },
    ],
    [
      'no embedding',
      { response: {} },
      {
        ok: false,
        status: 502,
        message: 'Gemini returned no embedding for this request.',
        type: 'server_error',
        code: 'unreadable_provider_output',
      },
    ],
  ])('%s', (_name, line, expected) => {
    expect(embedOutcome(line, 7)).toEqual(expected);
  });
});
