// What the gateway remembers about every file and batch (DynamoDB items, without the key attributes).
import type { BatchCost, BatchError, BatchStatus, BatchUsage, RequestCounts } from './openai-types';
import type { ProviderName } from './providers';

// The provider catalog (contracts/providers.ts) defines the names.
export type { ProviderName };

/** Where a blob lives. The gateway's own bucket unless a provider (Bedrock storage_config) says otherwise. */
export interface BlobLocation {
  bucket: string;
  key: string;
}

export interface FileRecord {
  id: string;
  tenantId: string;
  provider: ProviderName;
  filename: string;
  purpose: string;
  bytes: number;
  createdAt: number;
  expiresAt: number | null;
  status: 'uploaded' | 'processed' | 'error';
  statusDetails: string | null;
  /** The gateway's copy of the bytes (the content endpoint serves it). */
  blob: BlobLocation;
  /** Number of JSONL lines, known once validated (batch inputs only). */
  lineCount?: number;
  /** The single model used by every line, or null when lines mix models. */
  model?: string | null;
  /** The models the lines name, when they name several (a mixed-model file; absent on files uploaded before). */
  models?: string[];
  /** The endpoint (`url`) every line uses. */
  endpoint?: string | null;
  /** The provider's own id for this file (OpenAI file id, Gemini `files/…`), when the provider holds a copy. */
  providerFileId?: string;
  /** Adapter-private data, opaque to handlers. */
  providerData?: Record<string, unknown>;
  /** For batch_output files: the batch that produced them. */
  batchId?: string;
  /**
   * Deleted by its owner (or expired) while an unfinished batch still used it: hidden from the owner at
   * once, its bytes and provider copy kept until the last such batch ends (lambda/files/delete.ts).
   */
  deletedAt?: number | null;
}

/** What a finished batch cost (the batch object's `finops` field). */
export type CostSummary = BatchCost;

export interface BatchRecord {
  id: string;
  tenantId: string;
  provider: ProviderName;
  endpoint: string;
  completionWindow: string;
  inputFileId: string;
  model: string | null;
  status: BatchStatus;
  createdAt: number;
  expiresAt: number;
  inProgressAt: number | null;
  finalizingAt: number | null;
  completedAt: number | null;
  failedAt: number | null;
  expiredAt: number | null;
  cancellingAt: number | null;
  cancelledAt: number | null;
  requestCounts: RequestCounts;
  outputFileId: string | null;
  errorFileId: string | null;
  errors: BatchError[] | null;
  metadata: Record<string, string> | null;
  usage: BatchUsage | null;
  cost?: CostSummary | null;
  /** The provider's own batch/job id (never shown to clients as an id). */
  providerBatchId: string | null;
  /** Adapter-private data, opaque to handlers and the tracker. */
  providerData?: Record<string, unknown>;
  /** Set by batches.cancel; the tracker carries it through. */
  cancelRequested?: boolean;
  /** The gateway key that created the batch (for per-key cost reports); a key id, never the key. */
  keyId?: string;
  /** `cred_…`: the credential vault item holding the client's own provider key (pass-through), encrypted. Never the key. */
  providerCredentialRef?: string | null;
  /** batches.create's `output_expires_after`: seconds the output and error files live after they are written. */
  outputExpiresAfterSeconds?: number | null;
  /** What batches.create held back of its key's monthly budget (lambda/finops/budget.ts); given back once the batch's cost is booked. */
  budgetReservation?: BudgetReservation | null;
  /**
   * When the tracker's "Submit to provider" step created the provider batch. null: recorded by
   * batches.create and not submitted yet (status `validating`). Absent on batches created before the
   * workflow submitted them (they were submitted by batches.create itself).
   */
  submittedAt?: number | null;
  /** When batches.create started the tracker execution; null until then (a create cut off in between is repaired by retrieve). */
  trackerStartedAt?: number | null;
  /** SHA-256 of the create request's parameters: the same Idempotency-Key with another body is refused. */
  requestHash?: string;
  /** What the Submit step needs beside the record's own fields: the request's extra fields (inline, or a blob when large). */
  submission?: { extras?: Record<string, unknown>; extrasBlob?: BlobLocation } | null;
  /** The input's custom_ids, one JSON string a line, snapshotted by "Prepare input": results never need the input file again. */
  customIdsBlob?: BlobLocation | null;
  /** How often a full provider sent the batch back to the queue after accepting it (OpenAI token_limit_exceeded). */
  requeues?: number;
  /** The last transient provider error the tracker is riding out (shown to operators, cleared on success). */
  lastProviderError?: string | null;
  /** A mixed-model batch (model null): the models its lines name, in the order of the file. */
  models?: string[] | null;
  /**
   * A mixed-model batch on a provider that runs one model per job: one provider job per model, all
   * under this one OpenAI batch (lambda/tracker/jobs.ts). Absent on every other batch, whose one
   * provider batch is providerBatchId / providerData above.
   */
  jobs?: ProviderJob[] | null;
}

/** One provider job of a mixed-model batch. */
export interface ProviderJob {
  /** What the adapter sees as the batch id: the key of its idempotency token, display name or metadata. */
  key: string;
  model: string;
  /** This model's lines of the input, split off by "Submit to provider". */
  input: {
    blob: BlobLocation;
    lineCount: number;
    bytes: number;
    providerFileId?: string;
    providerData?: Record<string, unknown>;
    staged?: boolean;
  };
  providerBatchId: string | null;
  providerData?: Record<string, unknown>;
  /** When the provider accepted (or refused) the job; null until then. */
  submittedAt: number | null;
  status: BatchStatus;
  requestCounts: RequestCounts;
  errors?: BatchError[] | null;
  /** What the adapter reported beside the job (e.g. Bedrock's run_mode). */
  metadata?: Record<string, string> | null;
}

/** The estimated cost of a running batch, reserved on its key's budget for one UTC month (yyyy-mm). */
export interface BudgetReservation {
  keyId: string;
  month: string;
  micros: number;
}

export interface ApiKeyRecord {
  keyHash: string;
  keyId: string;
  name: string;
  tenantId: string;
  createdAt: number;
  revokedAt: number | null;
  monthlyBudgetUsd?: number | null;
}

/** How the provider billed the work: a batch job (discounted) or per-request calls (e.g. a Bedrock batch too small for a job). */
export type RunMode = 'batch' | 'on_demand';
