// The API surface as data: one operation per Lambda function, served under both /openai/… and
// /openai/v1/…. The CDK API construct and the local gateway both read this table, so the two
// cannot drift apart. Plain data only: no CDK imports here.

export interface OperationRoute {
  /** Function and handler file name: lambda/handlers/<operation>.ts */
  operation: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path below the API prefix, with API Gateway style {params}. */
  path: string;
  /** Lambda sizing, chosen from measurements (README "Lambda sizing"). */
  memoryMb: number;
  timeoutSeconds: number;
}

export const API_PREFIXES = ['/openai', '/openai/v1'] as const;

export const OPERATION_ROUTES: readonly OperationRoute[] = [
  { operation: 'files-create', method: 'POST', path: '/files', memoryMb: 1024, timeoutSeconds: 29 },
  { operation: 'files-list', method: 'GET', path: '/files', memoryMb: 256, timeoutSeconds: 10 },
  { operation: 'files-retrieve', method: 'GET', path: '/files/{file_id}', memoryMb: 256, timeoutSeconds: 10 },
  { operation: 'files-delete', method: 'DELETE', path: '/files/{file_id}', memoryMb: 256, timeoutSeconds: 15 },
  { operation: 'files-content', method: 'GET', path: '/files/{file_id}/content', memoryMb: 512, timeoutSeconds: 29 },
  // Gateway extension: a presigned S3 PUT for files up to 200 MB; files-register (below) takes it from there.
  { operation: 'files-direct-upload', method: 'POST', path: '/files/direct-uploads', memoryMb: 256, timeoutSeconds: 10 },
  { operation: 'batches-create', method: 'POST', path: '/batches', memoryMb: 1024, timeoutSeconds: 29 },
  { operation: 'batches-list', method: 'GET', path: '/batches', memoryMb: 256, timeoutSeconds: 10 },
  { operation: 'batches-retrieve', method: 'GET', path: '/batches/{batch_id}', memoryMb: 256, timeoutSeconds: 10 },
  { operation: 'batches-cancel', method: 'POST', path: '/batches/{batch_id}/cancel', memoryMb: 256, timeoutSeconds: 15 },
  // Reads the error, output and input files, stores the new input file, then runs batches-create: sized like it.
  { operation: 'batches-retry', method: 'POST', path: '/batches/{batch_id}/retry', memoryMb: 1024, timeoutSeconds: 29 },
  { operation: 'uploads-create', method: 'POST', path: '/uploads', memoryMb: 256, timeoutSeconds: 10 },
  { operation: 'uploads-parts-create', method: 'POST', path: '/uploads/{upload_id}/parts', memoryMb: 512, timeoutSeconds: 29 },
  // A full vCPU (1769 MB): joining, validating and copying a 200 MB file to its provider took 7-17 s locally.
  { operation: 'uploads-complete', method: 'POST', path: '/uploads/{upload_id}/complete', memoryMb: 1769, timeoutSeconds: 29 },
  { operation: 'uploads-cancel', method: 'POST', path: '/uploads/{upload_id}/cancel', memoryMb: 256, timeoutSeconds: 10 },
  { operation: 'finops-usage', method: 'GET', path: '/finops/usage', memoryMb: 256, timeoutSeconds: 10 },
  // Gateway extensions the web console reads (docs/CONSOLE.md): this month's budget use of the tenant's
  // keys, and who the key is (plus, deployed, where a batch's Step Functions execution is in the AWS console).
  { operation: 'finops-budgets', method: 'GET', path: '/finops/budgets', memoryMb: 256, timeoutSeconds: 10 },
  { operation: 'console-session', method: 'GET', path: '/console/session', memoryMb: 256, timeoutSeconds: 10 },
  // Streams the input file and counts its tokens (a tokenizer for OpenAI models): sized like batches-create.
  { operation: 'finops-estimate', method: 'POST', path: '/finops/estimate', memoryMb: 1024, timeoutSeconds: 29 },
  // Webhook endpoints (lambda/webhooks/): create resolves the URL's host to check it (SSRF rules).
  { operation: 'webhooks-create', method: 'POST', path: '/finops/webhooks', memoryMb: 256, timeoutSeconds: 10 },
  { operation: 'webhooks-list', method: 'GET', path: '/finops/webhooks', memoryMb: 256, timeoutSeconds: 10 },
  { operation: 'webhooks-delete', method: 'DELETE', path: '/finops/webhooks/{webhook_id}', memoryMb: 256, timeoutSeconds: 10 },
  { operation: 'webhooks-rotate', method: 'POST', path: '/finops/webhooks/{webhook_id}/rotate', memoryMb: 256, timeoutSeconds: 10 },
];

