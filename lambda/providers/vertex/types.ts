// Vertex AI batch prediction and Cloud Storage wire shapes (the fields the gateway reads or writes).
// Sources: docs/providers.md "Vertex AI" (REST reference of projects.locations.batchPredictionJobs,
// JobState, the Cloud Storage input/output guide, the Cloud Storage JSON API).
import type { GenerateContentRequest, GenerateContentResponse, GoogleRpcStatus } from '#lambda/providers/gemini/types';

/** int64 fields travel as JSON strings ("12"). */
export type Int64 = string | number;

export interface VertexCompletionStats {
  successfulCount?: Int64;
  failedCount?: Int64;
  /** -1 when unknown ("the operation failed before the total entity number could be collected"). */
  incompleteCount?: Int64;
}

export interface VertexBatchPredictionJob {
  /** projects/{project}/locations/{location}/batchPredictionJobs/{id} */
  name?: string;
  displayName?: string;
  /** publishers/google/models/{model} */
  model?: string;
  inputConfig?: { instancesFormat?: string; gcsSource?: { uris?: string[] } };
  outputConfig?: { predictionsFormat?: string; gcsDestination?: { outputUriPrefix?: string } };
  outputInfo?: { gcsOutputDirectory?: string };
  /** JOB_STATE_* */
  state?: string;
  error?: GoogleRpcStatus;
  completionStats?: VertexCompletionStats;
  createTime?: string;
  startTime?: string;
  endTime?: string;
  updateTime?: string;
  labels?: Record<string, string>;
}

export interface VertexJobList {
  batchPredictionJobs?: VertexBatchPredictionJob[];
  nextPageToken?: string;
}

/** One line of the batch input file the gateway writes: the request plus the correlation sibling. */
export interface VertexInputLine {
  custom_id: string;
  request: GenerateContentRequest;
}

/**
 * One line of a predictions file. `status` is "" for a row that succeeded and the error text
 * otherwise ("Bad Request: {\"error\": {...}}"); sibling keys of the input line come back beside it.
 */
export interface VertexPredictionLine {
  status?: string;
  processed_time?: string;
  request?: unknown;
  response?: GenerateContentResponse;
  custom_id?: unknown;
}

/** A Cloud Storage object resource (JSON API). */
export interface GcsObject {
  bucket?: string;
  name: string;
  /** uint64 as a string */
  size?: string;
  contentType?: string;
  generation?: string;
  timeCreated?: string;
}

export interface GcsObjectList {
  items?: GcsObject[];
  nextPageToken?: string;
  prefixes?: string[];
}
