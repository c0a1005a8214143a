// One OpenAI embeddings line may take several provider requests: Titan and Gemini embed one text per
// request, Cohere at most 96. This joins the provider's answers back into the line's one OpenAI
// answer, in input order, whatever order the provider wrote them in. Memory: only lines with some but
// not all parts answered are held (providers write a line's parts next to each other in practice, so
// that is a handful), plus one entry per finished line to keep every line exactly once.
import type { BatchRequestOutput, RequestCounts } from '#contracts/openai-types';
import { embeddingList, type EncodingFormat } from '#lambda/batch-files/embeddings';
import { httpErrorLine, notRunLine, successLine } from '#lambda/openai/output-lines';

type Line = Omit<BatchRequestOutput, 'id'>;

/** What the provider answered for one part: its vectors in order and input tokens, or an error. */
export type PartOutcome =
  { ok: true; vectors: number[][]; tokens: number } | { ok: false; status: number; message: string; type: string; code: string | null };

/** How one OpenAI line was split. */
export interface LineShape {
  customId: string;
  parts: number;
  encodingFormat: EncodingFormat;
  /** `response.request_id` of the line's answer (providers give none per request: derived by the adapter). */
  requestId: string;
}

export type NotRunCode = 'batch_expired' | 'batch_cancelled' | 'batch_failed';

/** The OpenAI line for a line whose parts are all in: the first failed part fails it, else the vectors joined. */
export function joinedLine(shape: LineShape, outcomes: readonly PartOutcome[], model: string): Line {
  const failed = outcomes.find((o): o is Extract<PartOutcome, { ok: false }> => !o.ok);
  if (failed) return httpErrorLine(shape.customId, failed.status, shape.requestId, failed.message, failed.type, failed.code);
  const ok = outcomes as Array<Extract<PartOutcome, { ok: true }>>;
  const vectors = ok.flatMap((o) => o.vectors);
  const tokens = ok.reduce((sum, o) => sum + o.tokens, 0);
  return successLine(shape.customId, shape.requestId, embeddingList(vectors, model, tokens, shape.encodingFormat));
}

export class PartJoiner {
  private readonly pending = new Map<string, { outcomes: Array<PartOutcome | undefined>; received: number }>();
  private readonly finished = new Set<string>();

  constructor(
    private readonly write: (line: Line) => Promise<void>,
    private readonly model: string,
  ) {}

  /** Adds one part's outcome; writes the line once its last part is in. A part seen twice is ignored (false). */
  async add(shape: LineShape, part: number, outcome: PartOutcome): Promise<boolean> {
    if (this.finished.has(shape.customId) || part < 0 || part >= shape.parts) return false;
    const entry = this.pending.get(shape.customId) ?? { outcomes: new Array<PartOutcome | undefined>(shape.parts), received: 0 };
    if (entry.outcomes[part]) return false;
    entry.outcomes[part] = outcome;
    entry.received += 1;
    if (entry.received < shape.parts) {
      this.pending.set(shape.customId, entry);
      return true;
    }
    this.pending.delete(shape.customId);
    this.finished.add(shape.customId);
    await this.write(joinedLine(shape, entry.outcomes as PartOutcome[], this.model));
    return true;
  }

  isFinished(customId: string): boolean {
    return this.finished.has(customId);
  }

  /** Lines held with only some parts in. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Ends the batch: every line not written yet gets its one line. A line whose answered parts include
   * an error fails with that error; otherwise it did not run (`code`).
   */
  async finish(lines: Iterable<LineShape> | AsyncIterable<LineShape>, code: NotRunCode, message?: string): Promise<number> {
    let written = 0;
    for await (const shape of lines) {
      if (this.finished.has(shape.customId)) continue;
      const failed = this.pending
        .get(shape.customId)
        ?.outcomes.find((o): o is Extract<PartOutcome, { ok: false }> => o !== undefined && !o.ok);
      this.pending.delete(shape.customId);
      this.finished.add(shape.customId);
      await this.write(
        failed
          ? httpErrorLine(shape.customId, failed.status, shape.requestId, failed.message, failed.type, failed.code)
          : notRunLine(shape.customId, code, message),
      );
      written += 1;
    }
    return written;
  }
}

/**
 * A provider's counters of its requests (parts) as OpenAI request counts (lines): while a batch whose
 * lines took more parts than there are lines runs, its progress is scaled; the result files give the
 * exact counts when it ends.
 */
export function countsInLines(counts: RequestCounts, lines: number, parts: number): RequestCounts {
  if (lines === parts) return counts;
  const scale = (n: number) => Math.min(lines, Math.round((n * lines) / Math.max(1, parts)));
  const completed = scale(counts.completed);
  return { total: lines, completed, failed: Math.min(lines - completed, scale(counts.failed)) };
}
