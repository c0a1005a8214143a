// Bedrock SDK clients, one per region and endpoint. Endpoints come from the standard
// AWS_ENDPOINT_URL_BEDROCK / AWS_ENDPOINT_URL_BEDROCK_RUNTIME variables, which the SDK reads itself
// (that is how local runs and tests point at the simulator).
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';

const controlClients = new Map<string, BedrockClient>();
const runtimeClients = new Map<string, BedrockRuntimeClient>();

export function bedrockClient(region: string): BedrockClient {
  const key = `${region}|${process.env.AWS_ENDPOINT_URL_BEDROCK ?? ''}`;
  let client = controlClients.get(key);
  if (!client) {
    // Standard retries (3 attempts) cover throttling and 5xx; CreateModelInvocationJob retries are safe
    // because every attempt carries the same clientRequestToken.
    client = new BedrockClient({ region, maxAttempts: 3, requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 } });
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
    client = new BedrockRuntimeClient({ region, maxAttempts: 4, requestHandler: { connectionTimeout: 5_000, requestTimeout: 240_000 } });
    runtimeClients.set(key, client);
  }
  return client;
}
