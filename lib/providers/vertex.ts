// Where a deployment runs its Vertex AI batches: the customer's Google Cloud project, region and
// bucket, as stack properties (cdk.json context vertexProject, vertexLocation, vertexBucket,
// vertexPrefix). They reach the functions as FINOPS_VERTEX_* (lambda/providers/vertex/settings.ts).
// Nothing here is an AWS resource: the bucket is in Google Cloud, reached with the service account
// key in the provider's secret, so no IAM grant beyond that secret is needed.

export interface VertexStackSettings {
  /** Google Cloud project id; default: the service account key's project_id. */
  readonly project?: string;
  /** A region that serves Gemini batch prediction, or `global`. @default us-central1 */
  readonly location?: string;
  /** Cloud Storage bucket the jobs read their input from and write their output to (required to use vertex). */
  readonly bucket?: string;
  /** Object prefix under which the gateway keeps inputs/ and outputs/. @default finops-gateway */
  readonly prefix?: string;
}

/** Project ids: 6–30 lowercase letters, digits and hyphens, starting with a letter. */
export const GCP_PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** A Google Cloud region (us-central1, europe-west4, …) or `global`. */
export const GCP_LOCATION = /^(global|[a-z]+-[a-z]+[0-9]+)$/;
/** Cloud Storage bucket names: 3–63 characters of lowercase letters, digits, -, _ and . */
export const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;
/** An object prefix without leading or trailing slashes. */
export const GCS_PREFIX = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** FINOPS_VERTEX_* for every function (only what is set: defaults live in the function's code). */
export function vertexEnvironment(settings: VertexStackSettings | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (settings?.project) env.FINOPS_VERTEX_PROJECT = settings.project;
  if (settings?.location) env.FINOPS_VERTEX_LOCATION = settings.location;
  if (settings?.bucket) env.FINOPS_VERTEX_BUCKET = settings.bucket;
  if (settings?.prefix) env.FINOPS_VERTEX_PREFIX = settings.prefix;
  return env;
}
