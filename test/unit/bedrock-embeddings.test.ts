// /v1/embeddings on Bedrock: OpenAI lines → Titan V2 / Cohere Embed v3 records, and their outputs back
// (lambda/providers/bedrock/embeddings.ts). Table-driven, pure.
import { LineError } from '#lambda/batch-files/lines';
import { GatewayError } from '#lambda/http/errors';
import { embeddingFamilyOf, fromEmbeddingOutput, requireEmbeddingFamily, toEmbeddingRecords } from '#lambda/providers/bedrock/embeddings';
import { stagedEmbeddingRecords } from '#lambda/providers/bedrock/embedding-batches';
import type { EmbeddingRequest } from '#lambda/batch-files/embeddings';
import type { BatchRequestInput } from '#contracts/openai-types';

const TITAN = 'amazon.titan-embed-text-v2:0';
const COHERE = 'cohere.embed-english-v3';

describe('embedding family by model id', () => {
  it.each([
    [TITAN, 'titan-embed'],
    ['arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0', 'titan-embed'],
    [COHERE, 'cohere-embed'],
    ['cohere.embed-multilingual-v3', 'cohere-embed'],
    ['amazon.titan-embed-text-v1', null],
    ['amazon.titan-embed-image-v1', null],
    ['cohere.embed-v4:0', null],
    ['amazon.nova-micro-v1:0', null],
  ])('%s → %s', (id, family) => {
    expect(embeddingFamilyOf(id)).toBe(family);
  });

  it('refuses a chat model for /v1/embeddings with a 400 listing what runs', () => {
    const err = (() => {
      try {
        requireEmbeddingFamily('amazon.nova-micro-v1:0');
      } catch (e) {
        return e as GatewayError;
      }
      throw new Error('expected a refusal');
    })();
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(400);
    expect(err.param).toBe('model');
    expect(err.message).toContain('amazon.titan-embed-text-v2:0');
  });
});

