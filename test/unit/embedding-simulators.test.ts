// The simulators' embedding endpoints enforce the providers' rules (local/simulators/*/embeddings.ts):
// each rule a row, so a gateway converter that breaks one fails against the simulator as it would live.
import { answerEmbedding, embeddingBatchErrors } from '#local/simulators/openai/embeddings';
import { answer, ModelError, simFamilyOf } from '#local/simulators/bedrock/model-behaviour';
import { simulateEmbedOutcome } from '#local/simulators/gemini/embeddings';
import type { InputLine } from '#local/simulators/openai/jsonl';

const ids = { completionId: '', created: 0 };

describe('OpenAI simulator /v1/embeddings', () => {
  it('answers OpenAI’s list with cl100k token counts, unit vectors, and the requested size', () => {
    const a = answerEmbedding({ model: 'text-embedding-3-small', input: ['hello world', 'second'], dimensions: 64 }, ids);
    expect(a.statusCode).toBe(200);
    const body = a.body as {
      object: string;
      data: Array<{ object: string; index: number; embedding: number[] }>;
      usage: { prompt_tokens: number; total_tokens: number };
    };
    expect(body.object).toBe('list');
    expect(body.data.map((d) => [d.object, d.index, d.embedding.length])).toEqual([
      ['embedding', 0, 64],
      ['embedding', 1, 64],
    ]);
    expect(Math.hypot(...body.data[0].embedding)).toBeCloseTo(1, 5);
    expect(body.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 }); // "hello world" = 2, "second" = 1 in cl100k_base
    expect(answerEmbedding({ model: 'text-embedding-3-large', input: 'x' }, ids).body).toMatchObject({
      data: [{ embedding: expect.any(Array) }],
    });
    expect(
      (answerEmbedding({ model: 'text-embedding-3-large', input: 'x' }, ids).body as { data: Array<{ embedding: number[] }> }).data[0]
        .embedding.length,
    ).toBe(3072);
  });

  it('sends base64 as little-endian float32 of the same vector', () => {
    const float = (
      answerEmbedding({ model: 'text-embedding-3-small', input: 'same', dimensions: 8 }, ids).body as {
        data: Array<{ embedding: number[] }>;
      }
    ).data[0].embedding;
    const b64 = (
      answerEmbedding({ model: 'text-embedding-3-small', input: 'same', dimensions: 8, encoding_format: 'base64' }, ids).body as {
        data: Array<{ embedding: string }>;
      }
    ).data[0].embedding;
    const bytes = Buffer.from(b64, 'base64');
    expect(bytes.length).toBe(32);
    float.forEach((v, i) => expect(bytes.readFloatLE(i * 4)).toBeCloseTo(v, 6));
  });

  it.each([
    [
      'an unknown field',
      { model: 'text-embedding-3-small', input: 'x', task_type: 'Q' },
      400,
      'Unrecognized request argument supplied: task_type',
    ],
    [
      'dimensions on ada-002',
      { model: 'text-embedding-ada-002', input: 'x', dimensions: 8 },
      400,
      'does not support specifying dimensions',
    ],
    ['dimensions above the model’s', { model: 'text-embedding-3-small', input: 'x', dimensions: 2000 }, 400, 'Must be between 1 and 1536'],
    ['an unknown model', { model: 'gpt-4o-mini', input: 'x' }, 404, 'does not exist'],
    ['an empty input', { model: 'text-embedding-3-small', input: '' }, 400, "'$.input' is invalid"],
    [
      'more than 8,192 tokens',
      { model: 'text-embedding-3-small', input: 'word '.repeat(9000) },
      400,
      'maximum context length is 8192 tokens',
    ],
    ['[simulate-error]', { model: 'text-embedding-3-small', input: ['ok', 'bad [simulate-error]'] }, 400, 'Simulated error'],
  ])('refuses %s', (_name, body, status, text) => {
    const a = answerEmbedding(body, ids);
    expect(a.statusCode).toBe(status);
    expect(JSON.stringify(a.body)).toContain(text);
  });

  it('fails a batch of more than 50,000 embedding inputs', () => {
    // 25 lines of 2,048 inputs = 51,200 inputs; 24 of them = 49,152.
    const lines: InputLine[] = Array.from({ length: 25 }, (_, n) => ({
      line: n + 1,
      custom_id: `c${n}`,
      method: 'POST',
      url: '/v1/embeddings',
      body: { model: 'text-embedding-3-small', input: Array.from({ length: 2048 }, () => 'x') },
    }));
    expect(embeddingBatchErrors(lines, '/v1/embeddings')).toEqual([
      expect.objectContaining({ code: 'too_many_inputs', message: expect.stringContaining('51200') }),
    ]);
    expect(embeddingBatchErrors(lines.slice(0, 24), '/v1/embeddings')).toEqual([]);
    expect(embeddingBatchErrors(lines, '/v1/chat/completions')).toEqual([]);
  });
});

