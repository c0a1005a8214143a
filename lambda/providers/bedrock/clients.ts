// Bedrock SDK clients, one per region and endpoint. Endpoints come from the standard
// AWS_ENDPOINT_URL_BEDROCK / AWS_ENDPOINT_URL_BEDROCK_RUNTIME variables, which the SDK reads itself
// (that is how local runs and tests point at the simulator).
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { traced } from '#lambda/tracer';

const controlClients = new Map<string, BedrockClient>();
const runtimeClients = new Map<string, BedrockRuntimeClient>();

export function bedrockClient(region: string): BedrockClient {
  const key = `${region}|${process.env.AWS_ENDPOINT_URL_BEDROCK ?? ''}`;
  let client = controlClients.get(key);
  if (!client) {
    // Two attempts cover a dropped connection; the tracker waits out longer throttling and 5xx itself.
    // Control-plane calls answer in well under a second; 5 s per attempt keeps batches.cancel (a 15 s
    // function, the only request path that calls Bedrock) inside its time. CreateModelInvocationJob
    // retries are safe because every attempt carries the same clientRequestToken.
    client = traced(new BedrockClient({ region, maxAttempts: 2, requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 } }));
    controlClients.set(key, client);
  }
  return client;
}

export function bedrockRuntimeClient(region: string): BedrockRuntimeClient {
  const key = `${region}|${process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME ?? ''}`;
  let client = runtimeClients.get(key);
  if (!client) {
    // Model calls can take minutes for long outputs; throttling is common on on-demand quotas, so a few
    // more attempts than the default, with the SDK's backoff between them.
    client = traced(
      new BedrockRuntimeClient({ region, maxAttempts: 4, requestHandler: { connectionTimeout: 5_000, requestTimeout: 240_000 } }),
    );
    runtimeClients.set(key, client);
  }
  return client;
}
