// Streaming JSONL line splitter: bytes in, numbered UTF-8 lines out, bounded memory.
// Splitting happens on raw bytes (a newline byte never occurs inside a multi-byte UTF-8 sequence), so a
// line split across chunks is joined before decoding and invalid UTF-8 is reported with its line number.
import { GatewayError } from '#lambda/http/errors';

export interface Line {
  /** 1-based line number in the file. */
  number: number;
  /** The line without its terminator (`\n` or `\r\n`). */
  text: string;
}

/** The longest single line we accept; longer ones would make memory grow with the input. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export class LineError extends GatewayError {
  constructor(
    readonly line: number,
    message: string,
    code: string,
  ) {
    super(400, message, 'invalid_request_error', 'file', code);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function decodeLine(bytes: Buffer, number: number): Line {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0d) end -= 1;
  try {
    return { number, text: decoder.decode(bytes.subarray(0, end)) };
  } catch {
    throw new LineError(number, `Line ${number} is not valid UTF-8. Batch files must be UTF-8 encoded JSONL.`, 'invalid_encoding');
  }
}

/**
 * Yields every line of a byte stream. A final line without a trailing newline is yielded; the empty
 * string after a trailing newline is not.
 */
export async function* readLines(source: AsyncIterable<Uint8Array | string>, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let number = 0;
  for await (const raw of source) {
    const chunk =
      typeof raw === 'string' ? Buffer.from(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    let start = 0;
    let newline = chunk.indexOf(0x0a, start);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline);
      number += 1;
      if (pendingBytes + piece.length > maxLineBytes) throw tooLong(number, maxLineBytes);
      const line = pending.length ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      pendingBytes = 0;
      yield decodeLine(line, number);
      start = newline + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > maxLineBytes) throw tooLong(number + 1, maxLineBytes);
      pending.push(rest);
    }
  }
  if (pendingBytes > 0) yield decodeLine(Buffer.concat(pending), number + 1);
}

function tooLong(number: number, max: number): LineError {
  return new LineError(number, `Line ${number} is longer than ${max} bytes.`, 'line_too_long');
}