describe('Bedrock simulator embedding models', () => {
  const TITAN = 'amazon.titan-embed-text-v2:0';
  const COHERE = 'cohere.embed-english-v3';
  const run = (modelId: string, body: unknown) => answer(simFamilyOf(modelId)!, modelId, body, true);

  it('answers Titan with its vector, token count and embeddingsByType', () => {
    const a = run(TITAN, { inputText: 'hello there', dimensions: 256 });
    expect(a.kind).toBe('output');
    const out = (a as unknown as { output: { embedding: number[]; inputTextTokenCount: number; embeddingsByType: { float: number[] } } })
      .output;
    expect(out.embedding).toHaveLength(256);
    expect(out.inputTextTokenCount).toBe(3);
    expect(out.embeddingsByType.float).toEqual(out.embedding);
    expect(Math.hypot(...out.embedding)).toBeCloseTo(1, 4);
  });

  it('answers Cohere with one vector per text and no token count', () => {
    const a = run(COHERE, { texts: ['a', 'b'], input_type: 'search_document' });
    const out = (a as { output: Record<string, unknown> }).output;
    expect(out.response_type).toBe('embeddings_floats');
    expect((out.embeddings as number[][]).map((e) => e.length)).toEqual([1024, 1024]);
    expect(Object.keys(out).sort()).toEqual(['embeddings', 'id', 'response_type', 'texts']);
  });

  it.each<[string, string, unknown, number, string]>([
    ['Titan: an unknown key', TITAN, { inputText: 'x', texts: ['x'] }, 400, 'extraneous key [texts]'],
    ['Titan: dimensions 768', TITAN, { inputText: 'x', dimensions: 768 }, 400, '#/dimensions'],
    ['Titan: over 8,192 tokens', TITAN, { inputText: 'x'.repeat(40_000) }, 400, 'Too many input tokens'],
    ['Titan: over 50,000 characters', TITAN, { inputText: 'x'.repeat(50_001) }, 400, 'maxLength: 50000'],
    ['Cohere: 97 texts', COHERE, { texts: Array.from({ length: 97 }, () => 'x'), input_type: 'search_document' }, 400, 'maxItems: 96'],
    ['Cohere: a text over 2,048 characters', COHERE, { texts: ['x'.repeat(2049)], input_type: 'search_document' }, 400, 'maxLength: 2048'],
    ['Cohere: no input_type', COHERE, { texts: ['x'] }, 400, 'valid input_type must be provided'],
    [
      'Cohere: [simulate-server-error]',
      COHERE,
      { texts: ['x [simulate-server-error]'], input_type: 'clustering' },
      500,
      'Simulated internal server error',
    ],
  ])('%s', (_name, modelId, body, status, text) => {
    let err: unknown;
    try {
      run(modelId, body);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).status).toBe(status);
    expect((err as ModelError).message).toContain(text);
  });
});

describe('Gemini simulator embeddings batch requests', () => {
  const MODEL = 'gemini-embedding-001';

  it('answers a SingleEmbedContentResponse with an int64-string tokenCount', () => {
    const outcome = simulateEmbedOutcome(MODEL, {
      content: { parts: [{ text: 'hello gemini' }] },
      outputDimensionality: 768,
      taskType: 'RETRIEVAL_DOCUMENT',
      title: 'T',
    });
    expect(outcome).toEqual({ response: { embedding: { values: expect.any(Array) }, tokenCount: '3' } });
    expect((outcome as { response: { embedding: { values: number[] } } }).response.embedding.values.length).toBe(768);
    expect(
      (simulateEmbedOutcome(MODEL, { content: { parts: [{ text: 'x' }] } }) as { response: { embedding: { values: number[] } } }).response
        .embedding.values.length,
    ).toBe(3072);
  });

  it.each<[string, unknown, number, string]>([
    ['no content', { taskType: 'CLUSTERING' }, 400, 'contents is not specified'],
    ['an unknown task type', { content: { parts: [{ text: 'x' }] }, taskType: 'SEARCH' }, 400, 'task_type'],
    ['a title without RETRIEVAL_DOCUMENT', { content: { parts: [{ text: 'x' }] }, title: 'T' }, 400, 'Title is only applicable'],
    ['over 3,072 dimensions', { content: { parts: [{ text: 'x' }] }, outputDimensionality: 4096 }, 400, 'output_dimensionality'],
    ['over 2,048 tokens', { content: { parts: [{ text: 'x'.repeat(8200) }] } }, 400, 'exceeds the maximum number of tokens allowed (2048)'],
    ['an unknown field', { content: { parts: [{ text: 'x' }] }, dimensions: 8 }, 400, 'Unknown name "dimensions"'],
    ['[simulate-error]', { content: { parts: [{ text: '[simulate-error]' }] } }, 500, 'internal error'],
  ])('refuses %s with an error line', (_name, request, code, text) => {
    const outcome = simulateEmbedOutcome(MODEL, request) as { error: { code: number; message: string } };
    expect(outcome.error.code).toBe(code);
    expect(outcome.error.message).toContain(text);
  });
});
