// OpenAI batch input validation: one pure check per line, and a streaming pass over a whole file.
import type { BatchRequestInput } from '#contracts/openai-types';
import { LineError, type Line } from './lines';
import { ENDPOINTS, SUPPORTED_ENDPOINTS, providerRunsMessage, type EndpointSupport } from './endpoints';

export { SUPPORTED_ENDPOINTS };

export const MAX_BATCH_LINES = 50_000;
export const MAX_CUSTOM_ID_LENGTH = 512;

/** Parses and checks one input line. Throws LineError naming the line. */
export function parseInputLine(line: Line): BatchRequestInput {
  const n = line.number;
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch {
    throw new LineError(n, `Line ${n} is not valid JSON.`, 'invalid_json_line');
  }
  if (!isObject(value)) throw new LineError(n, `Line ${n} must be a JSON object.`, 'invalid_json_line');
  const { custom_id, method, url, body } = value;
  if (typeof custom_id !== 'string' || custom_id.length === 0) {
    throw new LineError(n, `Line ${n} is missing a custom_id (a non-empty string).`, 'missing_custom_id');
  }
  if (custom_id.length > MAX_CUSTOM_ID_LENGTH) {
    throw new LineError(n, `Line ${n}: custom_id is longer than ${MAX_CUSTOM_ID_LENGTH} characters.`, 'invalid_custom_id');
  }
  if (method !== 'POST')
    throw new LineError(n, `Line ${n}: method must be "POST", got ${JSON.stringify(method ?? null)}.`, 'invalid_method');
  if (typeof url !== 'string' || !Object.hasOwn(ENDPOINTS, url)) {
    throw new LineError(
      n,
      `Line ${n}: url must be one of ${SUPPORTED_ENDPOINTS.join(', ')}, got ${JSON.stringify(url ?? null)}.`,
      'invalid_url',
    );
  }
  if (!isObject(body)) throw new LineError(n, `Line ${n}: body must be a JSON object.`, 'invalid_body');
  const rule = ENDPOINTS[url];
  if (!(rule.modelOptional && body.model === undefined) && (typeof body.model !== 'string' || body.model.length === 0)) {
    throw new LineError(n, `Line ${n}: body.model is required.`, 'missing_model');
  }
  rule.check(body, n);
  return value as unknown as BatchRequestInput;
}

export interface BatchFileSummary {
  lineCount: number;
  /** The model every line uses, or null when lines use several. */
  model: string | null;
  models: string[];
  endpoint: string | null;
}

/**
 * Validates a whole batch input stream: every line parses, custom_ids are unique, one endpoint,
 * at most MAX_BATCH_LINES requests. Blank lines are skipped (their numbers still count). With
 * `support` (the provider the file is uploaded for), the endpoint must be one that provider runs, and
 * lines it runs translated pass the endpoint's translation check too.
 */
export async function validateBatchFile(
  lines: AsyncIterable<Line>,
  maxLines = MAX_BATCH_LINES,
  support?: EndpointSupport,
): Promise<BatchFileSummary> {
  const seen = new Set<string>();
  const models = new Set<string>();
  let endpoint: string | null = null;
  let count = 0;
  let inputs = 0;
  for await (const line of lines) {
    if (line.text.trim() === '') continue;
    const request = parseInputLine(line);
    count += 1;
    if (count > maxLines) {
      throw new LineError(line.number, `The file has more than ${maxLines} requests; split it into several batches.`, 'too_many_tasks');
    }
    const limit = ENDPOINTS[request.url].inputs;
    if (limit && (inputs += limit.of(request.body)) > limit.max) {
      throw new LineError(
        line.number,
        `Line ${line.number}: the file holds more than ${limit.max} ${request.url} inputs (summed over its requests); split it into several batches.`,
        'too_many_inputs',
      );
    }
    if (seen.has(request.custom_id)) {
      throw new LineError(
        line.number,
        `Line ${line.number}: custom_id ${JSON.stringify(request.custom_id)} is a duplicate of another request; custom_id must be unique within a batch.`,
        'duplicate_custom_id',
      );
    }
    seen.add(request.custom_id);
    endpoint ??= request.url;
    if (request.url !== endpoint) {
      throw new LineError(
        line.number,
        `Line ${line.number}: url ${request.url} differs from ${endpoint} on earlier lines; all requests must use one endpoint.`,
        'url_mismatch',
      );
    }
    if (support) checkProviderRuns(support, request, line.number);
    if (typeof request.body.model === 'string') models.add(request.body.model);
  }
  if (count === 0) throw new LineError(1, 'The file is empty: a batch input file needs at least one JSONL request line.', 'empty_file');
  const list = [...models];
  return { lineCount: count, model: list.length === 1 ? list[0] : null, models: list, endpoint };
}

/** The provider runs the line's endpoint, and can run the line if it translates it. */
function checkProviderRuns(support: EndpointSupport, request: BatchRequestInput, line: number): void {
  const mode = support.endpoints[request.url];
  if (!mode)
    throw new LineError(line, `Line ${line}: url ${request.url}: ${providerRunsMessage(support, request.url)}`, 'unsupported_endpoint');
  const rule = ENDPOINTS[request.url];
  if (mode === 'translated') rule.checkTranslated?.(request.body, line);
  else rule.checkNative?.(request.body, line);
}

/** Iterates the parsed requests of an already validated file, skipping blank lines. */
export async function* inputRequests(lines: AsyncIterable<Line>): AsyncGenerator<{ line: number; request: BatchRequestInput }> {
  for await (const line of lines) {
    if (line.text.trim() === '') continue;
    yield { line: line.number, request: parseInputLine(line) };
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