describe('OpenAI embeddings line → Bedrock records', () => {
  const body = (extra: Partial<EmbeddingRequest>, model = TITAN): EmbeddingRequest => ({ model, input: 'hello world', ...extra });

  it.each<[string, EmbeddingRequest, Array<Record<string, unknown>>]>([
    ['Titan, one text', body({}), [{ inputText: 'hello world' }]],
    [
      'Titan, dimensions and normalize',
      body({ dimensions: 512, normalize: false }),
      [{ inputText: 'hello world', dimensions: 512, normalize: false }],
    ],
    [
      'Titan, an array: one record per text, in order',
      body({ input: ['b', 'a', 'c'], dimensions: 256 }),
      [
        { inputText: 'b', dimensions: 256 },
        { inputText: 'a', dimensions: 256 },
        { inputText: 'c', dimensions: 256 },
      ],
    ],
    ['Cohere, one text, search_document by default', body({}, COHERE), [{ texts: ['hello world'], input_type: 'search_document' }]],
    [
      'Cohere, input_type and truncate',
      body({ input: ['q1', 'q2'], input_type: 'search_query', truncate: 'END' }, COHERE),
      [{ texts: ['q1', 'q2'], input_type: 'search_query', truncate: 'END' }],
    ],
    [
      'Cohere, dimensions 1024 (its only size)',
      body({ dimensions: 1024 }, COHERE),
      [{ texts: ['hello world'], input_type: 'search_document' }],
    ],
  ])('%s', (_name, request, expected) => {
    const family = embeddingFamilyOf(request.model)!;
    expect(toEmbeddingRecords(request, family, 1).records.map((r) => r.modelInput)).toEqual(expected);
  });

  it('splits Cohere input of more than 96 texts into records of at most 96, in order', () => {
    const texts = Array.from({ length: 200 }, (_, i) => `t${i}`);
    const { records } = toEmbeddingRecords(body({ input: texts }, COHERE), 'cohere-embed', 1);
    expect(records.map((r) => (r.modelInput.texts as string[]).length)).toEqual([96, 96, 8]);
    expect(records.flatMap((r) => r.modelInput.texts as string[])).toEqual(texts);
  });

  it('keeps the encoding format and numbers the parts of a line', () => {
    const request: BatchRequestInput = {
      custom_id: 'c1',
      method: 'POST',
      url: '/v1/embeddings',
      body: { model: TITAN, input: ['ab', 'cdefgh'], encoding_format: 'base64' } as never,
    };
    expect(stagedEmbeddingRecords(request, 'titan-embed', 3).map((s) => s.meta)).toEqual([
      { part: 0, parts: 2, encodingFormat: 'base64', estimatedTokens: 1 },
      { part: 1, parts: 2, encodingFormat: 'base64', estimatedTokens: 2 },
    ]);
  });

  it.each<[string, EmbeddingRequest, string, string]>([
    ['Titan dimensions 768', body({ dimensions: 768 }), 'unsupported_for_model', '256, 512, 1024'],
    ['Titan normalize not a boolean', body({ normalize: 'yes' }), 'invalid_body', 'body.normalize'],
    [
      'Titan text over 50,000 characters',
      body({ input: ['ok', 'x'.repeat(50_001)] }),
      'input_too_long',
      'body.input[1] has 50001 characters',
    ],
    ['input_type on Titan', body({ input_type: 'search_query' }), 'unsupported_for_model', 'body.input_type is not a parameter'],
    ['normalize on Cohere', body({ normalize: true }, COHERE), 'unsupported_for_model', 'body.normalize is not a parameter'],
    ['Gemini’s task_type on Titan', body({ task_type: 'CLUSTERING' }), 'unsupported_for_model', 'applies to Gemini embedding models only'],
    ['Cohere dimensions 256', body({ dimensions: 256 }, COHERE), 'unsupported_for_model', '1024 dimensions only'],
    ['Cohere unknown input_type', body({ input_type: 'image' }, COHERE), 'invalid_body', 'body.input_type must be one of'],
    ['Cohere unknown truncate', body({ truncate: 'MIDDLE' }, COHERE), 'invalid_body', 'body.truncate'],
    ['Cohere text over 2,048 characters', body({ input: 'y'.repeat(2049) }, COHERE), 'input_too_long', '2048 characters'],
    ['token ids', body({ input: [1, 2, 3] }), 'unsupported_for_provider', 'Bedrock embeds text'],
  ])('refuses %s with a 400 naming the line', (_name, request, code, text) => {
    let err: unknown;
    try {
      toEmbeddingRecords(request, embeddingFamilyOf(request.model)!, 12);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LineError);
    expect((err as LineError).code).toBe(code);
    expect((err as LineError).message).toMatch(/^Line 12: /);
    expect((err as LineError).message).toContain(text);
  });
});

describe('Bedrock embedding output → vectors and tokens', () => {
  it.each<[string, 'titan-embed' | 'cohere-embed', unknown, number[][], number]>([
    [
      'Titan counts its tokens',
      'titan-embed',
      { embedding: [0.1, 0.2], inputTextTokenCount: 5, embeddingsByType: { float: [0.1, 0.2] } },
      [[0.1, 0.2]],
      5,
    ],
    ['Titan embeddingsByType only', 'titan-embed', { embeddingsByType: { float: [0.3] } }, [[0.3]], 9],
    [
      'Cohere floats: tokens estimated',
      'cohere-embed',
      {
        id: 'x',
        embeddings: [
          [1, 2],
          [3, 4],
        ],
        response_type: 'embeddings_floats',
        texts: ['a', 'b'],
      },
      [
        [1, 2],
        [3, 4],
      ],
      9,
    ],
    ['Cohere by type', 'cohere-embed', { id: 'x', embeddings: { float: [[5]] }, response_type: 'embeddings_by_type' }, [[5]], 9],
  ])('%s', (_name, family, output, vectors, tokens) => {
    expect(fromEmbeddingOutput(output, family, 9)).toEqual({ ok: true, vectors, tokens });
  });

  it.each([
    ['titan-embed', { inputTextTokenCount: 3 }],
    ['cohere-embed', { embeddings: [] }],
    ['cohere-embed', 'not an object'],
  ] as const)('throws for an unreadable %s output', (family, output) => {
    expect(() => fromEmbeddingOutput(output, family, 1)).toThrow(/embedding|JSON object/);
  });
});
