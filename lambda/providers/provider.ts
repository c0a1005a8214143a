// The one interface every provider implements. Handlers and the tracker only ever talk to this;
// no provider name appears outside lambda/providers/<name>/.
import type { BatchError, BatchRequestOutput, BatchStatus, RequestCounts } from '../openai/types';
import type { BatchRecord, BlobLocation, FileRecord, ProviderName } from '../store/records';
import type { BlobStore } from '../store/blobs';
import type { RuntimeConfig } from '../config';
import type { EndpointMode } from '../batch-files/endpoints';
import type { Logger } from '@aws-lambda-powertools/logger';

/** Extra fields a client sent beside the OpenAI ones (extra_body / extra_query / form fields). */
export type Extras = Record<string, unknown>;

export interface ProviderContext {
  config: RuntimeConfig;
  blobs: BlobStore;
  logger: Logger;
  /** Base URL and API key for HTTP providers (from env, Secrets Manager, or a simulator). */
  credentials(): Promise<ProviderCredentials>;
  /** Registers a gateway-owned file (e.g. an inline request list kept as the batch's input file). */
  registerFile(file: Omit<FileRecord, 'createdAt' | 'status' | 'statusDetails' | 'expiresAt'> & Partial<FileRecord>): Promise<FileRecord>;
}

export interface ProviderCredentials {
  baseUrl: string;
  apiKey: string;
}

export interface FilePlacementInput {
  tenantId: string;
  fileId: string;
  filename: string;
  extras: Extras;
}

export interface CreateBatchInput {
  batchId: string;
  tenantId: string;
  endpoint: string;
  completionWindow: string;
  /** The validated input file; null when the provider takes inline requests (extras.requests). */
  inputFile: FileRecord | null;
  /** `model` from extra_body, when given. */
  model: string | null;
  extras: Extras;
  metadata: Record<string, string> | null;
  createdAt: number;
  expiresAt: number;
}

export interface CreatedBatch {
  /** The provider's id for the work (null when the gateway itself runs it, e.g. Bedrock on-demand). */
  providerBatchId: string | null;
  model: string | null;
  status: BatchStatus;
  requestCounts: RequestCounts;
  /** Set when the adapter made the input file itself (inline requests). */
  inputFileId?: string;
  providerData?: Record<string, unknown>;
  /** Merged into the batch's metadata (e.g. `{ run_mode: 'on_demand' }`). */
  metadata?: Record<string, string>;
  /** Overrides the default completion deadline (e.g. a Bedrock job with a longer timeout). */
  expiresAt?: number;
}

/** What acceptBatch settled at create time. */
export interface AcceptedBatch {
  /** The file the batch runs from, when the adapter made one (inline requests). */
  inputFile?: FileRecord;
  /** Overrides the default completion deadline (e.g. a Bedrock job with a longer timeout). */
  expiresAt?: number;
  /** The model the batch runs, when already known. */
  model?: string | null;
  /** Merged into the batch's metadata (e.g. `{ run_mode: 'on_demand' }`). */
  metadata?: Record<string, string>;
}

/** What the provider says about a batch, already mapped to OpenAI's vocabulary. */
export interface ProviderBatchState {
  /**
   * `completed`, `expired`, `cancelled` and `failed` mean the provider is done: the tracker then
   * collects whatever results exist and records that status. `completed` passes through `finalizing`.
   */
  status: BatchStatus;
  requestCounts?: RequestCounts;
  errors?: BatchError[];
  /** The provider asked us not to call again sooner (Retry-After). */
  retryAfterSeconds?: number;
  inProgressAt?: number;
  providerData?: Record<string, unknown>;
}

/** Receives result lines; the gateway routes them to the output file (2xx) or the error file. */
export interface ResultSink {
  write(line: Omit<BatchRequestOutput, 'id'>): Promise<void>;
}

export interface ProviderAdapter {
  readonly name: ProviderName;
  /** Whether batches.create requires an input file (false: inline `requests` allowed). */
  readonly acceptsInlineRequests?: boolean;
  /**
   * The batch endpoints this provider runs and how (lambda/batch-files/endpoints.ts): lines of any
   * other endpoint are refused at upload and batches.create. Default: chat completions, natively.
   */
  readonly endpoints?: Readonly<Record<string, EndpointMode>>;

  /** Where an uploaded file's bytes go; default: the gateway's files bucket. Throws GatewayError (400) for a bucket we may not use. */
  placeFile?(ctx: ProviderContext, input: FilePlacementInput): Promise<BlobLocation>;
  /** After the gateway stored and validated an upload: give the provider its copy. Returns what to record. */
  onFileStored?(ctx: ProviderContext, file: FileRecord, extras: Extras): Promise<Partial<FileRecord>>;
  /** Before the gateway forgets a file: remove the provider's copy (best effort, idempotent). */
  onFileDeleted?(ctx: ProviderContext, file: FileRecord): Promise<void>;

  /**
   * batches.create, before anything is recorded: the cheap checks of this provider (no provider call,
   * no reading of an uploaded file), so a request it can never run is a 400 at once. May keep inline
   * requests as the batch's input file. Throws GatewayError (4xx) for bad input.
   */
  acceptBatch?(ctx: ProviderContext, input: CreateBatchInput): Promise<AcceptedBatch>;
  /**
   * The tracker's "Submit to provider" step: converts and stages the input, then creates the provider
   * batch. Called again after a transient failure or a crash, so it must find a batch an earlier
   * attempt made (idempotency token, or a look-up by the gateway batch id) instead of making another.
   * Throws ProviderUnavailableError for what may pass (429, 5xx, timeouts, a full provider queue) and
   * GatewayError (4xx) when the provider (or the conversion) refuses the batch for good.
   */
  createBatch(ctx: ProviderContext, input: CreateBatchInput): Promise<CreatedBatch>;
  /** Polls the provider (the tracker calls this). Idempotent. */
  checkBatch(ctx: ProviderContext, batch: BatchRecord): Promise<ProviderBatchState>;
  /** Asks the provider to cancel. Idempotent: cancelling a finished batch is not an error here. */
  cancelBatch(ctx: ProviderContext, batch: BatchRecord): Promise<void>;
  /**
   * Streams every result of a finished batch into the sink, converted to OpenAI lines. Every input
   * request must come out exactly once (unprocessed ones as error lines). Safe to run twice.
   */
  collectResults(ctx: ProviderContext, batch: BatchRecord, sink: ResultSink): Promise<void>;
}
