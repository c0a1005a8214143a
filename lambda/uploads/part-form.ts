// Reading the `data` field of uploads.parts.create (multipart/form-data, as the OpenAI SDKs send it).
// The part is bounded by what one request can carry through API Gateway and Lambda, so holding it in a
// Buffer for the length of the request is the same memory the event itself already takes.
import busboy from 'busboy';
import { badRequest, GatewayError } from '#lambda/http/errors';

/** Multipart framing and the other fields take far less than this. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

export function partTooLarge(maxPartBytes: number, requestBytes?: number): GatewayError {
  const got = requestBytes === undefined ? '' : ` (this request's body was ${requestBytes} bytes)`;
  return new GatewayError(
    413,
    `The part is larger than ${maxPartBytes} bytes (${(maxPartBytes / 1_000_000).toFixed(1)} MB), the most one uploads.parts.create request can carry through API Gateway and Lambda${got}. Split the file into parts of at most ${maxPartBytes} bytes.`,
    'invalid_request_error',
    'data',
    'part_too_large',
  );
}

/** The bytes of the `data` field (a file part, or a plain text field from hand-written clients). */
export async function readPartData(contentType: string | undefined, body: Buffer, maxPartBytes: number): Promise<Buffer> {
  if (!contentType?.toLowerCase().startsWith('multipart/form-data')) {
    throw badRequest('uploads.parts.create expects a multipart/form-data body with a "data" part.', 'data', 'invalid_content_type');
  }
  if (body.length > maxPartBytes + FORM_OVERHEAD_BYTES) throw partTooLarge(maxPartBytes, body.length);
  let data: Buffer | null = null;
  let tooLarge = false;
  await new Promise<void>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // busboy flags a value as truncated once it reaches the limit, so one byte more lets exactly
      // maxPartBytes through.
      const limit = maxPartBytes + 1;
      parser = busboy({ headers: { 'content-type': contentType }, limits: { fileSize: limit, fieldSize: limit, files: 1, fields: 20 } });
    } catch (err) {
      reject(badRequest(`Malformed multipart body: ${(err as Error).message}.`, 'data', 'invalid_multipart'));
      return;
    }
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => (tooLarge = true));
      stream.on('end', () => {
        if (name === 'data') data = Buffer.concat(chunks);
      });
    });
    parser.on('field', (name, value, info) => {
      if (name !== 'data') return;
      if (info.valueTruncated) tooLarge = true;
      data = Buffer.from(value, 'utf8');
    });
    parser.on('error', (err: Error) => reject(badRequest(`Malformed multipart body: ${err.message}.`, 'data', 'invalid_multipart')));
    parser.on('close', () => resolve());
    parser.end(body);
  });
  if (tooLarge) throw partTooLarge(maxPartBytes, body.length);
  if (data === null)
    throw badRequest(
      "Missing required parameter: 'data' (the part's bytes, as a multipart file field).",
      'data',
      'missing_required_parameter',
    );
  if ((data as Buffer).length === 0) throw badRequest("Invalid 'data': the part is empty.", 'data', 'empty_part');
  return data;
}
