import { CustomIdAssigner, joinTable, originalIdOf, sentIdOf } from '#lambda/providers/anthropic/custom-ids';
import { CREATE_BODY_OVERHEAD_BYTES, SubBatchPlanner, batchLimits, requestBytes } from '#lambda/providers/anthropic/limits';
import { validateInlineRequests } from '#lambda/providers/anthropic/inline-requests';
import { GatewayError } from '#lambda/http/errors';

describe('CustomIdAssigner: client custom_ids → Anthropic-safe ids', () => {
  it.each([
    ['valid ids are kept', ['request-1', 'request_2', 'ABC'], ['request-1', 'request_2', 'ABC']],
    ['invalid characters → r<index>', ['a.b', 'has space', 'ok'], [['r0', 'a.b'], ['r1', 'has space'], 'ok']],
    ['longer than 64 → r<index>', ['x'.repeat(65)], [['r0', 'x'.repeat(65)]]],
    ['a generated id never takes a client id used earlier', ['r1', 'bad:id'], ['r1', ['r1_1', 'bad:id']]],
    [
      'a client id taken by an earlier generated id is renamed',
      ['bad:id', 'r0'],
      [
        ['r0', 'bad:id'],
        ['r1', 'r0'],
      ],
    ],
  ] as const)('%s', (_name, originals, expected) => {
    const assigner = new CustomIdAssigner();
    expect(originals.map((id, i) => assigner.assign(id, i))).toEqual(expected);
  });

  it('sent ids are unique and join back to the originals', () => {
    const assigner = new CustomIdAssigner();
    const originals = ['a', 'r2', 'b c', 'r1', 'ü', 'a.'];
    const entries = originals.map((id, i) => assigner.assign(id, i));
    const sent = entries.map(sentIdOf);
    expect(new Set(sent).size).toBe(originals.length);
    expect(sent.every((id) => /^[a-zA-Z0-9_-]{1,64}$/.test(id))).toBe(true);
    const table = joinTable(entries);
    expect(sent.map((id) => table.get(id))).toEqual(originals);
    expect(entries.map(originalIdOf)).toEqual(originals);
  });
});

describe('SubBatchPlanner: splitting at Anthropic limits', () => {
  it.each([
    ['by request count', { maxRequests: 2, maxBytes: 1_000 }, [10, 10, 10, 10, 10], [2, 2, 1]],
    [
      'by bytes (body overhead and commas counted)',
      { maxRequests: 100, maxBytes: CREATE_BODY_OVERHEAD_BYTES + 21 },
      [10, 10, 10, 5],
      [2, 2],
    ],
    ['one batch when everything fits', { maxRequests: 10, maxBytes: 1_000 }, [10, 10, 10], [3]],
  ] as const)('%s', (_name, limits, sizes, counts) => {
    const planner = new SubBatchPlanner(limits);
    sizes.forEach((size) => planner.add(size));
    expect(planner.counts).toEqual(counts);
  });

  it('refuses a request that could never fit', () => {
    const planner = new SubBatchPlanner({ maxRequests: 10, maxBytes: 100 });
    expect(planner.fitsAlone(100 - CREATE_BODY_OVERHEAD_BYTES)).toBe(true);
    expect(planner.fitsAlone(101 - CREATE_BODY_OVERHEAD_BYTES)).toBe(false);
    expect(() => planner.add(200)).toThrow(RangeError);
  });

  it('requestBytes is the JSON size a create body carries', () => {
    const request = { custom_id: 'a', params: { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'é' }] } };
    expect(requestBytes(request)).toBe(Buffer.byteLength(JSON.stringify(request)));
  });

  it.each([
    ['defaults', {}, { maxRequests: 100_000, maxBytes: 256_000_000 }],
    [
      'lowered',
      { FINOPS_ANTHROPIC_MAX_REQUESTS_PER_BATCH: '3', FINOPS_ANTHROPIC_MAX_BYTES_PER_BATCH: '5000' },
      { maxRequests: 3, maxBytes: 5000 },
    ],
    ['never above Anthropic', { FINOPS_ANTHROPIC_MAX_REQUESTS_PER_BATCH: '500000' }, { maxRequests: 100_000, maxBytes: 256_000_000 }],
    [
      'garbage ignored',
      { FINOPS_ANTHROPIC_MAX_REQUESTS_PER_BATCH: 'lots', FINOPS_ANTHROPIC_MAX_BYTES_PER_BATCH: '-1' },
      { maxRequests: 100_000, maxBytes: 256_000_000 },
    ],
  ] as const)('batchLimits: %s', (_name, env, expected) => {
    expect(batchLimits(env as NodeJS.ProcessEnv)).toEqual(expected);
  });
});

describe('validateInlineRequests: extra_body.requests as the user writes them', () => {
  const good = (custom_id: string, params: Record<string, unknown> = {}) => ({
    custom_id,
    params: { model: 'claude-3-sonnet-20240229', max_tokens: 100, messages: [{ role: 'user', content: 'Hello!' }], ...params },
  });

  it('accepts the seed workflow requests unchanged', () => {
    const requests = [
      good('request-1'),
      good('request-2', { messages: [{ role: 'user', content: [{ type: 'text', text: 'How are you?' }] }] }),
    ];
    expect(validateInlineRequests(requests)).toBe(requests);
  });

  const invalid: Array<[string, unknown, string, RegExp]> = [
    ['not an array', { custom_id: 'a' }, 'requests', /must be an array/],
    ['empty', [], 'requests', /at least one/],
    ['a non-object', [good('a'), 'b'], 'requests[1]', /^requests\[1\] must be an object/],
    ['a missing custom_id', [{ params: good('x').params }], 'requests[0].custom_id', /^requests\[0\] is missing a custom_id/],
    [
      'a duplicate custom_id',
      [good('a'), good('b'), good('a')],
      'requests[2].custom_id',
      /^requests\[2\] \(custom_id "a"\) repeats the custom_id of requests\[0\]/,
    ],
    ['missing params', [{ custom_id: 'a' }], 'requests[0].params', /\(custom_id "a"\) is missing params/],
    ['missing model', [good('a', { model: undefined })], 'requests[0].params.model', /params\.model/],
    [
      'missing max_tokens',
      [good('a'), good('b', { max_tokens: undefined })],
      'requests[1].params.max_tokens',
      /^requests\[1\] \(custom_id "b"\) needs params\.max_tokens/,
    ],
    ['fractional max_tokens', [good('a', { max_tokens: 1.5 })], 'requests[0].params.max_tokens', /positive integer/],
    ['empty messages', [good('a', { messages: [] })], 'requests[0].params.messages', /non-empty/],
    ['a message without content', [good('a', { messages: [{ role: 'user' }] })], 'requests[0].params.messages[0]', /messages\[0\]/],
    ['streaming', [good('a', { stream: true })], 'requests[0].params.stream', /streaming/],
  ];

  it.each(invalid)('rejects %s with a 400 naming the request', (_name, value, param, message) => {
    let thrown: unknown;
    try {
      validateInlineRequests(value);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).status).toBe(400);
    expect((thrown as GatewayError).param).toBe(param);
    expect((thrown as GatewayError).message).toMatch(message);
  });

  it('caps the number of requests', () => {
    expect(() => validateInlineRequests([good('a'), good('b'), good('c')], 2)).toThrow(/at most 2/);
  });
});
