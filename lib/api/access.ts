// What each gateway function may touch, as data: one row per operation in contracts/routes.ts
// (API routes, tracker and event functions, authorizer). grantFunctionAccess turns a row into IAM
// grants, so a function's permissions are read here, in one table, rather than pieced together from
// the stack.
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { BedrockBatchAccess } from '#lib/bedrock-access/bedrock-batch-access';
import type { GatewayBuckets } from '#lib/storage/gateway-buckets';
import type { ProviderSecrets } from '#lib/storage/provider-secrets';
import type { CredentialVaultKey } from '#lib/storage/credential-vault-key';
import type { WebhookDelivery } from '#lib/webhooks/webhook-delivery';
import { AUTHORIZER_FUNCTION, EVENT_FUNCTIONS, SCHEDULED_FUNCTIONS, TRACKER_FUNCTIONS, WEBHOOK_FUNCTIONS } from '#contracts/routes';

export interface FunctionAccess {
  /** DynamoDB: `read` = Get/Query/Scan; `readWrite` adds Put/Update/Delete/BatchWrite. */
  readonly records: 'read' | 'readWrite';
  /**
   * S3 objects. `read`: the files, Bedrock staging and allowed buckets (serving content).
   * `readWrite`: read/write/delete the files, Bedrock input and allowed buckets; read/delete Bedrock output.
   * @default - none
   */
  readonly blobs?: 'read' | 'readWrite';
  /** Reads the HTTP providers' API keys from Secrets Manager. */
  readonly providerKeys?: boolean;
  /** Creates, reads, stops and tags Bedrock model invocation jobs and passes the Bedrock service role. */
  readonly bedrockJobs?: boolean;
  /** Calls bedrock:InvokeModel itself (a batch too small for a Bedrock job runs on demand). */
  readonly invokesModels?: boolean;
  /** Starts a batch tracker execution. */
  readonly startsTracker?: boolean;
  /**
   * The credential vault's KMS key (only when the stack allows provider-key pass-through):
   * `seal` = kms:GenerateDataKey (keeps a client's key for a new batch); `open` = kms:Decrypt (calls
   * the provider with it for an existing batch). Discarding needs only the table.
   * @default - none
   */
  readonly credentialVault?: 'seal' | 'open';
  /**
   * Presigns PUTs of direct uploads: s3:PutObject under the direct upload prefix of the files bucket
   * only. A presigned URL acts with the signer's rights, so this is all a client's URL can ever do.
   * @default false
   */
  readonly presignsDirectUploads?: boolean;
  /**
   * The webhook secrets key: `seal` = kms:GenerateDataKey (a new endpoint's or rotated secret),
   * `open` = kms:Decrypt (signing a delivery); both only for webhook-secret encryption contexts.
   * @default - none
   */
  readonly webhookSecrets?: 'seal' | 'open';
  /** sqs:SendMessage on the webhook delivery queue. @default false */
  readonly queuesWebhooks?: boolean;
}

/** The tracker polls providers, turns their results into gateway files and records the outcome. */
const TRACKER_ACCESS: FunctionAccess = {
  records: 'readWrite',
  blobs: 'readWrite',
  providerKeys: true,
  bedrockJobs: true,
  credentialVault: 'open',
};
/** List and retrieve answer from the table alone; the tracker keeps it current. */
const RECORDS_ONLY: FunctionAccess = { records: 'read' };

