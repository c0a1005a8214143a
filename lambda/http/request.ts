// Reading an API Gateway (REST API proxy integration) request the way the OpenAI SDKs send it:
// extras in bracket notation on the query string and multipart form, JSON bodies on POST.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import busboy from 'busboy';
import qs from 'qs';
import { badRequest, payloadTooLarge, unauthorized, GatewayError } from './errors';
import { isObject } from '#lambda/batch-files/validate';

export type GatewayEvent = APIGatewayProxyEvent & {
  requestContext: APIGatewayProxyEvent['requestContext'] & {
    /** Set by our Lambda authorizer (lambda/handlers/authorizer.ts). */
    authorizer?: { tenantId?: string; keyId?: string } | null;
  };
};

export interface Caller {
  tenantId: string;
  keyId: string;
}

/** The tenant the authorizer vouched for. A request without one never reaches a handler in AWS. */
export function callerOf(event: GatewayEvent): Caller {
  const ctx = event.requestContext.authorizer;
  if (!ctx?.tenantId) throw unauthorized('Missing or invalid API key. Send it as "Authorization: Bearer <key>".');
  return { tenantId: ctx.tenantId, keyId: ctx.keyId ?? 'unknown' };
}

const QS_OPTIONS: qs.IParseOptions = { depth: 5, arrayLimit: 100, parameterLimit: 200, allowPrototypes: false };

/** Query parameters with nested extras rebuilt: storage_config[s3][bucket]=b → { storage_config: { s3: { bucket: 'b' } } }. */
export function queryOf(event: GatewayEvent): Record<string, unknown> {
  // API Gateway hands us decoded keys and values; re-encode them and let qs rebuild the nesting.
  const pairs: string[] = [];
  for (const [key, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    for (const value of values ?? []) pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  }
  return qs.parse(pairs.join('&'), QS_OPTIONS) as Record<string, unknown>;
}

export function pathParam(event: GatewayEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value) throw badRequest(`Missing path parameter ${name}.`, name);
  return value;
}

export function rawBody(event: GatewayEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

/** Largest JSON body we parse (batches.create with inline requests is the largest legitimate one). */
export const MAX_JSON_BODY_BYTES = 5 * 1024 * 1024;

export function jsonBody(event: GatewayEvent): Record<string, unknown> {
  const raw = rawBody(event);
  if (raw.length > MAX_JSON_BODY_BYTES) {
    throw new GatewayError(
      413,
      `The request body is ${raw.length} bytes; the limit is ${MAX_JSON_BODY_BYTES} bytes.`,
      'invalid_request_error',
      null,
      'request_too_large',
    );
  }
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('The request body is not valid JSON.', null, 'invalid_json');
  }
  if (!isObject(parsed)) throw badRequest('The request body must be a JSON object.', null, 'invalid_json');
  return parsed;
}

function header(event: GatewayEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key ? headers[key] : undefined;
}

export interface UploadedFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface MultipartForm {
  fields: Record<string, unknown>;
  file: UploadedFile | null;
}

/**
 * Parses a multipart/form-data body. Text fields in bracket notation are rebuilt into objects, the way
 * openai-node and openai-python encode extra_body on uploads.
 */
export async function multipartForm(event: GatewayEvent, maxFileBytes: number): Promise<MultipartForm> {
  const contentType = header(event, 'content-type') ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
    throw badRequest('files.create expects a multipart/form-data body with a "file" part.', 'file', 'invalid_content_type');
  }
  const body = rawBody(event);
  if (body.length > maxFileBytes + 64 * 1024) throw tooLargeForDirectUpload(body.length, maxFileBytes);
  const pairs: string[] = [];
  let file: UploadedFile | null = null;
  let tooLarge = false;
  await new Promise<void>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // defParamCharset: a filename without `filename*` is raw UTF-8 (RFC 7578 §4.2; the OpenAI SDKs send it
      // so), not busboy's default latin1, which turned données-日本.jsonl into mojibake.
      parser = busboy({
        headers: { 'content-type': contentType },
        defParamCharset: 'utf8',
        limits: { fileSize: maxFileBytes + 1, files: 1, fields: 100, fieldSize: 64 * 1024 },
      });
    } catch (err) {
      reject(badRequest(`Malformed multipart body: ${(err as Error).message}.`, 'file', 'invalid_multipart'));
      return;
    }
    parser.on('field', (name, value) => pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // busboy stops at fileSize bytes and flags the file; one byte more than allowed marks it too large.
      stream.on('limit', () => (tooLarge = true));
      stream.on('end', () => {
        if (name === 'file') file = { filename: info.filename ?? 'unknown_file', contentType: info.mimeType, data: Buffer.concat(chunks) };
      });
    });
    parser.on('error', (err: Error) => reject(badRequest(`Malformed multipart body: ${err.message}.`, 'file', 'invalid_multipart')));
    parser.on('close', () => resolve());
    parser.end(body);
  });
  if (tooLarge) throw tooLargeForDirectUpload(body.length, maxFileBytes);
  return { fields: qs.parse(pairs.join('&'), QS_OPTIONS) as Record<string, unknown>, file };
}

function tooLargeForDirectUpload(bytes: number, max: number): GatewayError {
  return payloadTooLarge(
    `The uploaded file is larger than ${max} bytes (${(max / 1_000_000).toFixed(1)} MB), the most a single files.create request can carry through API Gateway and Lambda (received ${bytes} bytes). Upload larger files (up to 200 MB) with the Uploads API: uploads.create, uploads.parts.create, uploads.complete.`,
  );
}

/** A provider's own key sent for pass-through (only honoured when the deployment allows it). */
export function passThroughKey(event: GatewayEvent, allowed: boolean): string | undefined {
  const key = header(event, 'x-provider-api-key');
  if (!key) return undefined;
  if (!allowed)
    throw badRequest(
      'Provider key pass-through is disabled in this deployment; remove the X-Provider-Api-Key header.',
      null,
      'passthrough_disabled',
    );
  return key;
}
