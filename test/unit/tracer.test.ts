// lambda/tracer.ts: in Lambda (AWS_EXECUTION_ENV set) an AWS SDK client passed through `traced` gets
// X-Ray's instrumentation middleware; outside Lambda (tests, the local gateway) the client is untouched.
import { S3Client } from '@aws-sdk/client-s3';

const XRAY_MIDDLEWARE = 'XRaySDKInstrumentation';
const middlewareNames = (client: S3Client) => client.middlewareStack.identify().map((entry) => entry.split(' ')[0]);

function loadTracer(env: Record<string, string | undefined>): typeof import('#lambda/tracer') {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete process.env[key];
  try {
    let loaded!: typeof import('#lambda/tracer');
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module instance per environment, inside isolateModules
      loaded = require('#lambda/tracer');
    });
    return loaded;
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

test('in Lambda: the client records its calls as X-Ray subsegments', () => {
  const { traced, tracer } = loadTracer({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: undefined });
  expect(tracer.isTracingEnabled()).toBe(true);
  const client = traced(new S3Client({ region: 'us-east-1' }));
  expect(middlewareNames(client)).toContain(XRAY_MIDDLEWARE);
});

test('outside Lambda: tracing is off and the client is unchanged', () => {
  const { traced, tracer } = loadTracer({ AWS_EXECUTION_ENV: undefined });
  expect(tracer.isTracingEnabled()).toBe(false);
  const client = traced(new S3Client({ region: 'us-east-1' }));
  expect(middlewareNames(client)).not.toContain(XRAY_MIDDLEWARE);
});
