// The Bedrock adapter's embeddings path (its hooks call these): staging a line as one or more records
// with a meta line each (which part of which line, the answer's encoding, the token estimate), and
// joining the records' answers back into one OpenAI line per custom_id (embedding-parts.ts).
import type { BatchRecord, FileRecord } from '#contracts/records';
import { inputRequests } from '#lambda/batch-files/validate';
import type { BatchRequestInput } from '#contracts/openai-types';
import type { EmbeddingRequest } from '#lambda/batch-files/embeddings';
import type { ProviderBatchState, ProviderContext, ResultSink } from '#lambda/providers/provider';
import { countsInLines, PartJoiner, type LineShape, type NotRunCode, type PartOutcome } from '#lambda/providers/embedding-parts';
import { embeddingFamilyOf, fromEmbeddingOutput, toEmbeddingRecords, type EmbeddingFamily, type EmbeddingRecordMeta } from './embeddings';
import { recordIdFor, type BedrockOutputRecord } from './records';
import { errorStatusOf, errorTypeOf } from './results';
import { s3CallError } from './aws-errors';
import { toS3Uri } from './s3-locations';

export const isEmbeddingFamily = (family: string): family is EmbeddingFamily => family === 'titan-embed' || family === 'cohere-embed';

/** The records of one embeddings line and their meta lines, in order. */
export function stagedEmbeddingRecords(
  request: BatchRequestInput,
  family: EmbeddingFamily,
  line: number,
): Array<{ modelInput: Record<string, unknown>; meta: EmbeddingRecordMeta }> {
  const { records, encodingFormat } = toEmbeddingRecords(request.body as unknown as EmbeddingRequest, family, line);
  return records.map((record, part) => ({
    modelInput: record.modelInput,
    meta: { part, parts: records.length, encodingFormat, estimatedTokens: record.estimatedTokens },
  }));
}

/**
 * At upload: every line whose model is a Bedrock embedding model converts (the same conversion the
 * batch's submission runs), so a line Bedrock cannot run is a 400 naming it. Lines of other models
 * are left to batches.create, which refuses a model that is not an embeddings model.
 */
export async function checkEmbeddingLines(ctx: ProviderContext, file: FileRecord): Promise<void> {
  for await (const { line, request } of inputRequests(ctx.blobs.readLines(file.blob))) {
    const family = embeddingFamilyOf(String(request.body.model));
    if (family) stagedEmbeddingRecords(request, family, line);
  }
}

/** Where a batch keeps the meta lines: beside its custom_ids, one line per record. */
export const embeddingMetaKey = (customIdsKey: string) => customIdsKey.replace(/custom-ids\.jsonl$/, 'embedding-records.jsonl');

function outcomeOf(record: BedrockOutputRecord, family: EmbeddingFamily, meta: EmbeddingRecordMeta): PartOutcome {
  if (record.error) {
    const status = errorStatusOf(record.error.errorCode);
    const message =
      record.error.errorMessage || `Bedrock could not process this request (error ${String(record.error.errorCode ?? 'unknown')}).`;
    return { ok: false, status, message, type: errorTypeOf(status), code: null };
  }
  try {
    return fromEmbeddingOutput(record.modelOutput, family, meta.estimatedTokens);
  } catch (err) {
    return {
      ok: false,
      status: 502,
      message: `Bedrock returned output the gateway could not read: ${(err as Error).message}.`,
      type: 'server_error',
      code: 'unreadable_provider_output',
    };
  }
}

/**
 * Takes a finished batch's records (in any order) and writes one OpenAI line per custom_id. The
 * adapter calls `record` for each output record it reads and `finish` once at the end.
 */
export class EmbeddingResultSink {
  private readonly joiner: PartJoiner;

  private constructor(
    private readonly family: EmbeddingFamily,
    private readonly customIds: readonly string[],
    private readonly meta: readonly EmbeddingRecordMeta[],
    private readonly requestIdPrefix: string,
    model: string,
    sink: ResultSink,
  ) {
    this.joiner = new PartJoiner((line) => sink.write(line), model);
  }

  static async open(
    ctx: ProviderContext,
    batch: BatchRecord,
    data: { family: EmbeddingFamily; inputBucket: string; customIdsKey: string; recordCount: number },
    customIds: readonly string[],
    requestIdPrefix: string,
    sink: ResultSink,
  ): Promise<EmbeddingResultSink> {
    const location = { bucket: data.inputBucket, key: embeddingMetaKey(data.customIdsKey) };
    const meta: EmbeddingRecordMeta[] = [];
    try {
      for await (const line of ctx.blobs.readLines(location)) if (line.text !== '') meta.push(JSON.parse(line.text) as EmbeddingRecordMeta);
    } catch (err) {
      throw s3CallError(err, 'read', toS3Uri(location));
    }
    if (meta.length !== data.recordCount)
      throw new Error(`embedding-records.jsonl has ${meta.length} entries for ${data.recordCount} records`);
    return new EmbeddingResultSink(data.family, customIds, meta, requestIdPrefix, batch.model ?? '', sink);
  }

  private shapeAt(index: number): LineShape {
    const meta = this.meta[index];
    // A line's answer is named after its first record, as a one-record line's is.
    return {
      customId: this.customIds[index],
      parts: meta.parts,
      encodingFormat: meta.encodingFormat,
      requestId: `${this.requestIdPrefix}-${recordIdFor(index - meta.part)}`,
    };
  }

  async record(index: number, record: BedrockOutputRecord): Promise<void> {
    await this.joiner.add(this.shapeAt(index), this.meta[index].part, outcomeOf(record, this.family, this.meta[index]));
  }

  /** Every line not answered in full gets its one line (its part's error, or `code`). */
  async finish(code: NotRunCode, message?: string): Promise<void> {
    const starts = function* (this: EmbeddingResultSink) {
      for (let i = 0; i < this.meta.length; i++) if (this.meta[i].part === 0) yield this.shapeAt(i);
    };
    await this.joiner.finish(starts.call(this), code, message);
  }
}

/** A check's record counters in lines (embedding-parts.ts countsInLines). */
export function inLines(state: ProviderBatchState, data: { recordCount: number; lineCount?: number }): ProviderBatchState {
  if (data.lineCount === undefined || !state.requestCounts) return state;
  return { ...state, requestCounts: countsInLines(state.requestCounts, data.lineCount, data.recordCount) };
}
