// The sink adapters stream results into: successful lines to the output file, the rest to the error
// file, with stable line ids, counts and summed token usage. Files get ids derived from the batch id,
// so collecting twice rewrites the same two files instead of making new ones.
import { batchRequestId, resultFileId } from '#lambda/ids';
import { isSuccess, notRunLine } from '#lambda/openai/output-lines';
import { inputCustomIds, snapshottedCustomIds } from './custom-ids';
import type { BatchRequestOutput, BatchUsage, ChatCompletionUsage, RequestCounts } from '#contracts/openai-types';
import type { ResultSink, UnansweredReason } from '#lambda/providers/provider';
import type { BlobStore, LineWriter } from '#lambda/store/blobs';
import type { BatchRecord, BlobLocation, FileRecord } from '#contracts/records';
import { nowSeconds } from '#lambda/time';
import type { Outcome } from './decide';
import { RESPONSES_ENDPOINT } from '#lambda/batch-files/endpoints';
import { chatCompletionToResponse, isChatCompletion, type ResponseUsage } from '#lambda/openai/response-object';

const NOT_RUN_CODE: Record<Exclude<Outcome, 'completed'>, 'batch_expired' | 'batch_cancelled' | 'batch_failed'> = {
  expired: 'batch_expired',
  cancelled: 'batch_cancelled',
  failed: 'batch_failed',
};

/**
 * A request that never ran gets its reason from how the batch ended: when the gateway expired or
 * cancelled a batch, the provider may still call its unrun requests "failed" or "cancelled".
 */
export function explainNotRun(line: Omit<BatchRequestOutput, 'id'>, outcome: Outcome): Omit<BatchRequestOutput, 'id'> {
  if (outcome === 'completed' || line.response !== null || !line.error) return line;
  if (!['batch_expired', 'batch_cancelled', 'batch_failed'].includes(line.error.code)) return line;
  const code = NOT_RUN_CODE[outcome];
  return code === line.error.code ? line : notRunLine(line.custom_id, code);
}

export interface CollectedResults {
  outputFile: FileRecord | null;
  errorFile: FileRecord | null;
  requestCounts: RequestCounts;
  usage: BatchUsage | null;
  /** Per-model usage, for cost accounting. */
  usageByModel: Record<string, BatchUsage>;
}

export function emptyUsage(): BatchUsage {
  return {
    input_tokens: 0,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 0,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 0,
  };
}

/** Adds one usage block to a batch usage total: chat.completion names, or a Response's (input_tokens/output_tokens). */
export function addUsage(total: BatchUsage, usage: ChatCompletionUsage | ResponseUsage | undefined): void {
  if (!usage) return;
  const chat = 'prompt_tokens' in usage || 'completion_tokens' in usage;
  const input = (chat ? (usage as ChatCompletionUsage).prompt_tokens : (usage as ResponseUsage).input_tokens) ?? 0;
  const output = (chat ? (usage as ChatCompletionUsage).completion_tokens : (usage as ResponseUsage).output_tokens) ?? 0;
  const details = chat
    ? {
        cached: (usage as ChatCompletionUsage).prompt_tokens_details?.cached_tokens,
        reasoning: (usage as ChatCompletionUsage).completion_tokens_details?.reasoning_tokens,
      }
    : {
        cached: (usage as ResponseUsage).input_tokens_details?.cached_tokens,
        reasoning: (usage as ResponseUsage).output_tokens_details?.reasoning_tokens,
      };
  total.input_tokens += input;
  total.output_tokens += output;
  total.total_tokens += usage.total_tokens ?? input + output;
  total.input_tokens_details.cached_tokens += details.cached ?? 0;
  total.output_tokens_details.reasoning_tokens += details.reasoning ?? 0;
}

/** A Responses batch's lines carry Response objects: a translated provider's chat.completion becomes one. */
function inEndpointShape(line: Omit<BatchRequestOutput, 'id'>, endpoint: string): Omit<BatchRequestOutput, 'id'> {
  if (endpoint !== RESPONSES_ENDPOINT || !line.response || !isChatCompletion(line.response.body)) return line;
  return { ...line, response: { ...line.response, body: chatCompletionToResponse(line.response.body) } };
}

export class ResultFiles implements ResultSink {
  private readonly output: LineWriter;
  private readonly errors: LineWriter;
  private readonly seen = new Set<string>();
  private readonly usage = emptyUsage();
  private readonly usageByModel: Record<string, BatchUsage> = {};
  private succeeded = 0;
  private failed = 0;
  private duplicates = 0;
  private filledIn = 0;

  /**
   * @param unansweredMessage why the requests nobody answered did not run (default: the adapter's reason, else by outcome)
   * @param inputBlob the input file, for batches without a custom_id snapshot (recorded before it existed)
   */
  constructor(
    private readonly blobs: BlobStore,
    private readonly batch: BatchRecord,
    private readonly bucket: string,
    private readonly outcome: Outcome = 'completed',
    private readonly unansweredMessage?: string,
    private readonly inputBlob?: BlobLocation,
  ) {
    this.output = blobs.openLineWriter(this.location('output'));
    this.errors = blobs.openLineWriter(this.location('error'));
  }

