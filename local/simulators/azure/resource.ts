// The simulated Azure OpenAI resource: the OpenAI simulator's account (../openai/account.ts) seen the
// way Azure shows it (files `pending` then `processed`, Azure's Batch objects) and changed the way
// Azure allows (its purposes, file limits, the 24h window, a completed batch's empty error file).
// rules.ts holds the rules as data and pure functions; this is where they meet the account.
import type { IncomingMessage } from 'node:http';
import { ApiError, type SimBatch, type SimFile, type SimulatedAccount } from '#local/simulators/openai/account';
import { checkBatchUpload } from '#local/simulators/openai/jsonl';
import { checkMetadata } from '#local/simulators/openai/params';
import { discard, readJson, readMultipart } from '#local/simulators/openai/wire';
import {
  AZURE_CHAT_ENDPOINT,
  AZURE_MAX_BATCH_FILE_BYTES,
  AZURE_MAX_FILES,
  azureBatchObject,
  azureCreatedBatchObject,
  type OpenAIShapedBatch,
} from './rules';

const FILE_PURPOSES = ['batch', 'fine-tune', 'assistants'];

export type AzureResource = ReturnType<typeof azureResource>;

export function azureResource(account: SimulatedAccount, clock: { stepMs: number; now: () => number }) {
  const nowSeconds = () => Math.floor(clock.now() / 1000);
  /** An upload is processed one step after it arrived (file createdAt is in seconds; the clock's ms decide). */
  const fileStatus = (file: SimFile) =>
    file.purpose !== 'batch' || clock.now() >= file.createdAt * 1000 + clock.stepMs ? 'processed' : 'pending';
  const fileObject = (file: SimFile) => ({
    id: file.id,
    object: 'file',
    bytes: file.content.length,
    created_at: file.createdAt,
    ...(file.expiresAt !== null ? { expires_at: file.expiresAt } : {}),
    filename: file.filename,
    purpose: file.purpose,
    status: fileStatus(file),
    status_details: null,
  });
  const batchView = (id: string) => account.batchObject(account.getBatch(id), clock.now()) as unknown as OpenAIShapedBatch;
  const batchObject = (id: string) => azureBatchObject(batchView(id));
  const upload = (req: IncomingMessage) => uploadFile(account, nowSeconds, req).then(fileObject);

  async function createBatch(req: IncomingMessage) {
    const { inputFileId, window, metadata } = batchParams(await readJson(req));
    const file = account.getFile(inputFileId);
    if (fileStatus(file) !== 'processed')
      throw new ApiError(
        400,
        `File ${file.id} is still being processed (status 'pending'); try again once it is 'processed'.`,
        'invalid_request_error',
        'input_file_id',
        'invalidPayload',
      );
    const batch = account.createBatch({
      inputFileId: file.id,
      endpoint: AZURE_CHAT_ENDPOINT,
      completionWindow: window,
      metadata: checkMetadata(metadata),
      now: clock.now(),
    });
    if (window !== '24h') failValidation(batch, `The completion window must be 24h, got '${window}'.`);
    return azureCreatedBatchObject(batchView(batch.id));
  }

  /** A completed batch always names an error file (an empty one when nothing failed). */
  function completeErrorFiles(): void {
    for (const batch of account.listBatches({ limit: 1_000_000, after: null }).data) {
      if (!batch.settled || batch.errorFileId !== null || batchView(batch.id).status !== 'completed') continue;
      batch.errorFileId = account.addFile({
        filename: `${batch.id}_error.jsonl`,
        purpose: 'batch_output',
        content: Buffer.alloc(0),
        createdAt: nowSeconds(),
        expiresAt: null,
      }).id;
    }
  }

  return { account, fileObject, batchObject, upload, createBatch, completeErrorFiles };
}

/** "If you set any other value than 24h your job will fail": the batch fails validation, running nothing. */
function failValidation(batch: SimBatch, message: string): void {
  batch.requests = [];
  batch.validationErrors.push({ code: 'invalid_request', message, param: 'completion_window', line: null });
}