export const FUNCTION_ACCESS: Readonly<Record<string, FunctionAccess>> = {
  'files-create': { records: 'readWrite', blobs: 'readWrite', providerKeys: true },
  'files-list': RECORDS_ONLY,
  'files-retrieve': RECORDS_ONLY,
  'files-delete': { records: 'readWrite', blobs: 'readWrite', providerKeys: true },
  'files-content': { records: 'read', blobs: 'read' },
  // Records the pending file and signs the client's PUT; never touches an object itself.
  'files-direct-upload': { records: 'readWrite', presignsDirectUploads: true },
  // Copies a direct upload to the file's place, validates it, gives the provider its copy, removes the upload.
  [EVENT_FUNCTIONS.registerFile.operation]: { records: 'readWrite', blobs: 'readWrite', providerKeys: true },
  // Validates, records and starts the tracker; the provider is only called from the tracker (Submit to provider).
  'batches-create': { records: 'readWrite', blobs: 'readWrite', startsTracker: true, credentialVault: 'seal' },
  // Builds the new input file (files.create's path: the provider's copy too, hence the provider keys),
  // then runs batches.create's handler itself, so it needs what both of those do.
  'batches-retry': { records: 'readWrite', blobs: 'readWrite', providerKeys: true, startsTracker: true, credentialVault: 'seal' },
  'batches-list': RECORDS_ONLY,
  // Starts the tracker of a batch whose create was cut off between recording it and starting it (idempotent by name).
  'batches-retrieve': { records: 'read', startsTracker: true },
  // Reads an adapter's id mapping when it is kept as a blob (e.g. a batch split over many Message Batches).
  // blobs readWrite: cancelling an on-demand Bedrock run leaves a marker beside its answers (bedrock/on-demand.ts).
  'batches-cancel': { records: 'readWrite', blobs: 'readWrite', providerKeys: true, bedrockJobs: true, credentialVault: 'open' },
  // The Uploads API stages parts as an S3 multipart upload; completing it stores the file like
  // files.create does, including the provider's copy.
  'uploads-create': { records: 'readWrite', blobs: 'readWrite' },
  'uploads-parts-create': { records: 'readWrite', blobs: 'readWrite' },
  'uploads-complete': { records: 'readWrite', blobs: 'readWrite', providerKeys: true },
  'uploads-cancel': { records: 'readWrite', blobs: 'readWrite' },
  // Cost report computed from the batch records.
  'finops-usage': RECORDS_ONLY,
  // The tenant's keys, their usage aggregates and budget reservations: reads only.
  'finops-budgets': RECORDS_ONLY,
  // The caller's key record (its name); never writes.
  'console-session': RECORDS_ONLY,
  // Reads the input file and the key's budget; writes nothing.
  'finops-estimate': { records: 'read', blobs: 'read' },
  // Snapshots the input's custom_ids next to the batch; talks to no provider.
  [TRACKER_FUNCTIONS.prepareInput.operation]: { records: 'readWrite', blobs: 'readWrite' },
  // Stages the input and creates the provider batch (a small Bedrock batch runs on demand from here on).
  [TRACKER_FUNCTIONS.submitBatch.operation]: TRACKER_ACCESS,
  [TRACKER_FUNCTIONS.checkStatus.operation]: { ...TRACKER_ACCESS, invokesModels: true },
  [TRACKER_FUNCTIONS.collectResults.operation]: TRACKER_ACCESS,
  // Records the failure and discards the batch's sealed provider key (a table delete); talks to no provider.
  [TRACKER_FUNCTIONS.markFailed.operation]: { records: 'readWrite' },
  // Deletes expired files as files-delete does: the provider's copy, the bytes, the record.
  [SCHEDULED_FUNCTIONS.expireFiles.operation]: { records: 'readWrite', blobs: 'readWrite', providerKeys: true },
  // Webhook endpoints: items of the tenant's WEBHOOKS# partition; create and rotate seal a new secret.
  'webhooks-create': { records: 'readWrite', webhookSecrets: 'seal' },
  'webhooks-list': RECORDS_ONLY,
  'webhooks-delete': { records: 'readWrite' },
  'webhooks-rotate': { records: 'readWrite', webhookSecrets: 'seal' },
  // Reads the batch's tenant and its endpoints, queues one delivery per endpoint.
  [WEBHOOK_FUNCTIONS.fanOut.operation]: { records: 'read', queuesWebhooks: true },
  // Opens the endpoint's secrets to sign, records failure streaks and disables an endpoint; its SQS
  // event source grants it the queue's receive/delete/change-visibility.
  [WEBHOOK_FUNCTIONS.deliver.operation]: { records: 'readWrite', webhookSecrets: 'open' },
  // Looks up the caller's gateway key; never writes.
  [AUTHORIZER_FUNCTION.operation]: RECORDS_ONLY,
};

