import { baseModelId, familyOf, requireFamily } from '#lambda/providers/bedrock/model-family';
import { recordIdFor, recordIndexOf } from '#lambda/providers/bedrock/records';
import { resultLineFor, errorStatusOf } from '#lambda/providers/bedrock/results';
import {
  assertBucketAllowed,
  batchInputKeys,
  filePlacement,
  jobIdOf,
  normalizePrefix,
  parseS3Uri,
  safeFileName,
  storageConfigOf,
} from '#lambda/providers/bedrock/s3-locations';
import { createJobError, isTransientAwsError, jobCallError, s3CallError } from '#lambda/providers/bedrock/aws-errors';
import { jobNameFor, requestTokenFor, minRecordCount } from '#lambda/providers/bedrock/adapter';
import { loadConfig } from '#lambda/config';
import { GatewayError } from '#lambda/http/errors';
import { ProviderLostBatchError, ProviderUnavailableError } from '#lambda/providers/errors';

const config = loadConfig({
  FINOPS_BEDROCK_INPUT_BUCKET: 'in-bucket',
  FINOPS_BEDROCK_OUTPUT_BUCKET: 'out-bucket',
  FINOPS_ALLOWED_BUCKETS: 'extra-bucket',
  AWS_REGION: 'us-west-2',
});

describe('model family by model id', () => {
  it.each([
    ['anthropic.claude-3-haiku-20240307-v1:0', 'claude'],
    ['us.anthropic.claude-3-5-haiku-20241022-v1:0', 'claude'],
    ['eu.anthropic.claude-3-7-sonnet-20250219-v1:0', 'claude'],
    ['apac.anthropic.claude-sonnet-4-20250514-v1:0', 'claude'],
    ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude'],
    ['us-gov.anthropic.claude-3-haiku-20240307-v1:0', 'claude'],
    ['arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0', 'claude'],
    ['arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0', 'nova'],
    ['amazon.nova-micro-v1:0', 'nova'],
    ['us.amazon.nova-premier-v1:0', 'nova'],
    ['meta.llama3-1-8b-instruct-v1:0', 'llama3'],
    ['us.meta.llama3-3-70b-instruct-v1:0', 'llama3'],
    ['us.meta.llama4-maverick-17b-instruct-v1:0', 'llama4'],
    ['amazon.titan-text-express-v1', null],
    // Issue 13: families without a native translator run through the Converse invocation type.
    ['mistral.mistral-large-2402-v1:0', 'converse'],
    ['us.mistral.pixtral-large-2502-v1:0', 'converse'],
    ['cohere.command-r-v1:0', null],
    ['amazon.nova-canvas-v1:0', null],
    ['arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123', null],
  ])('%s → %s', (id, family) => {
    expect(familyOf(id)).toBe(family);
  });

  it('strips ARN and geography prefix only around known providers', () => {
    expect(baseModelId('eu.anthropic.claude-x')).toBe('anthropic.claude-x');
    expect(baseModelId('xx.unknown.model')).toBe('xx.unknown.model');
  });

  it('answers an unsupported model with a 400 listing the supported families', () => {
    expect(() => requireFamily('cohere.command-r-v1:0')).toThrow(GatewayError);
    expect(() => requireFamily('cohere.command-r-v1:0')).toThrow(/cohere\.command-r-v1:0.*Anthropic Claude.*Amazon Nova.*Meta Llama/);
  });
});

describe('record ids join results back to custom_ids', () => {
  it.each([
    [0, 'R00000001'],
    [9, 'R00000010'],
    [49_999, 'R00050000'],
  ])('index %i ↔ %s', (index, id) => {
    expect(recordIdFor(index)).toBe(id);
    expect(recordIndexOf(id)).toBe(index);
  });

  it.each([['ABC'], ['R1'], ['R0000000x'], [42], [undefined], ['R00000000']])('%p is not a record id the gateway issued', (id) => {
    expect(recordIndexOf(id)).toBeNull();
  });
});