/** files.create: a multipart form with a file of one of Azure's purposes; batch files are checked and counted. */
async function uploadFile(account: SimulatedAccount, nowSeconds: () => number, req: IncomingMessage): Promise<SimFile> {
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data')) {
    throw (
      await discard(req),
      new ApiError(400, 'Invalid Content-Type header (expected multipart/form-data).', 'invalid_request_error', null, 'invalidPayload')
    );
  }
  const { fields, file } = await readMultipart(req);
  if (!file) throw new ApiError(400, "Missing required parameter: 'file'.", 'invalid_request_error', 'file', 'invalidPayload');
  if (!FILE_PURPOSES.includes(fields.purpose ?? '')) {
    throw new ApiError(
      400,
      `Invalid value for 'purpose': '${fields.purpose ?? ''}'. Supported values are: ${FILE_PURPOSES.join(', ')}.`,
      'invalid_request_error',
      'purpose',
      'invalidPayload',
    );
  }
  if (fields.purpose === 'batch') checkBatchFile(file.content);
  const createdAt = nowSeconds();
  const ttl = Number(fields['expires_after[seconds]'] ?? fields['expires_after.seconds'] ?? NaN);
  const expiresAt = Number.isInteger(ttl) && ttl >= 1_209_600 && ttl <= 2_592_000 ? createdAt + ttl : null;
  if (fields.purpose === 'batch' && expiresAt === null && unexpiringBatchFiles(account) >= AZURE_MAX_FILES) {
    throw new ApiError(
      400,
      `This resource already has ${AZURE_MAX_FILES} batch files without an expiration; delete some or upload with expires_after.`,
      'invalid_request_error',
      'file',
      'quotaExceeded',
    );
  }
  return account.addFile({ filename: file.filename, purpose: fields.purpose, content: file.content, createdAt, expiresAt });
}

function checkBatchFile(content: Buffer): void {
  if (content.length > AZURE_MAX_BATCH_FILE_BYTES)
    throw new ApiError(
      400,
      `Batch input files may be up to ${AZURE_MAX_BATCH_FILE_BYTES} bytes (200 MB).`,
      'invalid_request_error',
      'file',
      'fileTooLarge',
    );
  // A BOM is refused later, while the batch validates (rules.ts), as Azure does.
  const bomless = content.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? content.subarray(3) : content;
  const check = checkBatchUpload(bomless);
  if (!check.ok) throw new ApiError(400, check.message, 'invalid_request_error', 'file', 'invalidPayload');
}

/** The batch files counted against the per-resource limit: those without an expiration. */
const unexpiringBatchFiles = (account: SimulatedAccount) =>
  account
    .listFiles({ limit: 1_000_000, after: null, order: 'desc', purpose: null })
    .data.filter((f) => f.purpose.startsWith('batch') && f.expiresAt === null).length;

/** batches.create's three required strings and the endpoint Azure runs here. */
function batchParams(body: Record<string, unknown>): { inputFileId: string; window: string; metadata: unknown } {
  const { input_file_id: inputFileId, endpoint, completion_window: window } = body;
  for (const [name, value] of [
    ['input_file_id', inputFileId],
    ['endpoint', endpoint],
    ['completion_window', window],
  ] as const) {
    if (typeof value !== 'string')
      throw new ApiError(400, `Missing required parameter: '${name}'.`, 'invalid_request_error', name, 'invalidPayload');
  }
  if (endpoint !== AZURE_CHAT_ENDPOINT) {
    throw new ApiError(
      400,
      `Invalid value for 'endpoint': '${String(endpoint)}'. The simulated resource runs batches for '${AZURE_CHAT_ENDPOINT}'.`,
      'invalid_request_error',
      'endpoint',
      'invalidPayload',
    );
  }
  return { inputFileId: inputFileId as string, window: window as string, metadata: body.metadata };
}
