// X-Ray tracing (every function runs with active tracing: lib/gateway-function.ts). Powertools' Tracer
// records a subsegment for each call of an AWS SDK client passed through `traced`, and, once created,
// for every outgoing http(s) request and `fetch` (the OpenAI and Anthropic SDKs, Gemini's fetch calls):
// the package's README, "trace HTTP(S) clients including fetch" (npmjs.com/package/@aws-lambda-powertools/tracer).
// Outside Lambda (tests, the local gateway: no AWS_EXECUTION_ENV) it turns itself off and `traced`
// hands the client back unchanged.
import { Tracer } from '@aws-lambda-powertools/tracer';

export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'finops-gateway' });

/** The client, with its calls recorded as X-Ray subsegments. */
export const traced = <T>(client: T): T => tracer.captureAWSv3Client(client);
