// OpenAI's published OpenAPI schemas as the contract of every gateway response the integration tests
// see (extracted by scripts/extract-openai-schemas.ts into openai-schemas.json). A response that
// deviates — a missing field, a wrong type, a status OpenAI does not have — is recorded as a violation,
// and the test gateway's close() fails the suite with them (test/integration/helpers.ts).
//
// Nulls: the spec types several fields without null that its own examples (and the API) send as null;
// those come from the spec's examples (`exampleNulls`). Two more the gateway sends as OpenAI's API
// does although no example shows them: OpenAIFile.expires_at (a file without expiry) and
// OpenAIFile.status_details (deprecated, null unless a file failed); openai-node types both optional.
import Ajv, { type ValidateFunction } from 'ajv';
import extracted from './openai-schemas.json';

type Schema = Record<string, unknown>;
const NULLS_SENT_AS_THE_API_DOES: Record<string, string[]> = { OpenAIFile: ['expires_at', 'status_details'] };

/**
 * OpenAPI's `allOf: [X, {nullable: true}]` (how the spec says "X or null", e.g. Upload.file) as JSON
 * Schema: `anyOf: [X, null]`. Ajv knows `nullable` only beside a `type`.
 */
function nullableAllOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nullableAllOf);
  if (!value || typeof value !== 'object') return value;
  const node = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nullableAllOf(v)])) as Schema;
  const parts = Array.isArray(node.allOf) ? (node.allOf as Schema[]) : null;
  if (parts?.some((p) => p.nullable === true && p.type === undefined)) {
    const { allOf: _allOf, ...rest } = node;
    return { ...rest, anyOf: [{ allOf: parts.filter((p) => !(p.nullable === true && p.type === undefined)) }, { type: 'null' }] };
  }
  return node;
}

function withNulls(schemas: Record<string, Schema>): Record<string, Schema> {
  const out = nullableAllOf(schemas) as Record<string, Schema>;
  const nulls: Record<string, string[]> = { ...extracted.exampleNulls };
  for (const [name, keys] of Object.entries(NULLS_SENT_AS_THE_API_DOES)) nulls[name] = [...(nulls[name] ?? []), ...keys];
  for (const [name, keys] of Object.entries(nulls)) {
    const properties = out[name].properties as Record<string, Schema>;
    for (const key of keys) properties[key] = { anyOf: [properties[key], { type: 'null' }] };
  }
  // An empty list has no first or last id: null there (the spec requires both and shows only
  // non-empty lists); any list with data must name them.
  for (const name of ['ListFilesResponse', 'ListBatchesResponse']) {
    const schema = out[name];
    const properties = schema.properties as Record<string, Schema>;
    for (const key of ['first_id', 'last_id']) properties[key] = { anyOf: [properties[key], { type: 'null' }] };
    schema.if = { properties: { data: { minItems: 1 } } };
    schema.then = { properties: { first_id: { type: 'string' }, last_id: { type: 'string' } } };
  }
  return out;
}

// `unixtime` is the spec's own format for Unix seconds; the type (integer) is what is checked.
// `uri` and `float` appear in the Response schemas (URLs of citations and images, scores): formats, not types.
const ajv = new Ajv({ strict: false, allErrors: true, formats: { unixtime: true, uri: true, float: true } });
ajv.addSchema({ $id: 'openai', components: { schemas: withNulls(extracted.components.schemas as Record<string, Schema>) } });
const validators = new Map<string, ValidateFunction>();

export type OpenAISchemaName = keyof typeof extracted.components.schemas;

/** The schema's errors for this value, as readable lines; [] when it conforms. */
export function schemaErrors(name: OpenAISchemaName, value: unknown): string[] {
  let validate = validators.get(name);
  if (!validate) {
    validate = ajv.getSchema(`openai#/components/schemas/${name}`)!;
    validators.set(name, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${name}${e.instancePath} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

/** Which schema an answer of the gateway's OpenAI API has, from its method, path and status. */
export function schemaFor(method: string, path: string, status: number): OpenAISchemaName | null {
  if (status >= 400) return 'ErrorResponse';
  if (status >= 300) return null; // files.content redirects to S3
  const p = path.replace(/^.*\/openai(?:\/v1)?/, '');
  const rules: Array<[string, RegExp, OpenAISchemaName | null]> = [
    ['GET', /^\/files$/, 'ListFilesResponse'],
    ['POST', /^\/files$/, 'OpenAIFile'],
    ['GET', /^\/files\/[^/]+\/content$/, null],
    ['GET', /^\/files\/[^/]+$/, 'OpenAIFile'],
    ['DELETE', /^\/files\/[^/]+$/, 'DeleteFileResponse'],
    ['GET', /^\/batches$/, 'ListBatchesResponse'],
    ['POST', /^\/batches$/, 'Batch'],
    ['GET', /^\/batches\/[^/]+$/, 'Batch'],
    ['POST', /^\/batches\/[^/]+\/cancel$/, 'Batch'],
    ['POST', /^\/batches\/[^/]+\/retry$/, 'Batch'], // gateway extension: answers the new batch
    ['POST', /^\/uploads$/, 'Upload'],
    ['POST', /^\/uploads\/[^/]+\/parts$/, 'UploadPart'],
    ['POST', /^\/uploads\/[^/]+\/(complete|cancel)$/, 'Upload'],
  ];
  return rules.find(([m, pattern]) => m === method && pattern.test(p))?.[2] ?? null;
}

function isDryRun(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  try {
    return (JSON.parse(body) as { dry_run?: unknown }).dry_run === true;
  } catch {
    return false;
  }
}

/** Violations seen by checkedFetch since the last takeViolations(). */
const violations: string[] = [];

export function takeViolations(): string[] {
  return violations.splice(0, violations.length);
}

/**
 * A fetch for the OpenAI SDK that checks every JSON answer of the gateway against its schema. It
 * never changes the answer: a deviation is recorded, and the suite fails on it when the gateway closes.
 */
export const checkedFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  // batches.create with `dry_run: true` (a gateway extension) answers the estimate, not a Batch.
  const schema = isDryRun(init?.body) && response.status < 300 ? null : schemaFor(method, url.pathname, response.status);
  if (schema && url.pathname.includes('/openai') && (response.headers.get('content-type') ?? '').includes('application/json')) {
    const body = await response
      .clone()
      .json()
      .catch(() => undefined);
    for (const error of schemaErrors(schema, body)) violations.push(`${method} ${url.pathname} → ${response.status}: ${error}`);
  }
  return response;
};