export function accessFor(operation: string): FunctionAccess {
  const access = FUNCTION_ACCESS[operation];
  if (!access) {
    throw new Error(`No access profile for operation "${operation}": add a row to FUNCTION_ACCESS in lib/api/access.ts`);
  }
  return access;
}

/** The resources the table above refers to. */
export interface AccessTargets {
  readonly table: ITable;
  readonly buckets: GatewayBuckets;
  /** Buckets the operator allowed clients to name (the stack's allowedBuckets). */
  readonly allowedBuckets: readonly IBucket[];
  readonly bedrock: BedrockBatchAccess;
  readonly providerSecrets: ProviderSecrets;
  readonly tracker: IStateMachine;
  /** Present only when the stack allows provider-key pass-through. */
  readonly credentialVault?: CredentialVaultKey;
  readonly webhooks: WebhookDelivery;
}

export function grantFunctionAccess(fn: IGrantable, access: FunctionAccess, targets: AccessTargets): void {
  if (access.records === 'readWrite') targets.table.grantReadWriteData(fn);
  else targets.table.grantReadData(fn);

  const { files, bedrockInput, bedrockOutput } = targets.buckets;
  if (access.blobs === 'read') {
    for (const bucket of [files, bedrockInput, bedrockOutput, ...targets.allowedBuckets]) grantObjects(fn, bucket, OBJECT_READ);
  } else if (access.blobs === 'readWrite') {
    for (const bucket of [files, bedrockInput, ...targets.allowedBuckets]) grantObjects(fn, bucket, OBJECT_READ_WRITE);
    // Bedrock writes the output; the gateway reads it, converts it and cleans up.
    grantObjects(fn, bedrockOutput, OBJECT_READ_DELETE);
  }

  if (access.providerKeys) targets.providerSecrets.grantRead(fn);
  if (access.bedrockJobs) targets.bedrock.grantJobControl(fn);
  if (access.invokesModels) targets.bedrock.grantInvokeModel(fn);
  if (access.startsTracker) targets.tracker.grantStartExecution(fn);
  if (access.credentialVault === 'seal') targets.credentialVault?.grantSeal(fn);
  if (access.credentialVault === 'open') targets.credentialVault?.grantOpen(fn);
  if (access.webhookSecrets === 'seal') targets.webhooks.grantSeal(fn);
  if (access.webhookSecrets === 'open') targets.webhooks.grantOpen(fn);
  if (access.queuesWebhooks) targets.webhooks.grantQueueing(fn);
  if (access.presignsDirectUploads) {
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['s3:PutObject'],
      resourceArns: [files.arnForObjects(`${EVENT_FUNCTIONS.registerFile.keyPrefix}*`)],
    });
  }
}

// Exact S3 actions instead of the bucket's grantRead/grantReadWrite, which add wildcard actions
// (s3:GetObject*, s3:List*, s3:DeleteObject*) and object-lock/ACL/tagging rights the gateway never uses.
// ListBucket makes a missing key answer 404 rather than 403; AbortMultipartUpload and
// ListMultipartUploadParts serve multipart uploads (lib-storage, the Uploads API).
const OBJECT_READ = { bucket: ['s3:ListBucket'], objects: ['s3:GetObject'] };
const OBJECT_READ_WRITE = {
  bucket: ['s3:ListBucket'],
  objects: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
};
const OBJECT_READ_DELETE = { bucket: ['s3:ListBucket'], objects: ['s3:GetObject', 's3:DeleteObject'] };

function grantObjects(grantee: IGrantable, bucket: IBucket, actions: { bucket: string[]; objects: string[] }): void {
  Grant.addToPrincipal({ grantee, actions: actions.bucket, resourceArns: [bucket.bucketArn] });
  Grant.addToPrincipal({ grantee, actions: actions.objects, resourceArns: [bucket.arnForObjects('*')] });
}