describe('output record → OpenAI line', () => {
  const context = { model: 'meta.llama3-1-8b-instruct-v1:0', created: 1_700_000_000, id: 'chatcmpl-x', requestId: 'req-1' };

  it('modelOutput → status 200 with a chat.completion', () => {
    const line = resultLineFor(
      { recordId: 'R00000001', modelOutput: { generation: 'Hi', prompt_token_count: 1, generation_token_count: 1, stop_reason: 'stop' } },
      'my-id',
      'llama3',
      context,
    );
    expect(line.custom_id).toBe('my-id');
    expect(line.error).toBeNull();
    expect(line.response?.status_code).toBe(200);
    expect(line.response?.request_id).toBe('req-1');
    expect((line.response?.body as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('Hi');
  });

  it.each([
    [400, 400, 'invalid_request_error'],
    ['429', 429, 'rate_limit_error'],
    [500, 500, 'server_error'],
    ['oops', 500, 'server_error'],
  ])('error %p → status %i (%s) with the message', (code, status, type) => {
    const line = resultLineFor(
      { recordId: 'R00000001', error: { errorCode: code, errorMessage: 'bad request' } },
      'id-2',
      'claude',
      context,
    );
    expect(line.response).toEqual({
      status_code: status,
      request_id: 'req-1',
      body: { error: { message: 'bad request', type, param: null, code: null } },
    });
    expect(line.error).toBeNull();
  });

  it('an output the gateway cannot read still comes out once, as a 502 error line', () => {
    const line = resultLineFor({ recordId: 'R00000001', modelOutput: { unexpected: true } }, 'id-3', 'nova', context);
    expect(line.response?.status_code).toBe(502);
    expect((line.response?.body as { error: { code: string } }).error.code).toBe('unreadable_provider_output');
  });

  it('errorStatusOf keeps only HTTP error codes', () => {
    expect(errorStatusOf(404)).toBe(404);
    expect(errorStatusOf(200)).toBe(500);
    expect(errorStatusOf(undefined)).toBe(500);
  });
});

describe('S3 locations and allowed buckets', () => {
  it.each([
    ['s3://bucket/prefix/', { bucket: 'bucket', key: 'prefix/' }],
    ['s3://bucket/a/b.jsonl', { bucket: 'bucket', key: 'a/b.jsonl' }],
    ['s3://bucket', { bucket: 'bucket', key: '' }],
  ])('parses %s', (uri, expected) => {
    expect(parseS3Uri(uri, 'output_s3_uri')).toEqual(expected);
  });

  it.each([['https://bucket/x'], ['s3://Bad_Bucket/x'], ['bucket/x']])('rejects %s with a 400 naming the param', (uri) => {
    expect(() => parseS3Uri(uri, 'output_s3_uri')).toThrow(/output_s3_uri must be an S3 URI/);
  });

  it.each([
    ['', ''],
    ['/a/b/', 'a/b/'],
    ['a', 'a/'],
  ])('normalizePrefix(%p) = %p', (input, expected) => {
    expect(normalizePrefix(input)).toBe(expected);
  });

  it('places an upload in the input bucket by default, in an allowed storage_config bucket otherwise', () => {
    expect(filePlacement(config, 't1', 'file-1', 'my batch.jsonl', null)).toEqual({
      bucket: 'in-bucket',
      key: 'files/t1/file-1/my_batch.jsonl',
    });
    expect(filePlacement(config, 't1', 'file-1', 'in.jsonl', { bucket: 'extra-bucket', region: 'us-west-2', prefix: '/finops/' })).toEqual({
      bucket: 'extra-bucket',
      key: 'finops/t1/file-1/in.jsonl',
    });
  });

  it("refuses a bucket that is neither the stack's nor allowed, and a bucket in another region", () => {
    expect(() => filePlacement(config, 't1', 'file-1', 'in.jsonl', { bucket: 'someone-else', region: null, prefix: '' })).toThrow(
      /"someone-else".*FINOPS_ALLOWED_BUCKETS/,
    );
    expect(() => filePlacement(config, 't1', 'file-1', 'in.jsonl', { bucket: 'extra-bucket', region: 'eu-west-1', prefix: '' })).toThrow(
      /eu-west-1.*us-west-2/,
    );
  });

  it('assertBucketAllowed accepts own and allowed buckets', () => {
    expect(() => assertBucketAllowed('out-bucket', ['out-bucket'], config, 'output_s3_uri')).not.toThrow();
    expect(() => assertBucketAllowed('extra-bucket', ['out-bucket'], config, 'output_s3_uri')).not.toThrow();
    expect(() => assertBucketAllowed('in-bucket', ['out-bucket'], config, 'output_s3_uri')).toThrow(GatewayError);
  });

  it.each([
    [{}, null],
    [
      { storage_config: { s3: { bucket: 'extra-bucket', region: 'us-west-2', prefix: 'p' } } },
      { bucket: 'extra-bucket', region: 'us-west-2', prefix: 'p' },
    ],
    [{ storage_config: '{"s3":{"bucket":"extra-bucket"}}' }, { bucket: 'extra-bucket', region: null, prefix: '' }],
  ])('storageConfigOf(%j)', (extras, expected) => {
    expect(storageConfigOf(extras)).toEqual(expected);
  });

  it('rejects a storage_config without a bucket', () => {
    expect(() => storageConfigOf({ storage_config: { s3: { region: 'x' } } })).toThrow(/storage_config\.s3\.bucket/);
  });

  it('keeps file names safe as one key segment', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('a b?.jsonl')).toBe('a_b_.jsonl');
    expect(safeFileName('')).toBe('upload.jsonl');
  });

  it('names the staged objects of a batch and the job id of an ARN', () => {
    expect(batchInputKeys('batch_1')).toEqual({
      records: 'batches/batch_1/input.jsonl',
      customIds: 'batches/batch_1/custom-ids.jsonl',
      onDemandPrefix: 'batches/batch_1/on-demand/',
    });
    expect(jobIdOf('arn:aws:bedrock:us-east-1:000000000000:model-invocation-job/abcdef123456')).toBe('abcdef123456');
  });

  it('makes job names and request tokens Bedrock accepts from gateway batch ids', () => {
    expect(jobNameFor('batch_AbC123')).toBe('gw-batch-AbC123');
    expect(requestTokenFor('batch_AbC123')).toBe('batch-AbC123');
    expect(jobNameFor('batch_AbC123')).toMatch(/^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9+\-.]){0,63}$/);
  });

  it('reads the minimum record count from FINOPS_BEDROCK_MIN_RECORDS', () => {
    expect(minRecordCount({})).toBe(100);
    expect(minRecordCount({ FINOPS_BEDROCK_MIN_RECORDS: '5' })).toBe(5);
    expect(minRecordCount({ FINOPS_BEDROCK_MIN_RECORDS: 'x' })).toBe(100);
  });
});

