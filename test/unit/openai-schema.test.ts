// The schema check the integration tests run on every gateway answer catches deviations.
import { schemaErrors, schemaFor } from '#test/support/openai-schema';

const running = {
  id: 'batch_1',
  object: 'batch',
  endpoint: '/v1/chat/completions',
  input_file_id: 'file-1',
  completion_window: '24h',
  status: 'in_progress',
  created_at: 1,
  output_file_id: null,
  error_file_id: null,
  errors: null,
  in_progress_at: 2,
  completed_at: null,
  metadata: null,
};
const file = {
  id: 'file-1',
  object: 'file',
  bytes: 10,
  created_at: 1,
  filename: 'a.jsonl',
  purpose: 'batch',
  status: 'processed',
  expires_at: null,
  status_details: null,
};

describe('schemaErrors', () => {
  it.each<[string, Parameters<typeof schemaErrors>[0], unknown]>([
    ['a running batch with the nulls the spec examples show', 'Batch', running],
    ['a file without expiry', 'OpenAIFile', file],
    ['a list of files', 'ListFilesResponse', { object: 'list', data: [file], first_id: 'file-1', last_id: 'file-1', has_more: false }],
    [
      'an OpenAI error',
      'ErrorResponse',
      { error: { message: 'No such File object: file-x', type: 'invalid_request_error', param: 'id', code: null } },
    ],
    [
      'an output line',
      'BatchRequestOutput',
      { id: 'batch_req_1', custom_id: 'a', response: { status_code: 200, request_id: 'r', body: {} }, error: null },
    ],
    [
      'an error line',
      'BatchRequestOutput',
      { id: 'batch_req_2', custom_id: 'b', response: null, error: { code: 'batch_cancelled', message: 'not run' } },
    ],
  ])('accepts %s', (_name, schema, value) => {
    expect(schemaErrors(schema, value)).toEqual([]);
  });

  it.each<[string, Parameters<typeof schemaErrors>[0], unknown, RegExp]>([
    ['a provider status', 'Batch', { ...running, status: 'ended' }, /status must be equal to one of the allowed values/],
    ['a missing created_at', 'Batch', { ...running, created_at: undefined }, /must have required property 'created_at'/],
    [
      'counts as strings',
      'Batch',
      { ...running, request_counts: { total: '2', completed: 0, failed: 0 } },
      /request_counts\/total must be integer/,
    ],
    ['a file without purpose', 'OpenAIFile', { ...file, purpose: undefined }, /required property 'purpose'/],
    [
      'an error without param',
      'ErrorResponse',
      { error: { message: 'x', type: 'invalid_request_error', code: null } },
      /required property 'param'/,
    ],
    [
      'an upload in a state OpenAI has not',
      'Upload',
      { id: 'upload_1', object: 'upload', bytes: 1, created_at: 1, expires_at: 2, filename: 'a', purpose: 'batch', status: 'completing' },
      /status must be equal to one of the allowed values/,
    ],
  ])('refuses %s', (_name, schema, value, message) => {
    expect(schemaErrors(schema, value).join('\n')).toMatch(message);
  });
});

describe('schemaFor', () => {
  it.each([
    ['GET', '/openai/files', 200, 'ListFilesResponse'],
    ['POST', '/openai/v1/batches', 200, 'Batch'],
    ['POST', '/openai/batches/batch_1/cancel', 200, 'Batch'],
    ['DELETE', '/openai/files/file-1', 200, 'DeleteFileResponse'],
    ['POST', '/openai/uploads/upload_1/parts', 200, 'UploadPart'],
    ['GET', '/openai/files/file-1/content', 200, null],
    ['GET', '/openai/files/file-1', 404, 'ErrorResponse'],
  ] as const)('%s %s %s → %s', (method, path, status, schema) => {
    expect(schemaFor(method, path, status)).toBe(schema);
  });
});

describe('lists', () => {
  it('an empty list may have null first and last ids; a list with data may not', () => {
    expect(schemaErrors('ListBatchesResponse', { object: 'list', data: [], first_id: null, last_id: null, has_more: false })).toEqual([]);
    expect(
      schemaErrors('ListFilesResponse', { object: 'list', data: [file], first_id: null, last_id: null, has_more: false }).join('\n'),
    ).toMatch(/first_id must be string/);
  });
});
