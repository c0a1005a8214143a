// The OpenAI simulator's checks of request parameters (files.create's form, batches.create's body,
// list queries, metadata), each answering OpenAI's 400 for what the real API refuses. Pure: no I/O.
import { ApiError } from './account';
import { checkBatchParameters, type SimulatorDialect } from './dialect';
import { ENDPOINT_ANSWERS } from './endpoint-answers';
import { checkBatchUpload } from './jsonl';
import { MAX_FILE_BYTES, type UploadedPart } from './wire';

const BATCH_ENDPOINTS = [
  '/v1/responses',
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/completions',
  '/v1/moderations',
  '/v1/images/generations',
  '/v1/images/edits',
  '/v1/videos',
];
/** Endpoints the simulator can answer; the others are valid upstream but refused here with a clear 400. */
const SIMULATED_ENDPOINTS = Object.keys(ENDPOINT_ANSWERS);
const BATCH_FILE_TTL_SECONDS = 30 * 24 * 3600;

const missing = (name: string) =>
  new ApiError(400, `Missing required parameter: '${name}'.`, 'invalid_request_error', name, 'missing_required_parameter');

/** The upload form's fields: file_name (Together), file, purpose among the provider's; the file within its size. */
export function checkUploadFields(
  dialect: SimulatorDialect,
  fields: Record<string, string>,
  file: UploadedPart | null,
): { purpose: string; file: UploadedPart } {
  const purpose = fields.purpose;
  if (dialect.togetherObjects && !fields.file_name) throw missing('file_name');
  if (!file) throw missing('file');
  if (purpose === undefined) throw missing('purpose');
  if (!dialect.filePurposes.includes(purpose)) {
    throw new ApiError(
      400,
      `Invalid value for 'purpose': '${purpose}'. Supported values are: ${dialect.filePurposes.map((p) => `'${p}'`).join(', ')}.`,
      'invalid_request_error',
      'purpose',
      'invalid_value',
    );
  }
  if (file.truncated)
    throw new ApiError(
      400,
      `File is too large: files may be up to ${MAX_FILE_BYTES} bytes.`,
      'invalid_request_error',
      'file',
      'file_too_large',
    );
  return { purpose, file };
}

/** When an upload expires: `expires_after` (anchor created_at, 1 hour to 30 days), else 30 days for batch input. */
export function uploadExpiry(fields: Record<string, string>, createdAt: number, batchInput: boolean): number | null {
  const anchor = fields['expires_after[anchor]'];
  const ttl = fields['expires_after[seconds]'];
  if (anchor === undefined && ttl === undefined) return batchInput ? createdAt + BATCH_FILE_TTL_SECONDS : null;
  if (anchor !== 'created_at')
    throw new ApiError(
      400,
      "Invalid value for 'expires_after.anchor': expected 'created_at'.",
      'invalid_request_error',
      'expires_after.anchor',
      'invalid_value',
    );
  const value = Number(ttl);
  if (!Number.isInteger(value) || value < 3600 || value > 2_592_000) {
    throw new ApiError(
      400,
      "Invalid 'expires_after.seconds': expected an integer between 3600 and 2592000.",
      'invalid_request_error',
      'expires_after.seconds',
      'invalid_value',
    );
  }
  return createdAt + value;
}

/** A batch input file: within the provider's size, and every line a request object (jsonl.ts). */
export function checkBatchInputFile(dialect: SimulatorDialect, content: Buffer): void {
  if (content.length > dialect.quirks.maxBatchFileBytes) {
    throw new ApiError(
      400,
      `Batch input files may be up to ${dialect.quirks.maxBatchFileBytes} bytes.`,
      'invalid_request_error',
      'file',
      'file_too_large',
    );
  }
  const check = checkBatchUpload(content);
  if (!check.ok) throw new ApiError(400, check.message, 'invalid_request_error', null, null);
}

export interface BatchCreateParams {
  inputFileId: string;
  endpoint: string;
  completionWindow: string;
  metadata: unknown;
}

