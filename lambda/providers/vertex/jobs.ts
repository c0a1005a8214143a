// projects.locations.batchPredictionJobs (cloud.google.com/vertex-ai/docs/reference/rest/v1/
// projects.locations.batchPredictionJobs): create, get, list by display name, cancel.
import { GatewayError } from '#lambda/http/errors';
import type { GoogleHttp } from './http';
import type { VertexBatchPredictionJob, VertexJobList } from './types';

export const PUBLISHER_MODEL_PREFIX = 'publishers/google/models/';
/** Jobs that a submit retried after a lost answer may reuse: anything not already ended badly. */
const REUSABLE = (job: VertexBatchPredictionJob) => !/FAILED|CANCELL|EXPIRED/.test(job.state ?? '');
const LOOKUP_PAGES = 4;

export interface CreateJobInput {
  displayName: string;
  model: string;
  inputUri: string;
  outputPrefix: string;
}

export class VertexJobs {
  private readonly parent: string;

  constructor(
    private readonly http: GoogleHttp,
    private readonly apiUrl: string,
    project: string,
    location: string,
  ) {
    this.parent = `projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}`;
  }

  async create(input: CreateJobInput): Promise<VertexBatchPredictionJob> {
    const body = {
      displayName: input.displayName,
      model: `${PUBLISHER_MODEL_PREFIX}${input.model}`,
      inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: [input.inputUri] } },
      outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: input.outputPrefix } },
    };
    try {
      return await this.http.json<VertexBatchPredictionJob>(`${this.apiUrl}/v1/${this.parent}/batchPredictionJobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (err) {
      // "The PublisherModel gemini-x does not exist." is a 404 on create: the client's model, not a lost job.
      if (err instanceof GatewayError && err.code === 'not_found') {
        throw new GatewayError(
          400,
          `Vertex AI has no model ${JSON.stringify(input.model)} in ${this.parent}: ${err.message}`,
          'invalid_request_error',
          'model',
          'model_not_found',
        );
      }
      throw err;
    }
  }

  get(name: string): Promise<VertexBatchPredictionJob> {
    return this.http.json<VertexBatchPredictionJob>(`${this.apiUrl}/v1/${name}`, { method: 'GET' }, name);
  }

  async cancel(name: string): Promise<void> {
    await this.http.json(
      `${this.apiUrl}/v1/${name}:cancel`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
      name,
    );
  }

  /** The newest job with this display name that has not ended badly (list filter `display_name="…"`). */
  async findByDisplayName(displayName: string): Promise<VertexBatchPredictionJob | null> {
    let pageToken: string | undefined;
    for (let page = 0; page < LOOKUP_PAGES; page++) {
      const query = new URLSearchParams({
        filter: `display_name="${displayName.replace(/["\\]/g, '')}"`,
        pageSize: '100',
        ...(pageToken ? { pageToken } : {}),
      });
      const listed = await this.http.json<VertexJobList>(`${this.apiUrl}/v1/${this.parent}/batchPredictionJobs?${query}`, {
        method: 'GET',
      });
      const found = (listed.batchPredictionJobs ?? []).find((job) => job.displayName === displayName && REUSABLE(job));
      if (found) return found;
      if (!listed.nextPageToken) return null;
      pageToken = listed.nextPageToken;
    }
    return null;
  }
}
