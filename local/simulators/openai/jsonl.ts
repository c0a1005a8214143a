// The two validation passes OpenAI runs on batch input: the structural check at upload (every line a
// JSON object with custom_id/method/url/body) and the whole-file check when a batch is created
// (duplicates, endpoint, method, one model, limits), whose findings make the batch `failed`.
// Pure functions over the file's bytes.

export const MAX_BATCH_REQUESTS = 50_000;
/** Validation errors listed on a failed batch; OpenAI reports a bounded number too. */
const MAX_REPORTED_ERRORS = 100;

export interface InputLine {
  /** 1-based line number in the file (blank lines count). */
  line: number;
  custom_id: string;
  method: unknown;
  url: unknown;
  body: unknown;
}

export interface BatchValidationError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

export type UploadCheck = { ok: true } | { ok: false; message: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function* nonBlankLines(text: string): Generator<{ line: number; text: string }> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() !== '') yield { line: i + 1, text: line };
  }
}

/** Upload-time check for `purpose=batch` files. */
export function checkBatchUpload(bytes: Buffer): UploadCheck {
  let text: string;
  try {
    // ignoreBOM keeps a byte order mark in the text, where it makes line 1 invalid JSON (docs/providers.md, OpenAI).
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { ok: false, message: 'Invalid file format for Batch API. Must be .jsonl (the file is not valid UTF-8).' };
  }
  for (const { line, text: raw } of nonBlankLines(text)) {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, message: `Invalid file format for Batch API. Must be .jsonl (line ${line} is not valid JSON).` };
    }
    if (!isObject(value))
      return { ok: false, message: `Invalid file format for Batch API. Must be .jsonl (line ${line} is not a JSON object).` };
    for (const field of ['custom_id', 'method', 'url', 'body'] as const) {
      if (!(field in value)) {
        return { ok: false, message: `Invalid file format for Batch API. Line ${line} is missing the required field '${field}'.` };
      }
    }
    if (typeof value.custom_id !== 'string') {
      return { ok: false, message: `Invalid file format for Batch API. Line ${line}: 'custom_id' must be a string.` };
    }
  }
  return { ok: true };
}

/** Parses a file that passed checkBatchUpload. */
export function parseInputLines(bytes: Buffer): InputLine[] {
  const out: InputLine[] = [];
  // A leading BOM is dropped here: OpenAI refuses it at upload; a provider that accepts the upload (Azure) refuses it while validating.
  for (const { line, text } of nonBlankLines(bytes.toString('utf8').replace(/^\uFEFF/, ''))) {
    const value = JSON.parse(text) as Record<string, unknown>;
    out.push({ line, custom_id: String(value.custom_id), method: value.method, url: value.url, body: value.body });
  }
  return out;
}

/**
 * The whole-file check run while a batch is `validating`. An empty result means the batch runs;
 * otherwise it goes to `failed` with these as `errors.data`.
 */
export function validateBatchInput(lines: InputLine[], endpoint: string, maxRequests = MAX_BATCH_REQUESTS): BatchValidationError[] {
  const errors: BatchValidationError[] = [];
  const report = (e: BatchValidationError) => {
    if (errors.length < MAX_REPORTED_ERRORS) errors.push(e);
  };
  if (lines.length === 0) {
    report({ code: 'empty_file', message: 'The batch input file is empty. Please check the file and try again.', param: null, line: null });
    return errors;
  }
  if (lines.length > maxRequests) {
    report({
      code: 'too_many_tasks',
      message: `The batch input file contains ${lines.length} requests; the limit is ${maxRequests}.`,
      param: null,
      line: null,
    });
  }
  const seen = new Set<string>();
  const model = batchModel(lines);
  for (const l of lines) lineErrors(l, endpoint, seen, model).forEach(report);
  return errors;
}

/** One line's errors: a custom_id seen before (added to `seen`), not POST, another url, another model than the batch's. */
function lineErrors(l: InputLine, endpoint: string, seen: Set<string>, model: string | null): BatchValidationError[] {
  const errors: BatchValidationError[] = [];
  if (seen.has(l.custom_id)) {
    errors.push({
      code: 'duplicate_custom_id',
      message:
        'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each individual request in a batch.',
      param: 'custom_id',
      line: l.line,
    });
  }
  seen.add(l.custom_id);
  if (l.method !== 'POST') {
    errors.push({
      code: 'invalid_method',
      message: `The method for this request must be POST, got ${JSON.stringify(l.method)}.`,
      param: 'method',
      line: l.line,
    });
  }
  if (l.url !== endpoint) {
    errors.push({
      code: 'url_mismatch',
      message: `The URL provided for this request does not match the endpoint of the batch (${endpoint}).`,
      param: 'url',
      line: l.line,
    });
  }
  const lineModel = isObject(l.body) && typeof l.body.model === 'string' ? l.body.model : null;
  if (lineModel !== null && lineModel !== model) {
    errors.push({
      code: 'model_mismatch',
      message: `The model for this request (${lineModel}) differs from the model of other requests in the batch (${model}); a batch must use one model.`,
      param: 'body.model',
      line: l.line,
    });
  }
  return errors;
}

/** The model the batch runs (the first line that names one). */
export function batchModel(lines: InputLine[]): string | null {
  for (const l of lines) if (isObject(l.body) && typeof l.body.model === 'string') return l.body.model;
  return null;
}