  private location(kind: 'output' | 'error'): BlobLocation {
    return { bucket: this.bucket, key: `results/${this.batch.tenantId}/${this.batch.id}/${kind}.jsonl` };
  }

  /** The sink one provider job of a mixed-model batch writes into: its lines count on the job's model. */
  forModel(model: string): ResultSink {
    return { write: (line) => this.write(line, model) };
  }

  /** `jobModel`: the model usage is counted on (a job's, for a mixed-model batch). */
  async write(line: Omit<BatchRequestOutput, 'id'>, jobModel: string | null = this.batch.model): Promise<void> {
    // A provider that repeats a result (retried download, duplicate record) must not duplicate a line.
    if (this.seen.has(line.custom_id)) {
      this.duplicates += 1;
      return;
    }
    this.seen.add(line.custom_id);
    line = inEndpointShape(explainNotRun(line, this.outcome), this.batch.endpoint);
    const full: BatchRequestOutput = {
      id: batchRequestId(this.batch.id, line.custom_id),
      custom_id: line.custom_id,
      response: line.response,
      error: line.error,
    };
    if (isSuccess(line)) {
      this.succeeded += 1;
      const body = line.response?.body as { usage?: ChatCompletionUsage | ResponseUsage; model?: string } | undefined;
      addUsage(this.usage, body?.usage);
      const model = jobModel ?? body?.model ?? 'unknown';
      addUsage((this.usageByModel[model] ??= emptyUsage()), body?.usage);
      await this.output.writeLine(JSON.stringify(full));
    } else {
      this.failed += 1;
      await this.errors.writeLine(JSON.stringify(full));
    }
  }

  get duplicateCount(): number {
    return this.duplicates;
  }

  /** Requests the provider returned nothing for, answered by close() from the custom_id snapshot. */
  get filledInCount(): number {
    return this.filledIn;
  }

  /**
   * Every request of the batch comes out exactly once: what the adapters did not write (the provider
   * never ran the batch, lost a line, the batch expired or was cancelled) is answered here, from the
   * snapshot "Prepare input" took, so the input file itself is never needed again. Batches recorded
   * before the snapshot existed read their custom_ids from the input file (`inputBlob`), when it is there.
   * `reason`: why the provider left them out, when its adapter knows (else from the outcome).
   */
  private async answerTheRest(reason?: UnansweredReason): Promise<void> {
    const ids = this.batch.customIdsBlob
      ? snapshottedCustomIds(this.blobs, this.batch.customIdsBlob)
      : this.inputBlob
        ? inputCustomIds(this.blobs, this.inputBlob)
        : null;
    if (!ids) return;
    const code = reason?.code ?? (this.outcome === 'completed' ? 'batch_failed' : NOT_RUN_CODE[this.outcome]);
    const message =
      this.unansweredMessage ??
      reason?.message ??
      (this.outcome === 'completed' ? 'The provider returned no result for this request.' : undefined);
    for await (const customId of ids) {
      if (this.seen.has(customId)) continue;
      this.filledIn += 1;
      await this.write(notRunLine(customId, code, message));
    }
  }

  async abort(): Promise<void> {
    await Promise.all([this.output.abort(), this.errors.abort()]);
  }

  /** Answers every request nobody wrote, then finishes both files; a file with no lines is deleted rather than registered. */
  async close(reason?: UnansweredReason): Promise<CollectedResults> {
    await this.answerTheRest(reason);
    const [out, err] = await Promise.all([this.output.close(), this.errors.close()]);
    const createdAt = nowSeconds();
    const register = async (kind: 'output' | 'error', written: { bytes: number; lines: number }): Promise<FileRecord | null> => {
      if (written.lines === 0) {
        await this.blobs.delete(this.location(kind)).catch(() => undefined);
        return null;
      }
      return {
        id: resultFileId(this.batch.id, kind),
        tenantId: this.batch.tenantId,
        provider: this.batch.provider,
        filename: `${this.batch.id}_${kind}.jsonl`,
        purpose: 'batch_output',
        bytes: written.bytes,
        createdAt,
        expiresAt: this.batch.outputExpiresAfterSeconds ? createdAt + this.batch.outputExpiresAfterSeconds : null,
        status: 'processed',
        statusDetails: null,
        blob: this.location(kind),
        lineCount: written.lines,
        batchId: this.batch.id,
      };
    };
    const total = Math.max(this.batch.requestCounts.total, this.succeeded + this.failed);
    return {
      outputFile: await register('output', out),
      errorFile: await register('error', err),
      requestCounts: { total, completed: this.succeeded, failed: this.failed },
      usage: this.succeeded > 0 ? this.usage : null,
      usageByModel: this.usageByModel,
    };
  }
}
