// OpenAI batch lines ⇄ Vertex AI batch prediction lines. Pure: no I/O.
//
// Input: one `{"custom_id": …, "request": GenerateContentRequest}` per line. The request is the one the
// Gemini converter builds (Vertex takes the same GenerateContentRequest; the model is the job's).
// Vertex defines no id field for Gemini lines, but echoes sibling keys of `request` into each output
// row, and writes rows in no particular order, so results are joined on that sibling, never on position.
// It re-serialises the value and turns numeric-looking strings ("000000") into numbers, hence the
// prefix, which keeps every value a string. (Observed behaviour of a production Vertex adapter,
// docs/providers.md "Vertex AI"; the simulator coerces the same way.)
//
// Output: `{"status": "", "processed_time", "request", "response"}` for a row that ran; a row that did
// not has no response and the error in `status`: `Bad Request: {"error": {"code": 400, "message": …,
// "status": "INVALID_ARGUMENT"}}` (the Cloud Storage guide's example).
import type { BatchRequestInput } from '#contracts/openai-types';
import { toGenerateContentRequest } from '#lambda/providers/gemini/request';
import type { GeminiResponseLine, GoogleRpcStatus } from '#lambda/providers/gemini/types';
import type { VertexInputLine, VertexPredictionLine } from './types';

export const CUSTOM_ID_PREFIX = 'cid-';

/** Throws GeminiConversionError naming the field, as the Gemini adapter does. */
export function toVertexInputLine(request: BatchRequestInput): VertexInputLine {
  return { custom_id: CUSTOM_ID_PREFIX + request.custom_id, request: toGenerateContentRequest(request.body) };
}

/** The OpenAI custom_id an output row belongs to, or null when the row carries none we wrote. */
export function customIdOf(row: VertexPredictionLine): string | null {
  const value = row.custom_id;
  if (typeof value !== 'string' || !value.startsWith(CUSTOM_ID_PREFIX)) return null;
  return value.slice(CUSTOM_ID_PREFIX.length);
}

/**
 * The error a row's `status` text carries: the JSON after the reason phrase when there is one
 * (`Bad Request: {"error": {...}}`), else the text itself as the message.
 */
export function statusError(status: string): GoogleRpcStatus {
  const brace = status.indexOf('{');
  if (brace >= 0) {
    try {
      const parsed = JSON.parse(status.slice(brace)) as { error?: GoogleRpcStatus };
      if (parsed.error && typeof parsed.error === 'object') return parsed.error;
    } catch {
      // Not JSON after all: fall through to the text.
    }
  }
  const reason = status.slice(0, brace >= 0 ? brace : undefined).replace(/[:\s]+$/, '');
  return { code: REASON_CODES[reason.toLowerCase()] ?? 500, message: status.slice(0, 2000) };
}

/** HTTP reason phrases Vertex puts before the error JSON. */
const REASON_CODES: Record<string, number> = {
  'bad request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not found': 404,
  'too many requests': 429,
  'internal server error': 500,
  'service unavailable': 503,
};

/** Parses one predictions-file line. Throws naming the line when it is not a JSON object. */
export function parsePredictionLine(text: string, lineNumber: number): { row: VertexPredictionLine; customId: string | null } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`Vertex AI predictions line ${lineNumber} is not valid JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`Vertex AI predictions line ${lineNumber} is not a JSON object.`);
  const row = value as VertexPredictionLine;
  return { row, customId: customIdOf(row) };
}

/** A row as the Gemini result converter takes it: a response, or an error (non-empty status or no response). */
export function toGeminiResult(row: VertexPredictionLine, customId: string): GeminiResponseLine & { key: string } {
  const status = typeof row.status === 'string' ? row.status.trim() : '';
  if (status !== '') return { key: customId, error: statusError(status) };
  if (!row.response || typeof row.response !== 'object') {
    return {
      key: customId,
      error: { code: 500, status: 'INTERNAL', message: 'Vertex AI returned neither a response nor an error status for this request.' },
    };
  }
  return { key: customId, response: row.response };
}
