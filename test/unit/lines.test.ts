import { readLines, LineError } from '#lambda/batch-files/lines';

async function collect(chunks: Array<string | Buffer>, max?: number) {
  const out: Array<[number, string]> = [];
  for await (const line of readLines(
    (async function* () {
      yield* chunks;
    })(),
    max,
  ))
    out.push([line.number, line.text]);
  return out;
}

describe('readLines (streaming JSONL splitter)', () => {
  test.each([
    ['a single line without newline', ['{"a":1}'], [[1, '{"a":1}']]],
    [
      'a trailing newline adds no empty line',
      ['a\nb\n'],
      [
        [1, 'a'],
        [2, 'b'],
      ],
    ],
    [
      'CRLF terminators are stripped',
      ['a\r\nb\r\n'],
      [
        [1, 'a'],
        [2, 'b'],
      ],
    ],
    [
      'a line split across chunks is joined',
      ['{"cust', 'om_id":', '"x"}\nnext'],
      [
        [1, '{"custom_id":"x"}'],
        [2, 'next'],
      ],
    ],
    [
      'CR and LF split across chunks',
      ['a\r', '\nb'],
      [
        [1, 'a'],
        [2, 'b'],
      ],
    ],
    [
      'an empty line keeps its number',
      ['a\n\nb'],
      [
        [1, 'a'],
        [2, ''],
        [3, 'b'],
      ],
    ],
    ['no input at all', [], []],
    ['a multi-byte character split across chunks', [Buffer.from([0x22, 0xc3]), Buffer.from([0xa9, 0x22, 0x0a])], [[1, '"é"']]],
  ] as Array<[string, Array<string | Buffer>, Array<[number, string]>]>)('%s', async (_name, chunks, expected) => {
    expect(await collect(chunks)).toEqual(expected);
  });

  test('a 5 MB single line comes out whole', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    const chunks = [];
    for (let i = 0; i < big.length; i += 65536) chunks.push(big.slice(i, i + 65536));
    const lines = await collect([...chunks, '\nend']);
    expect(lines).toHaveLength(2);
    expect(lines[0][1].length).toBe(5 * 1024 * 1024);
    expect(lines[1]).toEqual([2, 'end']);
  });

  test('invalid UTF-8 is reported with its line number', async () => {
    const err = await collect([Buffer.from('ok\n'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a])]).catch((e) => e);
    expect(err).toBeInstanceOf(LineError);
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/Line 2 is not valid UTF-8/);
    expect(err.code).toBe('invalid_encoding');
  });

  test('a line longer than the limit fails instead of growing memory', async () => {
    const err = await collect(['short\n', 'y'.repeat(100), 'y'.repeat(100)], 150).catch((e) => e);
    expect(err).toBeInstanceOf(LineError);
    expect(err.line).toBe(2);
    expect(err.code).toBe('line_too_long');
  });
});