describe('AWS errors → what the gateway does', () => {
  const awsError = (name: string, status?: number) =>
    Object.assign(new Error(`${name} happened`), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });

  it.each([
    ['ThrottlingException', 429, true],
    ['InternalServerException', 500, true],
    ['ServiceUnavailableException', 503, true],
    ['ValidationException', 400, false],
    ['AccessDeniedException', 403, false],
    ['ResourceNotFoundException', 404, false],
    ['TimeoutError', undefined, true],
  ])('%s (%p) transient: %p', (name, status, transient) => {
    expect(isTransientAwsError(awsError(name, status))).toBe(transient);
  });

  it('treats an SDK error without any HTTP answer as transient, whatever its name', () => {
    expect(
      isTransientAwsError(
        Object.assign(new Error('AWS SDK error wrapper for TimeoutError: socket hang up'), { $metadata: { attempts: 3 } }),
      ),
    ).toBe(true);
    expect(isTransientAwsError(new TypeError('bug'))).toBe(false);
  });

  it('maps job calls: 404 → lost, throttling → unavailable', () => {
    expect(jobCallError(awsError('ResourceNotFoundException', 404), 'GetModelInvocationJob', 'arn:x')).toBeInstanceOf(
      ProviderLostBatchError,
    );
    expect(jobCallError(awsError('ThrottlingException', 429), 'GetModelInvocationJob', 'arn:x')).toBeInstanceOf(ProviderUnavailableError);
  });

  it('turns S3 AccessDenied into a 400 naming the object', () => {
    const err = s3CallError(awsError('AccessDenied', 403), 'read', 's3://b/k') as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(400);
    expect(err.message).toContain('s3://b/k');
  });

  it('maps CreateModelInvocationJob refusals to client errors', () => {
    expect((createJobError(awsError('ValidationException', 400)) as GatewayError).status).toBe(400);
    expect((createJobError(awsError('ServiceQuotaExceededException', 400)) as GatewayError).status).toBe(429);
    expect(createJobError(awsError('InternalServerException', 500))).toBeInstanceOf(ProviderUnavailableError);
  });
});
