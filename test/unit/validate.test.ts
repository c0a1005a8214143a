import { parseInputLine, validateBatchFile } from '#lambda/batch-files/validate';
import { LineError, type Line } from '#lambda/batch-files/lines';

const good = (id: string, model = 'gpt-4o-mini', url = '/v1/chat/completions') =>
  JSON.stringify({ custom_id: id, method: 'POST', url, body: { model, messages: [{ role: 'user', content: 'hi' }] } });

async function* linesOf(texts: string[]): AsyncGenerator<Line> {
  let n = 0;
  for (const text of texts) yield { number: ++n, text };
}

describe('parseInputLine', () => {
  test.each([
    ['not JSON', '{oops', 'invalid_json_line', /Line 3 is not valid JSON/],
    ['not an object', '[1,2]', 'invalid_json_line', /must be a JSON object/],
    [
      'missing custom_id',
      JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user' }] } }),
      'missing_custom_id',
      /custom_id/,
    ],
    [
      'wrong method',
      JSON.stringify({ custom_id: 'a', method: 'GET', url: '/v1/chat/completions', body: {} }),
      'invalid_method',
      /method must be "POST"/,
    ],
    [
      'wrong url',
      JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/images/generations', body: {} }),
      'invalid_url',
      /url must be one of/,
    ],
    [
      'body not an object',
      JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: 'x' }),
      'invalid_body',
      /body must be a JSON object/,
    ],
    [
      'no model',
      JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { messages: [{ role: 'user' }] } }),
      'missing_model',
      /body.model is required/,
    ],
    [
      'empty messages',
      JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [] } }),
      'invalid_messages',
      /non-empty array/,
    ],
    [
      'streaming',
      JSON.stringify({
        custom_id: 'a',
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'm', messages: [{ role: 'user' }], stream: true },
      }),
      'invalid_body',
      /stream/,
    ],
  ])('%s is rejected with its line number', (_name, text, code, message) => {
    let err: LineError | undefined;
    try {
      parseInputLine({ number: 3, text });
    } catch (e) {
      err = e as LineError;
    }
    expect(err).toBeInstanceOf(LineError);
    expect(err!.code).toBe(code);
    expect(err!.line).toBe(3);
    expect(err!.message).toMatch(message);
    expect(err!.status).toBe(400);
  });

  test('a valid line parses', () => {
    expect(parseInputLine({ number: 1, text: good('r1') }).custom_id).toBe('r1');
  });
});

describe('validateBatchFile', () => {
  test('summarises a valid file: count, single model, endpoint; blank lines skipped', async () => {
    expect(await validateBatchFile(linesOf([good('a'), '', good('b')]))).toEqual({
      lineCount: 2,
      model: 'gpt-4o-mini',
      models: ['gpt-4o-mini'],
      endpoint: '/v1/chat/completions',
    });
  });

  test('mixed models give model null and list both', async () => {
    const summary = await validateBatchFile(linesOf([good('a', 'm1'), good('b', 'm2')]));
    expect(summary.model).toBeNull();
    expect(summary.models).toEqual(['m1', 'm2']);
  });

  test.each([
    ['duplicate custom_id', [good('a'), good('a')], 'duplicate_custom_id', 2],
    ['empty file', [], 'empty_file', 1],
    ['only blank lines', ['', '  '], 'empty_file', 1],
  ])('%s', async (_name, texts, code, line) => {
    const err = await validateBatchFile(linesOf(texts)).catch((e) => e);
    expect(err).toBeInstanceOf(LineError);
    expect(err.code).toBe(code);
    expect(err.line).toBe(line);
  });

  test('more requests than the limit are refused at the first one over', async () => {
    const err = await validateBatchFile(linesOf([good('a'), good('b'), good('c')]), 2).catch((e) => e);
    expect(err.code).toBe('too_many_tasks');
    expect(err.line).toBe(3);
  });
});
