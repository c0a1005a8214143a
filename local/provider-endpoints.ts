// Each catalog provider on one machine: live where the environment configures it, otherwise its
// simulator on loopback, wired into the environment the handlers read (contracts/providers.ts names
// the variables). Adding a provider: one entry in LOCAL_PROVIDERS (its simulator).
import { join } from 'node:path';
import { PROVIDER_NAMES, providerEnvNames, type OpenAIShapedProviderName, type ProviderName } from '#contracts/providers';
import { startOpenAISimulator } from './simulators/openai';
import { startAnthropicSimulator } from './simulators/anthropic';
import { startGeminiSimulator } from './simulators/gemini';
import { startBedrockSimulator } from './simulators/bedrock';
import { startAzureSimulator, type RunningAzureSimulator } from './simulators/azure';
import { startVertexSimulator, type VertexSimulator } from './simulators/vertex';
import type { RunningSimulator, SimulatorOptions } from './simulators/simulator';

export interface ProviderEndpointInfo {
  provider: ProviderName;
  mode: 'live' | 'simulated';
  url: string;
  simulator?: RunningSimulator;
}

export interface LocalProviderSetting {
  stepMs: number;
  dataDir: string;
  /** The S3 stand-in (Bedrock reads and writes its buckets). */
  s3: { endpoint: string; region: string };
}

interface LocalProvider {
  /** The live endpoint's description when the environment configures the provider; null: simulate it. */
  live(env: NodeJS.ProcessEnv): string | null;
  start(setting: LocalProviderSetting): Promise<RunningSimulator>;
  /** What the handlers need in their environment to reach the simulator. */
  wire(sim: RunningSimulator, env: NodeJS.ProcessEnv): Record<string, string>;
}

/** An HTTP provider called with a key: live when <PREFIX>_API_KEY is set. */
function keyedProvider(name: ProviderName, start: (options: SimulatorOptions) => Promise<RunningSimulator>): LocalProvider {
  const vars = providerEnvNames(name);
  return {
    live: (env) => (env[vars.apiKey] ? (env[vars.baseUrl] ?? '(provider default)') : null),
    // Simulator state lives with the rest of the data: a restart resumes every provider batch.
    start: ({ stepMs, dataDir }) => start({ stepMs, stateDir: join(dataDir, 'simulators') }),
    wire: (sim) => ({ [vars.baseUrl]: sim.url, [vars.apiKey]: sim.apiKey }),
  };
}

const bedrock: LocalProvider = {
  live: (env) =>
    env.AWS_ENDPOINT_URL_BEDROCK || env.FINOPS_BEDROCK_LIVE === 'true' ? (env.AWS_ENDPOINT_URL_BEDROCK ?? '(AWS default endpoint)') : null,
  start: ({ stepMs, dataDir, s3 }) => startBedrockSimulator({ stepMs, s3, stateDir: join(dataDir, 'simulators') }),
  wire: (sim, env) => ({
    AWS_ENDPOINT_URL_BEDROCK: sim.url,
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: sim.url,
    // The simulated Bedrock serves every region, so a job may run in whichever region its bucket names.
    FINOPS_BEDROCK_REGIONS: env.FINOPS_BEDROCK_REGIONS ?? '*',
  }),
};

/** Vertex AI: live when VERTEX_API_KEY holds a service account key; the simulator also serves Cloud Storage and the token endpoint. */
const vertex: LocalProvider = {
  ...keyedProvider('vertex', startVertexSimulator),
  wire: (sim) => {
    const v = sim as VertexSimulator;
    return {
      FINOPS_VERTEX_BASE_URL: v.url,
      VERTEX_API_KEY: v.serviceAccountKey,
      FINOPS_VERTEX_STORAGE_URL: v.url,
      FINOPS_VERTEX_BUCKET: v.bucket,
      FINOPS_VERTEX_PROJECT: v.projectId,
    };
  },
};

/** Providers with simulators of their own (the type makes a missing one a compile error). Order: the banner's. */
const OWN_SIMULATORS: Record<Exclude<ProviderName, OpenAIShapedProviderName>, LocalProvider> &
  Partial<Record<OpenAIShapedProviderName, LocalProvider>> = {
  anthropic: keyedProvider('anthropic', startAnthropicSimulator),
  gemini: keyedProvider('gemini', startGeminiSimulator),
  bedrock,
  // Live with AZURE_API_KEY and FINOPS_AZURE_BASE_URL (the resource endpoint); the simulator also names its api-version.
  azure: {
    ...keyedProvider('azure', startAzureSimulator),
    wire: (sim) => ({
      FINOPS_AZURE_BASE_URL: sim.url,
      AZURE_API_KEY: sim.apiKey,
      FINOPS_AZURE_API_VERSION: (sim as RunningAzureSimulator).apiVersion,
    }),
  },
  vertex,
};

/**
 * Every catalog provider's local endpoint: OpenAI-shaped ones (OpenAI, Groq, Together AI …) get the
 * OpenAI simulator playing them with their catalog quirks.
 */
export const LOCAL_PROVIDERS: Record<ProviderName, LocalProvider> = Object.fromEntries(
  PROVIDER_NAMES.map((name) => [
    name,
    Object.prototype.hasOwnProperty.call(OWN_SIMULATORS, name)
      ? OWN_SIMULATORS[name as keyof typeof OWN_SIMULATORS]
      : keyedProvider(name, (options) => startOpenAISimulator({ ...options, provider: name })),
  ]),
) as Record<ProviderName, LocalProvider>;

/**
 * Starts a simulator for every provider the environment does not configure live. `started` registers
 * each for closing; `env` receives the variables the handlers read.
 */
export async function startProviderEndpoints(
  setting: LocalProviderSetting,
  env: Record<string, string>,
  started: <T extends { close(): Promise<void> }>(thing: Promise<T>) => Promise<T>,
): Promise<ProviderEndpointInfo[]> {
  const providers: ProviderEndpointInfo[] = [];
  for (const provider of Object.keys(LOCAL_PROVIDERS) as ProviderName[]) {
    const local = LOCAL_PROVIDERS[provider];
    const liveUrl = local.live(process.env);
    if (liveUrl !== null) {
      providers.push({ provider, mode: 'live', url: liveUrl });
      continue;
    }
    const sim = await started(local.start(setting));
    Object.assign(env, local.wire(sim, process.env));
    providers.push({ provider, mode: 'simulated', url: sim.url, simulator: sim });
  }
  return providers;
}
