// Extracts the OpenAI OpenAPI schemas the gateway serves into test/support/openai-schemas.json, which
// the integration tests validate every response against (test/support/openai-schema.ts).
//
//   npx tsx scripts/extract-openai-schemas.ts [dir]    (dir: ../shared/spec/openai-openapi by default)
//
// From openapi.json (openai/openai-openapi main, info.version 2.3.0): OpenAIFile, ListFilesResponse,
// DeleteFileResponse, Batch, ListBatchesResponse, Upload, UploadPart, ErrorResponse and every schema
// they reference. From openapi-2025-04.yaml: BatchRequestOutput (the current spec dropped it).
// `exampleNulls` lists, per schema, the properties the spec's own examples show as null (a running
// batch's output_file_id, …): the schemas type them without null, the examples and the API send it.
// The spec is MIT-licensed (shared/spec/openai-openapi/LICENSE); the extract keeps its notice.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

type Schema = Record<string, unknown>;
// Response, CreateCompletionResponse and CreateModerationResponse: the bodies of output lines of the Responses, completions and moderations batch endpoints.
const SERVED = [
  'OpenAIFile',
  'ListFilesResponse',
  'DeleteFileResponse',
  'Batch',
  'ListBatchesResponse',
  'Upload',
  'UploadPart',
  'ErrorResponse',
  'Response',
  'CreateCompletionResponse',
  'CreateModerationResponse',
  'CreateEmbeddingResponse',
];
/** Paths whose response examples show the served objects. */
const EXAMPLE_PATHS: Record<string, string[]> = {
  Batch: ['/batches', '/batches/{batch_id}', '/batches/{batch_id}/cancel'],
  OpenAIFile: ['/files', '/files/{file_id}'],
  Upload: ['/uploads', '/uploads/{upload_id}/complete', '/uploads/{upload_id}/cancel'],
};

function refsOf(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => refsOf(v, out));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') out.add(v.replace('#/components/schemas/', ''));
      else refsOf(v, out);
    }
  }
  return out;
}

/** The named schemas and everything they reference. */
function closure(schemas: Record<string, Schema>, names: string[]): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const queue = [...names];
  while (queue.length) {
    const name = queue.shift()!;
    if (out[name]) continue;
    if (!schemas[name]) throw new Error(`schema ${name} not in the spec`);
    out[name] = schemas[name];
    queue.push(...refsOf(schemas[name], new Set()));
  }
  return out;
}

/** Keys shown as null in the examples of these paths (x-oaiMeta.examples[].response) and in the schema's own example. */
function nullsInExamples(
  spec: { paths: Record<string, Record<string, { 'x-oaiMeta'?: { examples?: unknown } }>> },
  schema: Schema,
  paths: string[],
): string[] {
  const texts: string[] = [String((schema['x-oaiMeta'] as { example?: string } | undefined)?.example ?? '')];
  for (const path of paths) {
    for (const op of Object.values(spec.paths[path] ?? {})) {
      const examples = op['x-oaiMeta']?.examples;
      for (const example of Array.isArray(examples) ? examples : [examples])
        texts.push(String((example as { response?: string } | undefined)?.response ?? ''));
    }
  }
  const keys = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(/"(\w+)":\s*null/g)) keys.add(match[1]);
  return [...keys].filter((k) => (schema.properties as Record<string, unknown> | undefined)?.[k] !== undefined).sort();
}

function main(): void {
  const dir = resolve(process.argv[2] ?? join(__dirname, '../../shared/spec/openai-openapi'));
  const spec = JSON.parse(readFileSync(join(dir, 'openapi.json'), 'utf8'));
  const older = parse(readFileSync(join(dir, 'openapi-2025-04.yaml'), 'utf8'));
  const schemas = closure(spec.components.schemas, SERVED);
  schemas.BatchRequestOutput = older.components.schemas.BatchRequestOutput;
  const exampleNulls = Object.fromEntries(
    Object.entries(EXAMPLE_PATHS).map(([name, paths]) => [name, nullsInExamples(spec, schemas[name], paths)]),
  );
  const out = {
    source: {
      repository: 'openai/openai-openapi',
      'openapi.json': `info.version ${spec.info.version}`,
      'openapi-2025-04.yaml': 'BatchRequestOutput',
      license: readFileSync(join(dir, 'LICENSE'), 'utf8'),
    },
    exampleNulls,
    components: { schemas },
  };
  const target = join(__dirname, '../test/support/openai-schemas.json');
  writeFileSync(target, JSON.stringify(out, null, 1) + '\n');
  console.log(`wrote ${target}: ${Object.keys(schemas).length} schemas; example nulls ${JSON.stringify(exampleNulls)}`);
}

main();
