// The embeddings reader and answer builder (lambda/openai/embeddings.ts) and the joining of split lines
// (lambda/providers/embedding-parts.ts): table-driven, pure.
import { LineError } from '#lambda/batch-files/lines';
import {
  base64Float32,
  checkEmbeddingBody,
  embeddingInputCount,
  embeddingList,
  embeddingTexts,
  estimateTextTokens,
  float32Base64,
} from '#lambda/batch-files/embeddings';
import { validateBatchFile } from '#lambda/batch-files/validate';
import { PartJoiner, type LineShape, type PartOutcome } from '#lambda/providers/embedding-parts';
import type { BatchRequestOutput } from '#contracts/openai-types';

const lineError = (fn: () => unknown): LineError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof LineError) return err;
    throw err;
  }
  throw new Error('expected a LineError');
};

describe('checkEmbeddingBody', () => {
  it.each([
    [{ model: 'text-embedding-3-small', input: 'hello' }],
    [{ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 256, encoding_format: 'base64' }],
    [{ model: 'text-embedding-3-small', input: [1, 2, 3] }],
    [{ model: 'text-embedding-3-small', input: [[1, 2], [3]], encoding_format: 'float', user: 'u1' }],
  ])('accepts %j', (body) => {
    expect(checkEmbeddingBody(body, 4)).toBe(body);
  });

  it.each([
    ['{ input: x }', { input: 'x' }, 'missing_model', 'body.model is required'],
    ['{ model: m }', { model: 'm' }, 'invalid_input', 'body.input is required'],
    ['{ model: m, input:  }', { model: 'm', input: '' }, 'invalid_input', 'must not be an empty string'],
    ['{ model: m, input: [] }', { model: 'm', input: [] }, 'invalid_input', 'must not be an empty array'],
    ['{ model: m, input: [a, ] }', { model: 'm', input: ['a', ''] }, 'invalid_input', 'body.input[1] is an empty string'],
    ['{ model: m, input: [a, 1] }', { model: 'm', input: ['a', 1] }, 'invalid_input', 'only strings'],
    ['{ model: m, input: [[1], []] }', { model: 'm', input: [[1], []] }, 'invalid_input', 'non-empty token-id arrays'],
    ['{ model: m, input: { text: x } }', { model: 'm', input: { text: 'x' } }, 'invalid_input', 'must be a string or an array'],
    [
      '{ model: m, input: 2049 strings }',
      { model: 'm', input: Array.from({ length: 2049 }, () => 'x') },
      'invalid_input',
      'has 2049 items',
    ],
    ['{ model: m, input: x, dimensions: 0 }', { model: 'm', input: 'x', dimensions: 0 }, 'invalid_dimensions', 'integer ≥ 1'],
    ['{ model: m, input: x, dimensions: 1.5 }', { model: 'm', input: 'x', dimensions: 1.5 }, 'invalid_dimensions', 'integer ≥ 1'],
    [
      '{ model: m, input: x, encoding_format: int8 }',
      { model: 'm', input: 'x', encoding_format: 'int8' },
      'invalid_encoding_format',
      '"float" or "base64"',
    ],
  ])('refuses %s, naming the line', (_label, body, code, text) => {
    const err = lineError(() => checkEmbeddingBody(body as Record<string, unknown>, 7));
    expect(err.status).toBe(400);
    expect(err.code).toBe(code);
    expect(err.line).toBe(7);
    expect(err.message).toMatch(/^Line 7: /);
    expect(err.message).toContain(text);
  });
});

describe('embeddingTexts', () => {
  it('turns a string into one text and keeps array order', () => {
    expect(embeddingTexts({ model: 'm', input: 'one' }, 'Gemini', 1).texts).toEqual(['one']);
    expect(embeddingTexts({ model: 'm', input: ['b', 'a', 'c'], dimensions: 8, encoding_format: 'base64' }, 'Gemini', 1)).toEqual({
      model: 'm',
      texts: ['b', 'a', 'c'],
      dimensions: 8,
      encodingFormat: 'base64',
    });
  });

  it.each([[[1, 2]], [[[1], [2]]]])('refuses token ids %j for a provider that embeds text', (input) => {
    const err = lineError(() => embeddingTexts({ model: 'm', input }, 'Bedrock', 3));
    expect(err.code).toBe('unsupported_for_provider');
    expect(err.message).toContain('Line 3');
    expect(err.message).toContain('Bedrock embeds text');
  });
});

describe('base64 encoding_format', () => {
  it('is the little-endian float32 bytes, as OpenAI sends them', () => {
    // 1.0f = 0x3f800000 → bytes 00 00 80 3f; -2.0f = 0xc0000000 → 00 00 00 c0.
    expect(Buffer.from(float32Base64([1, -2]), 'base64')).toEqual(Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]));
    const vector = [0.125, -0.5, 3.25, 0];
    expect(base64Float32(float32Base64(vector))).toEqual(vector);
  });

  it('rounds to float32 precision (what the client decodes)', () => {
    expect(base64Float32(float32Base64([0.1]))[0]).toBeCloseTo(0.1, 6);
    expect(base64Float32(float32Base64([0.1]))[0]).not.toBe(0.1);
  });
});

