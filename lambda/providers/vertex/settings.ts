// Where the gateway runs Vertex AI batches: the customer's project, region and Cloud Storage bucket,
// from the environment (the stack sets these from its vertex* properties; README "Configuration").
// The service account key itself is a credential (Secrets Manager / VERTEX_SERVICE_ACCOUNT_KEY).
import { GatewayError } from '#lambda/http/errors';

export interface VertexSettings {
  /** Google Cloud project of the jobs; default: the service account key's project_id. */
  project: string | undefined;
  /** Region of the jobs (a region that serves Gemini batch prediction), or `global`. */
  location: string;
  /** The customer's bucket for batch inputs and outputs. */
  bucket: string | undefined;
  /** Object prefix under which the gateway keeps its inputs/ and outputs/. */
  prefix: string;
  /** Cloud Storage JSON API root. */
  storageUrl: string;
  /** Vertex's limit of requests in one batch prediction job (Gemini: 200,000). */
  maxRequestsPerJob: number;
}

export const DEFAULT_VERTEX_LOCATION = 'us-central1';
export const DEFAULT_STORAGE_URL = 'https://storage.googleapis.com';
/** "Up to 200,000 requests per job" (Gemini batch prediction overview, docs/providers.md). */
export const MAX_REQUESTS_PER_JOB = 200_000;

/**
 * The Vertex AI API root for a location: the configured base URL (FINOPS_VERTEX_BASE_URL, the
 * catalog's `https://{location}-aiplatform.googleapis.com` by default) with `{location}` filled in;
 * the global endpoint has no regional prefix (aiplatform.googleapis.com).
 */
export function apiUrlFor(baseUrl: string | undefined, location: string): string {
  const template = baseUrl || 'https://{location}-aiplatform.googleapis.com';
  const url = location === 'global' ? template.replace('{location}-', '') : template;
  return url.replace(/\{location\}/g, location).replace(/\/+$/, '');
}

export function vertexSettings(env: NodeJS.ProcessEnv = process.env): VertexSettings {
  const location = env.FINOPS_VERTEX_LOCATION || DEFAULT_VERTEX_LOCATION;
  const max = Number(env.FINOPS_VERTEX_MAX_REQUESTS_PER_JOB);
  return {
    project: env.FINOPS_VERTEX_PROJECT || undefined,
    location,
    bucket: env.FINOPS_VERTEX_BUCKET || undefined,
    prefix: (env.FINOPS_VERTEX_PREFIX || 'finops-gateway').replace(/^\/+|\/+$/g, ''),
    storageUrl: (env.FINOPS_VERTEX_STORAGE_URL || DEFAULT_STORAGE_URL).replace(/\/+$/, ''),
    maxRequestsPerJob: Number.isInteger(max) && max > 0 ? max : MAX_REQUESTS_PER_JOB,
  };
}

/**
 * A deployment without a bucket (or project) cannot run Vertex batches: said plainly, as a 400 on
 * `provider` (a 5xx would have the SDKs retry what cannot succeed until the operator acts).
 */
export function notConfigured(what: string): GatewayError {
  return new GatewayError(
    400,
    `Vertex AI is not configured in this deployment: ${what}. Use another provider, or ask the operator to configure it (docs/vertex.md).`,
    'invalid_request_error',
    'provider',
    'provider_not_configured',
  );
}

export function requireBucket(settings: VertexSettings): string {
  if (!settings.bucket) throw notConfigured('the stack property vertexBucket (FINOPS_VERTEX_BUCKET) names no Cloud Storage bucket');
  return settings.bucket;
}