/** Functions the batch tracker state machine invokes (lambda/handlers/<operation>.ts). */
export const TRACKER_FUNCTIONS = {
  // Reads the whole input once (custom_id snapshot): sized like collect.
  prepareInput: { operation: 'tracker-prepare-input', memoryMb: 1024, timeoutSeconds: 900 },
  // Converts and stages the input for the provider, then creates the provider batch.
  submitBatch: { operation: 'tracker-submit-batch', memoryMb: 1024, timeoutSeconds: 900 },
  checkStatus: { operation: 'tracker-check-status', memoryMb: 512, timeoutSeconds: 300 },
  collectResults: { operation: 'tracker-collect-results', memoryMb: 1024, timeoutSeconds: 900 },
  markFailed: { operation: 'tracker-mark-failed', memoryMb: 256, timeoutSeconds: 30 },
} as const;

/** Functions S3 event notifications invoke (lambda/handlers/<operation>.ts), with the objects that trigger them. */
export const EVENT_FUNCTIONS = {
  /**
   * Registers a direct upload once its bytes land under `direct/` in the files bucket: copies,
   * validates and hands the file to its provider, streamed like uploads-complete (same memory). A
   * 199 MB, 46,640-request file took 10 s locally; 120 s leaves room for a slow provider upload and
   * stays under Lambda's retry delays (1 + 2 min), so a retry can take over from a run that died.
   */
  registerFile: { operation: 'files-register', memoryMb: 1024, timeoutSeconds: 120, bucket: 'files', keyPrefix: 'direct/' },
} as const;

/** Functions an EventBridge schedule invokes (lambda/handlers/<operation>.ts). */
export const SCHEDULED_FUNCTIONS = {
  /**
   * Removes files past their expires_at (reads hide them at once; this frees their storage and the
   * provider's copy). One Query per day swept and a delete per file: an hour between runs keeps a
   * file's bytes at most about an hour past its expiry.
   */
  expireFiles: { operation: 'files-expire', memoryMb: 256, timeoutSeconds: 300, everyMinutes: 60 },
} as const;

/**
 * The web console's page and its built assets (console/, built by esbuild): served without a gateway
 * key, at the stage root rather than under API_PREFIXES, because a browser cannot send a header when it
 * opens a page. They hold no data; the page calls the API above with the key the user enters.
 */
export const CONSOLE_FUNCTION = {
  operation: 'console-assets',
  memoryMb: 256,
  timeoutSeconds: 5,
  paths: ['/console', '/console/{asset}'],
} as const;
/** Webhook delivery (lib/webhooks/webhook-delivery.ts): the tracker's terminal event → queue → endpoint. */
export const WEBHOOK_FUNCTIONS = {
  /** EventBridge rule target: one queued delivery per matching endpoint. */
  fanOut: { operation: 'webhooks-fan-out', memoryMb: 256, timeoutSeconds: 30 },
  /**
   * SQS event source, up to 10 messages at once, delivered in parallel: each attempt waits at most
   * 10 s for its receiver (FINOPS_WEBHOOK_TIMEOUT_MS), so 30 s leaves room for DNS, KMS and the table.
   */
  deliver: { operation: 'webhooks-deliver', memoryMb: 256, timeoutSeconds: 30, batchSize: 10 },
} as const;

export const AUTHORIZER_FUNCTION = { operation: 'authorizer', memoryMb: 256, timeoutSeconds: 5 } as const;