/** batches.create's body: the three required strings, an endpoint and window the provider (and the simulator) runs. */
export function batchCreateParams(dialect: SimulatorDialect, body: Record<string, unknown>): BatchCreateParams {
  const { input_file_id: inputFileId, endpoint, completion_window: requestedWindow, metadata } = body;
  // Together's completion_window is optional; checkBatchParameters gives it its default.
  const completionWindow = requestedWindow === undefined && dialect.togetherObjects ? '24h' : requestedWindow;
  for (const [name, value] of [
    ['input_file_id', inputFileId],
    ['endpoint', endpoint],
    ['completion_window', completionWindow],
  ] as const) {
    if (value === undefined || value === null) throw missing(name);
    if (typeof value !== 'string')
      throw new ApiError(400, `Invalid type for '${name}': expected a string.`, 'invalid_request_error', name, 'invalid_type');
  }
  checkEndpointAndWindow(dialect, endpoint as string, completionWindow as string);
  return { inputFileId: inputFileId as string, endpoint: endpoint as string, completionWindow: completionWindow as string, metadata };
}

function checkEndpointAndWindow(dialect: SimulatorDialect, endpoint: string, completionWindow: string): void {
  if (dialect.provider !== 'openai') checkBatchParameters(dialect, endpoint, completionWindow);
  else if (!BATCH_ENDPOINTS.includes(endpoint)) {
    throw new ApiError(
      400,
      `Invalid value for 'endpoint': '${endpoint}'. Supported values are: ${BATCH_ENDPOINTS.map((e) => `'${e}'`).join(', ')}.`,
      'invalid_request_error',
      'endpoint',
      'invalid_value',
    );
  }
  if (!SIMULATED_ENDPOINTS.includes(endpoint)) {
    throw new ApiError(
      400,
      `The OpenAI simulator only runs batches for ${SIMULATED_ENDPOINTS.join(', ')}.`,
      'invalid_request_error',
      'endpoint',
      'unsupported_value',
    );
  }
  if (dialect.provider === 'openai' && completionWindow !== '24h') {
    throw new ApiError(
      400,
      `Invalid value for 'completion_window': '${completionWindow}'. Supported values are: '24h'.`,
      'invalid_request_error',
      'completion_window',
      'invalid_value',
    );
  }
}

/** files.list's `order`: asc or desc (default). */
export function orderParam(query: URLSearchParams): 'asc' | 'desc' {
  const order = query.get('order') ?? 'desc';
  if (order === 'asc' || order === 'desc') return order;
  throw new ApiError(
    400,
    `Invalid value for 'order': '${order}'. Supported values are: 'asc' and 'desc'.`,
    'invalid_request_error',
    'order',
    'invalid_value',
  );
}

export function limitParam(query: URLSearchParams, fallback: number, max: number): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ApiError(
      400,
      `Invalid 'limit': expected an integer between 1 and ${max}, got '${raw}'.`,
      'invalid_request_error',
      'limit',
      'invalid_value',
    );
  }
  return value;
}

export function checkMetadata(metadata: unknown): Record<string, string> | null {
  if (metadata === undefined || metadata === null) return null;
  if (typeof metadata !== 'object' || Array.isArray(metadata))
    throw new ApiError(400, "Invalid type for 'metadata': expected an object.", 'invalid_request_error', 'metadata', 'invalid_type');
  const entries = Object.entries(metadata as Record<string, unknown>);
  if (entries.length > 16)
    throw new ApiError(
      400,
      "Invalid 'metadata': too many properties. Expected an object with at most 16 properties.",
      'invalid_request_error',
      'metadata',
      'object_above_max_properties',
    );
  for (const [key, value] of entries) checkMetadataEntry(key, value);
  return Object.fromEntries(entries) as Record<string, string>;
}

function checkMetadataEntry(key: string, value: unknown): void {
  if (key.length > 64)
    throw new ApiError(
      400,
      `Invalid 'metadata': key '${key.slice(0, 20)}…' is longer than 64 characters.`,
      'invalid_request_error',
      'metadata',
      'invalid_value',
    );
  if (typeof value !== 'string')
    throw new ApiError(
      400,
      `Invalid type for 'metadata.${key}': expected a string.`,
      'invalid_request_error',
      `metadata.${key}`,
      'invalid_type',
    );
  if (value.length > 512)
    throw new ApiError(
      400,
      `Invalid 'metadata.${key}': string too long. Expected a string with maximum length 512.`,
      'invalid_request_error',
      `metadata.${key}`,
      'string_above_max_length',
    );
}
