// The one interface every provider implements. Handlers and the tracker only ever talk to this;
// no provider name appears outside lambda/providers/<name>/.
import type { BatchError, BatchRequestOutput, BatchStatus, RequestCounts } from '#contracts/openai-types';
import type { BatchRecord, BlobLocation, FileRecord, ProviderName } from '#contracts/records';
import type { BlobStore } from '#lambda/store/blobs';
import type { RuntimeConfig } from '#lambda/config';
import type { EndpointMode } from '#lambda/batch-files/endpoints';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CredentialKind } from '#contracts/providers';
import type { RunMode } from '#contracts/records';
import type { ChatCompletionRequest } from '#contracts/openai-types';

/** Extra fields a client sent beside the OpenAI ones (extra_body / extra_query / form fields). */
export type Extras = Record<string, unknown>;

export interface ProviderContext<K extends CredentialKind = 'api-key'> {
  config: RuntimeConfig;
  blobs: BlobStore;
  logger: Logger;
  /** What the provider is called with, by its catalog kind (from env, Secrets Manager, or a simulator). */
  credentials(): Promise<CredentialsOf<K>>;
  /** Registers a gateway-owned file (e.g. an inline request list kept as the batch's input file). */
  registerFile(file: Omit<FileRecord, 'createdAt' | 'status' | 'statusDetails' | 'expiresAt'> & Partial<FileRecord>): Promise<FileRecord>;
}

/** An `api-key` provider: base URL and API key. */
export interface ProviderCredentials {
  baseUrl: string;
  apiKey: string;
}

/** An `azure` provider: the resource endpoint, the api-version, and an API key or an Entra ID bearer token. */
export interface AzureCredentials {
  /** e.g. https://<resource>.openai.azure.com (FINOPS_<PREFIX>_BASE_URL, or `endpoint` in the secret). */
  endpoint: string;
  /** FINOPS_<PREFIX>_API_VERSION, or `apiVersion` in the secret. */
  apiVersion: string;
  apiKey?: string;
  bearerToken?: string;
  /** An Entra ID service principal (`tenantId`, `clientId`, `clientSecret` in the secret): tokens minted by the adapter. */
  servicePrincipal?: { tenantId: string; clientId: string; clientSecret: string; authorityHost?: string };
}

/** A `gcp-service-account` provider: its base URL and the service-account JSON key (null when none is set). */
export interface GcpServiceAccountCredentials {
  baseUrl: string;
  serviceAccount: Record<string, unknown> | null;
}

/** An `aws-iam` provider signs with the function's role: nothing to hand out. */
export type AwsIamCredentials = Record<string, never>;

export interface CredentialsByKind {
  'api-key': ProviderCredentials;
  azure: AzureCredentials;
  'gcp-service-account': GcpServiceAccountCredentials;
  'aws-iam': AwsIamCredentials;
}
export type CredentialsOf<K extends CredentialKind> = CredentialsByKind[K];

/** Whether a provider's model can run a chat request (the estimate's alternatives): the converter its batches use. */
export interface RunCheck {
  /** Models with the same group are converted by the same code. */
  group: string;
  /** Throws (with the converter's reason) when the body cannot run. */
  convert(body: ChatCompletionRequest): unknown;
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

/** Why the requests a provider returned nothing for did not run (the sink answers each of them with it). */
export interface UnansweredReason {
  code: 'batch_expired' | 'batch_cancelled' | 'batch_failed';
  message?: string;
}

export interface ProviderAdapter<K extends CredentialKind = 'api-key'> {
  readonly name: ProviderName;
  /**
   * The provider runs one model per job (Bedrock modelId, Gemini's model in the URL, OpenAI's one
   * model per input file): the tracker runs a file whose lines name several models as one job per model.
   */
  readonly oneModelPerJob?: boolean;
  /** Whether batches.create requires an input file (false: inline `requests` allowed). */
  readonly acceptsInlineRequests?: boolean;
  /**
   * The batch endpoints this provider runs and how (lambda/batch-files/endpoints.ts): lines of any
   * other endpoint are refused at upload and batches.create. Default: chat completions, natively.
   */
  readonly endpoints?: Readonly<Record<string, EndpointMode>>;

  // Optional hooks: where core code (finops, the estimate) needs a provider's own rule.
  /** The name the price table may know a model by when the id as sent is not listed (e.g. Bedrock: the foundation model behind an inference profile). Gets the lowercased id. */
  priceModelId?(model: string): string;
  /** How the provider will bill a batch of this many requests (default 'batch'; Bedrock runs small ones on demand). */
  expectedRunMode?(requests: number, env: NodeJS.ProcessEnv): RunMode;
  /** The converter a batch for this model would use; null when the gateway cannot convert for it. Default: none (no alternatives offered). */
  runCheck?(model: string): RunCheck | null;

  /** Where an uploaded file's bytes go; default: the gateway's files bucket. Throws GatewayError (400) for a bucket we may not use. */
  placeFile?(ctx: ProviderContext<K>, input: FilePlacementInput): Promise<BlobLocation>;
  /** After the gateway stored and validated an upload: give the provider its copy. Returns what to record. */
  onFileStored?(ctx: ProviderContext<K>, file: FileRecord, extras: Extras): Promise<Partial<FileRecord>>;
  /** Before the gateway forgets a file: remove the provider's copy (best effort, idempotent). */
  onFileDeleted?(ctx: ProviderContext<K>, file: FileRecord): Promise<void>;

  /**
   * batches.create, before anything is recorded: the cheap checks of this provider (no provider call,
   * no reading of an uploaded file), so a request it can never run is a 400 at once. May keep inline
   * requests as the batch's input file. Throws GatewayError (4xx) for bad input.
   */
  acceptBatch?(ctx: ProviderContext<K>, input: CreateBatchInput): Promise<AcceptedBatch>;
  /**
   * The tracker's "Submit to provider" step: converts and stages the input, then creates the provider
   * batch. Called again after a transient failure or a crash, so it must find a batch an earlier
   * attempt made (idempotency token, or a look-up by the gateway batch id) instead of making another.
   * Throws ProviderUnavailableError for what may pass (429, 5xx, timeouts, a full provider queue) and
   * GatewayError (4xx) when the provider (or the conversion) refuses the batch for good.
   */
  createBatch(ctx: ProviderContext<K>, input: CreateBatchInput): Promise<CreatedBatch>;
  /** Polls the provider (the tracker calls this). Idempotent. */
  checkBatch(ctx: ProviderContext<K>, batch: BatchRecord): Promise<ProviderBatchState>;
  /** Asks the provider to cancel. Idempotent: cancelling a finished batch is not an error here. */
  cancelBatch(ctx: ProviderContext<K>, batch: BatchRecord): Promise<void>;
  /**
   * Streams the results the provider returned for a finished batch into the sink, converted to OpenAI
   * lines. The sink answers every request nobody wrote when it closes (from the custom_id snapshot),
   * with the reason returned here when the adapter knows one. Safe to run twice.
   */
  collectResults(ctx: ProviderContext<K>, batch: BatchRecord, sink: ResultSink): Promise<UnansweredReason | void>;
}

/** An adapter of any credential kind (what the registry holds; the catalog says which kind each has). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry holds adapters of every credential kind
export type AnyProviderAdapter = ProviderAdapter<any>;