describe('embeddingList', () => {
  it('builds OpenAI’s list with indexes in order and integer usage', () => {
    expect(
      embeddingList(
        [
          [0.1, 0.2],
          [0.3, 0.4],
        ],
        'text-embedding-3-small',
        7,
      ),
    ).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.1, 0.2] },
        { object: 'embedding', index: 1, embedding: [0.3, 0.4] },
      ],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
  });

  it('encodes every vector for base64', () => {
    const list = embeddingList([[1], [2]], 'm', 2, 'base64');
    expect(list.data.map((d) => base64Float32(d.embedding as string))).toEqual([[1], [2]]);
  });

  it.each([
    ['hello', 2],
    ['a', 1],
    ['ü', 1],
    ['x'.repeat(4001), 1001],
  ])('estimates %# (UTF-8 bytes / 4, at least 1)', (text, tokens) => {
    expect(estimateTextTokens(text)).toBe(tokens);
  });
});

describe('PartJoiner', () => {
  type Line = Omit<BatchRequestOutput, 'id'>;
  const shape = (customId: string, parts: number, encodingFormat: 'float' | 'base64' = 'float'): LineShape => ({
    customId,
    parts,
    encodingFormat,
    requestId: `req-${customId}`,
  });
  const ok = (vectors: number[][], tokens: number): PartOutcome => ({ ok: true, vectors, tokens });

  it('joins parts answered out of order back in input order, holding only unfinished lines', async () => {
    const lines: Line[] = [];
    const joiner = new PartJoiner(async (l) => void lines.push(l), 'amazon.titan-embed-text-v2:0');
    expect(await joiner.add(shape('a', 3), 2, ok([[3]], 30))).toBe(true);
    expect(await joiner.add(shape('b', 1), 0, ok([[9]], 9))).toBe(true);
    expect(joiner.pendingCount).toBe(1);
    await joiner.add(shape('a', 3), 0, ok([[1]], 10));
    expect(lines.map((l) => l.custom_id)).toEqual(['b']);
    await joiner.add(shape('a', 3), 1, ok([[2]], 20));
    expect(joiner.pendingCount).toBe(0);
    const body = lines[1].response!.body as { data: Array<{ index: number; embedding: number[] }>; usage: { prompt_tokens: number } };
    expect(lines[1]).toMatchObject({ custom_id: 'a', response: { status_code: 200, request_id: 'req-a' }, error: null });
    expect(body.data).toEqual([
      { object: 'embedding', index: 0, embedding: [1] },
      { object: 'embedding', index: 1, embedding: [2] },
      { object: 'embedding', index: 2, embedding: [3] },
    ]);
    expect(body.usage.prompt_tokens).toBe(60);
  });

  it('ignores a part seen twice and a line already written', async () => {
    const lines: Line[] = [];
    const joiner = new PartJoiner(async (l) => void lines.push(l), 'm');
    await joiner.add(shape('a', 2), 0, ok([[1]], 1));
    expect(await joiner.add(shape('a', 2), 0, ok([[5]], 5))).toBe(false);
    await joiner.add(shape('a', 2), 1, ok([[2]], 1));
    expect(await joiner.add(shape('a', 2), 1, ok([[2]], 1))).toBe(false);
    expect(lines).toHaveLength(1);
  });

  it('fails a line with its first failed part, and accounts for every line at the end', async () => {
    const lines: Line[] = [];
    const joiner = new PartJoiner(async (l) => void lines.push(l), 'm');
    await joiner.add(shape('a', 2), 1, { ok: false, status: 400, message: 'too many tokens', type: 'invalid_request_error', code: null });
    await joiner.add(shape('a', 2), 0, ok([[1]], 1));
    await joiner.add(shape('b', 2), 0, { ok: false, status: 429, message: 'slow down', type: 'rate_limit_error', code: null });
    await joiner.add(shape('c', 2), 0, ok([[1]], 1));
    const notRun = await joiner.finish([shape('a', 2), shape('b', 2), shape('c', 2), shape('d', 1)], 'batch_expired');
    expect(notRun).toBe(3);
    expect(lines.map((l) => [l.custom_id, l.response?.status_code ?? l.error?.code])).toEqual([
      ['a', 400],
      ['b', 429],
      ['c', 'batch_expired'],
      ['d', 'batch_expired'],
    ]);
    expect(lines[0].response!.body).toEqual({
      error: { message: 'too many tokens', type: 'invalid_request_error', param: null, code: null },
    });
  });
});

describe('an embeddings file holds at most 50,000 inputs (OpenAI’s batch limit)', () => {
  const file = (lines: number, inputsPerLine: number) =>
    (async function* () {
      for (let i = 0; i < lines; i++)
        yield {
          number: i + 1,
          text: JSON.stringify({
            custom_id: `c${i}`,
            method: 'POST',
            url: '/v1/embeddings',
            body: { model: 'text-embedding-3-small', input: Array.from({ length: inputsPerLine }, () => 'x') },
          }),
        };
    })();

  it('counts every string of every line and names the line that goes over', async () => {
    await expect(validateBatchFile(file(24, 2048))).resolves.toMatchObject({ lineCount: 24, endpoint: '/v1/embeddings' }); // 49,152 inputs
    const err = await validateBatchFile(file(25, 2048)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LineError);
    expect(err).toMatchObject({ line: 25, code: 'too_many_inputs', status: 400 });
    expect((err as LineError).message).toContain('more than 50000 /v1/embeddings inputs');
  });

  it.each([
    ['a string', 'x', 1],
    ['token ids', [1, 2, 3], 1],
    ['strings', ['a', 'b', 'c'], 3],
    ['token arrays', [[1], [2]], 2],
  ])('%s counts as its inputs', (_name, input, n) => {
    expect(embeddingInputCount({ input })).toBe(n);
  });
});
