// The OpenAI simulator's pure parts: per-request answers, upload/batch validation, and the
// time-driven batch lifecycle (driven here with explicit timestamps, no waiting).
import { SimulatedAccount, batchPhase, type SimBatch } from '#local/simulators/openai/account';
import { checkBatchUpload, parseInputLines, validateBatchInput } from '#local/simulators/openai/jsonl';
import { answerChatCompletion, estimateTokens } from '#local/simulators/openai/requests';

const ids = { completionId: 'chatcmpl-1', created: 1_700_000_000 };
const chat = (content: unknown, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content }],
  ...extra,
});
const line = (customId: string, body: unknown = chat('Hello!'), url = '/v1/chat/completions', method = 'POST') =>
  JSON.stringify({ custom_id: customId, method, url, body });
const jsonl = (...lines: string[]) => Buffer.from(lines.join('\n') + '\n');

describe('answerChatCompletion', () => {
  test('answers with a chat.completion derived from the prompt', () => {
    const answer = answerChatCompletion(chat('What is 2+2?'), ids);
    expect(answer.statusCode).toBe(200);
    const body = answer.body as {
      object: string;
      model: string;
      choices: Array<{ message: { content: string }; finish_reason: string }>;
      usage: Record<string, number>;
    };
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('gpt-4o-mini');
    expect(body.choices[0].message.content).toContain('What is 2+2?');
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    expect(body.usage.completion_tokens).toBe(estimateTokens(body.choices[0].message.content));
    // Same prompt, same answer.
    expect(answerChatCompletion(chat('What is 2+2?'), ids)).toEqual(answer);
  });

  test('longer prompts cost more prompt tokens', () => {
    const short = answerChatCompletion(chat('hi'), ids);
    const long = answerChatCompletion(chat('hi '.repeat(200)), ids);
    expect(long.promptTokens).toBeGreaterThan(short.promptTokens + 100);
  });

  test('reads text parts', () => {
    const answer = answerChatCompletion(
      chat([
        { type: 'text', text: 'part one' },
        { type: 'text', text: 'part two' },
      ]),
      ids,
    );
    expect((answer.body as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toContain('part one part two');
  });

  test('max_tokens cuts the answer short with finish_reason length', () => {
    const answer = answerChatCompletion(chat('Tell me a long story about the sea', { max_tokens: 3 }), ids);
    const body = answer.body as {
      choices: Array<{ message: { content: string }; finish_reason: string }>;
      usage: { completion_tokens: number };
    };
    expect(body.choices[0].finish_reason).toBe('length');
    expect(body.usage.completion_tokens).toBe(3);
    expect(body.choices[0].message.content.length).toBeLessThanOrEqual(12);
  });

  test.each([
    ['empty messages', { model: 'gpt-4o-mini', messages: [] }, 400, 'empty_array'],
    ['missing messages', { model: 'gpt-4o-mini' }, 400, 'missing_required_parameter'],
    ['unknown model', chat('hi', { model: 'invalid-model' }), 404, 'model_not_found'],
    ['[simulate-error]', chat('please [simulate-error] now'), 400, 'simulated_error'],
    ['[simulate-server-error]', chat('[simulate-server-error]'), 500, null],
    ['missing model', { messages: [{ role: 'user', content: 'x' }] }, 400, null],
  ])('%s → %s', (_name, body, status, code) => {
    const answer = answerChatCompletion(body, ids);
    expect(answer.statusCode).toBe(status);
    const error = (answer.body as { error: { message: string; type: string; param: unknown; code: unknown } }).error;
    expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(error.code).toBe(code);
    expect(answer.promptTokens + answer.completionTokens).toBe(0);
  });

  test('the error marker in a system message does not trigger an error', () => {
    const body = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: '[simulate-error]' },
        { role: 'user', content: 'hi' },
      ],
    };
    expect(answerChatCompletion(body, ids).statusCode).toBe(200);
  });
});

describe('checkBatchUpload', () => {
  test.each([
    ['a valid file', jsonl(line('a'), line('b')), true, null],
    ['blank lines and CRLF', Buffer.from(`${line('a')}\r\n\r\n${line('b')}`), true, null],
    ['plain text', Buffer.from('hello world'), false, /Must be \.jsonl \(line 1 is not valid JSON\)/],
    ['a JSON array line', jsonl(line('a'), '[1]'), false, /line 2 is not a JSON object/],
    [
      'no custom_id',
      jsonl(JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: {} })),
      false,
      /missing the required field 'custom_id'/,
    ],
    [
      'no body',
      jsonl(JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions' })),
      false,
      /missing the required field 'body'/,
    ],
    [
      'numeric custom_id',
      jsonl(JSON.stringify({ custom_id: 1, method: 'POST', url: 'u', body: {} })),
      false,
      /'custom_id' must be a string/,
    ],
    ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0x0a]), false, /not valid UTF-8/],
  ])('%s', (_name, bytes, ok, message) => {
    const result = checkBatchUpload(bytes);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.message).toMatch(message as RegExp);
  });
});

