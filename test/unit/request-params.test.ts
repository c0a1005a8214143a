import { PROVIDER_NAMES } from '#contracts/providers';
import { parseBatchCreate, parseMetadata } from '#lambda/batches/create';
import { parseAfter, parseId, parseLimit } from '#lambda/http/params';
import { resolveProvider } from '#lambda/providers/registry';
import { GatewayError } from '#lambda/http/errors';
import { queryOf, type GatewayEvent } from '#lambda/http/request';

const fails = (fn: () => unknown, param: string | null, status = 400) => {
  let err: GatewayError | undefined;
  try {
    fn();
  } catch (e) {
    err = e as GatewayError;
  }
  expect(err).toBeInstanceOf(GatewayError);
  expect(err!.status).toBe(status);
  expect(err!.param).toBe(param);
  return err!;
};

describe('parseBatchCreate', () => {
  const base = { input_file_id: 'file-abc', endpoint: '/v1/chat/completions', completion_window: '24h' };
  test('splits OpenAI fields from extras', () => {
    const r = parseBatchCreate({ ...base, provider: 'bedrock', model: 'm', output_s3_uri: 's3://b/p', metadata: { a: 'b' } });
    expect(r).toMatchObject({
      inputFileId: 'file-abc',
      model: 'm',
      provider: 'bedrock',
      metadata: { a: 'b' },
      extras: { output_s3_uri: 's3://b/p' },
    });
  });
  test.each([
    ['missing input_file_id', { endpoint: base.endpoint, completion_window: '24h' }, 'input_file_id'],
    ['missing endpoint', { input_file_id: 'file-a', completion_window: '24h' }, 'endpoint'],
    ['unsupported endpoint', { ...base, endpoint: '/v1/images/generations' }, 'endpoint'],
    ['completion_window other than 24h', { ...base, completion_window: '48h' }, 'completion_window'],
    ['model not a string', { ...base, model: 5 }, 'model'],
  ])('%s → 400 naming %s', (_n, body, param) => void fails(() => parseBatchCreate(body), param));
});

describe('parseMetadata', () => {
  test.each([
    ['17 pairs', Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']))],
    ['a long key', { ['k'.repeat(65)]: 'v' }],
    ['a long value', { k: 'v'.repeat(513) }],
    ['a non-string value', { k: 1 }],
    ['not an object', 'x'],
  ])('%s is refused', (_n, value) => void fails(() => parseMetadata(value), 'metadata'));
  test('null and absent are fine', () => {
    expect(parseMetadata(undefined)).toBeNull();
    expect(parseMetadata(null)).toBeNull();
  });
});

describe('list and id parameters', () => {
  test.each(['0', '101', '-1', 'abc', '1.5'])('limit %s is refused', (v) => void fails(() => parseLimit(v, 20, 100), 'limit'));
  test('limit in range', () => expect(parseLimit('100', 20, 100)).toBe(100));
  test.each(['../etc', 'file-a/b', 'batch_x', '%2F', ''])('after=%s is not a file id', (v) => {
    if (v === '') expect(parseAfter(v, 'file')).toBeUndefined();
    else fails(() => parseAfter(v, 'file'), 'after');
  });
  test('ids with path characters are refused', () => void fails(() => parseId('batch_../x', 'batch', 'batch_id'), 'batch_id'));
});

describe('resolveProvider', () => {
  test('absent → default', () => expect(resolveProvider(undefined, 'openai')).toBe('openai'));
  test('unknown → 400 listing the valid ones', () => {
    const err = fails(() => resolveProvider('watsonx', 'openai'), 'provider');
    expect(err.message).toContain(PROVIDER_NAMES.join(', '));
  });
});

test('queryOf rebuilds bracket-nested extras the way the OpenAI SDKs send them', () => {
  const event = {
    multiValueQueryStringParameters: {
      provider: ['bedrock'],
      'storage_config[s3][bucket]': ['my-bucket'],
      'storage_config[s3][prefix]': ['a/b'],
      limit: ['10'],
    },
  } as unknown as GatewayEvent;
  expect(queryOf(event)).toEqual({ provider: 'bedrock', storage_config: { s3: { bucket: 'my-bucket', prefix: 'a/b' } }, limit: '10' });
});