describe('validateBatchInput', () => {
  const validate = (...lines: string[]) => validateBatchInput(parseInputLines(jsonl(...lines)), '/v1/chat/completions');

  test('a good file has no errors', () => {
    expect(validate(line('a'), line('b'))).toEqual([]);
  });

  test.each([
    ['duplicate custom_id', [line('a'), line('a')], 'duplicate_custom_id', 2],
    ['url differs from the endpoint', [line('a'), line('b', chat('x'), '/v1/embeddings')], 'url_mismatch', 2],
    ['method GET', [line('a', chat('x'), '/v1/chat/completions', 'GET')], 'invalid_method', 1],
    ['two models', [line('a'), line('b', chat('x', { model: 'gpt-4o' }))], 'model_mismatch', 2],
  ])('%s', (_name, lines, code, lineNumber) => {
    expect(validate(...(lines as string[]))).toEqual([expect.objectContaining({ code, line: lineNumber })]);
  });

  test('an empty file', () => {
    expect(validateBatchInput([], '/v1/chat/completions')).toEqual([expect.objectContaining({ code: 'empty_file', line: null })]);
  });
});

describe('batch lifecycle', () => {
  const STEP = 1000;
  const T0 = 1_700_000_000_000;
  const input = jsonl(line('r1'), line('r2', chat('[simulate-error]')), line('r3'), line('r4'));

  function setup(metadata: Record<string, string> | null = null) {
    const account = new SimulatedAccount(STEP);
    const file = account.addFile({ filename: 'in.jsonl', purpose: 'batch', content: input, createdAt: T0 / 1000, expiresAt: null });
    const batch = account.createBatch({
      inputFileId: file.id,
      endpoint: '/v1/chat/completions',
      completionWindow: '24h',
      metadata,
      now: T0,
    });
    return { account, batch };
  }
  const status = (batch: SimBatch, at: number) => batchPhase(batch, at, STEP).status;
  const resultLines = (account: SimulatedAccount, fileId: string | null) =>
    fileId === null
      ? []
      : account
          .getFile(fileId)
          .content.toString('utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));

  test('advances one status per step', () => {
    const { batch } = setup();
    expect([0, 999, 1000, 1999, 2000, 2999, 3000, 99_000].map((dt) => status(batch, T0 + dt))).toEqual([
      'validating',
      'validating',
      'in_progress',
      'in_progress',
      'finalizing',
      'finalizing',
      'completed',
      'completed',
    ]);
  });

  test('request_counts grow through in_progress', () => {
    const { account, batch } = setup();
    expect(account.batchObject(batch, T0).request_counts).toEqual({ total: 0, completed: 0, failed: 0 });
    expect(account.batchObject(batch, T0 + 1000).request_counts).toEqual({ total: 4, completed: 0, failed: 0 });
    expect(account.batchObject(batch, T0 + 1500).request_counts).toEqual({ total: 4, completed: 1, failed: 1 });
    expect(account.batchObject(batch, T0 + 3000).request_counts).toEqual({ total: 4, completed: 3, failed: 1 });
  });

  test('completion writes the output and error files, each request once', () => {
    const { account, batch } = setup();
    account.settle(T0 + 2999);
    expect(account.batchObject(batch, T0 + 2999).output_file_id).toBeNull();
    account.settle(T0 + 3000);
    const done = account.batchObject(batch, T0 + 3000);
    expect(done).toMatchObject({
      status: 'completed',
      in_progress_at: T0 / 1000 + 1,
      finalizing_at: T0 / 1000 + 2,
      completed_at: T0 / 1000 + 3,
    });
    const output = resultLines(account, done.output_file_id);
    const errors = resultLines(account, done.error_file_id);
    expect(output.map((l) => l.custom_id).sort()).toEqual(['r1', 'r3', 'r4']);
    expect(errors.map((l) => l.custom_id)).toEqual(['r2']);
    expect(errors[0].response.status_code).toBe(400);
    expect(output.every((l) => l.response.status_code === 200 && l.error === null && /^batch_req_/.test(l.id))).toBe(true);
    expect(account.getFile(done.output_file_id!).purpose).toBe('batch_output');
    const usage = output.reduce((sum, l) => sum + l.response.body.usage.total_tokens, 0);
    expect(done.usage.total_tokens).toBe(usage);
    // Settling again writes nothing new.
    const before = account.listFiles({ limit: 100, after: null, order: 'desc', purpose: null }).data.length;
    account.settle(T0 + 10_000);
    expect(account.listFiles({ limit: 100, after: null, order: 'desc', purpose: null }).data.length).toBe(before);
  });

  test('cancel mid-run keeps what ran and cancels the rest', () => {
    const { account, batch } = setup();
    account.cancelBatch(batch.id, T0 + 1500); // two of four requests had run
    expect(status(batch, T0 + 1500)).toBe('cancelling');
    expect(status(batch, T0 + 2499)).toBe('cancelling');
    account.settle(T0 + 2500);
    const done = account.batchObject(batch, T0 + 2500);
    expect(done).toMatchObject({
      status: 'cancelled',
      cancelling_at: T0 / 1000 + 1,
      cancelled_at: T0 / 1000 + 2,
      finalizing_at: null,
      completed_at: null,
    });
    const output = resultLines(account, done.output_file_id);
    const errors = resultLines(account, done.error_file_id);
    expect(output.map((l) => l.custom_id)).toEqual(['r1']);
    expect(errors.map((l) => [l.custom_id, l.error?.code ?? l.response.status_code]).sort()).toEqual([
      ['r2', 400],
      ['r3', 'batch_cancelled'],
      ['r4', 'batch_cancelled'],
    ]);
    expect(done.request_counts).toEqual({ total: 4, completed: 1, failed: 3 });
  });

  test('cancel is idempotent while cancelling and refused once finished', () => {
    const { account, batch } = setup();
    account.cancelBatch(batch.id, T0 + 100);
    account.cancelBatch(batch.id, T0 + 200);
    expect(batch.cancelRequestedMs).toBe(T0 + 100);
    const other = setup();
    expect(() => other.account.cancelBatch(other.batch.id, T0 + 5000)).toThrow(/Cannot cancel a batch with status 'completed'/);
  });

  test('a duplicate custom_id fails the batch with errors.data and no files', () => {
    const account = new SimulatedAccount(STEP);
    const file = account.addFile({
      filename: 'dup.jsonl',
      purpose: 'batch',
      content: jsonl(line('a'), line('a')),
      createdAt: 0,
      expiresAt: null,
    });
    const batch = account.createBatch({
      inputFileId: file.id,
      endpoint: '/v1/chat/completions',
      completionWindow: '24h',
      metadata: null,
      now: T0,
    });
    expect(status(batch, T0 + 999)).toBe('validating');
    account.settle(T0 + 1000);
    const failed = account.batchObject(batch, T0 + 1000);
    expect(failed).toMatchObject({
      status: 'failed',
      failed_at: T0 / 1000 + 1,
      output_file_id: null,
      error_file_id: null,
      in_progress_at: null,
    });
    expect(failed.errors?.data).toEqual([expect.objectContaining({ code: 'duplicate_custom_id', line: 2 })]);
  });

  test('metadata simulate=expire ends expired with half the requests run', () => {
    const { account, batch } = setup({ simulate: 'expire' });
    expect(status(batch, T0 + 1999)).toBe('in_progress');
    account.settle(T0 + 2000);
    const done = account.batchObject(batch, T0 + 2000);
    expect(done.status).toBe('expired');
    const errors = resultLines(account, done.error_file_id);
    expect(
      errors
        .filter((l) => l.error?.code === 'batch_expired')
        .map((l) => l.custom_id)
        .sort(),
    ).toEqual(['r3', 'r4']);
  });

  test('files list pages by cursor, newest first, and survives a deleted cursor', () => {
    const account = new SimulatedAccount(STEP);
    const made = [1, 2, 3, 4, 5].map((n) =>
      account.addFile({ filename: `${n}.jsonl`, purpose: 'batch', content: jsonl(line('a')), createdAt: n, expiresAt: null }),
    );
    const first = account.listFiles({ limit: 2, after: null, order: 'desc', purpose: null });
    expect(first.data.map((f) => f.filename)).toEqual(['5.jsonl', '4.jsonl']);
    expect(first).toMatchObject({ has_more: true, first_id: made[4].id, last_id: made[3].id });
    account.deleteFile(made[3].id);
    const second = account.listFiles({ limit: 2, after: made[3].id, order: 'desc', purpose: null });
    expect(second.data.map((f) => f.filename)).toEqual(['3.jsonl', '2.jsonl']);
    const last = account.listFiles({ limit: 2, after: made[1].id, order: 'desc', purpose: null });
    expect(last).toMatchObject({ has_more: false });
    expect(last.data.map((f) => f.filename)).toEqual(['1.jsonl']);
    expect(account.listFiles({ limit: 10, after: null, order: 'asc', purpose: 'batch_output' }).data).toEqual([]);
  });
});
