// custom_id mapping. OpenAI custom_ids may be any string up to 512 characters; Anthropic accepts only
// ^[a-zA-Z0-9_-]{1,64}$. Ids that already fit are sent unchanged; the others get `r<index>`. The
// table that maps them back (a "manifest") lists, per Message Batch, every request it carries, so
// results join back to the client's ids and a request Anthropic never reported is still noticed.

export const ANTHROPIC_CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** One request of a Message Batch: its id when we sent it unchanged, else [id sent, client's id]. */
export type CustomIdEntry = string | [sent: string, original: string];

/** Per Message Batch (in submission order), its requests' ids. */
export type CustomIdManifest = CustomIdEntry[][];

export const sentIdOf = (entry: CustomIdEntry): string => (typeof entry === 'string' ? entry : entry[0]);
export const originalIdOf = (entry: CustomIdEntry): string => (typeof entry === 'string' ? entry : entry[1]);

/**
 * Assigns Anthropic-safe ids, unique within one gateway batch (across all its Message Batches, so a
 * result can never be joined to the wrong request). Deterministic: the same input gives the same ids.
 */
export class CustomIdAssigner {
  private readonly used = new Set<string>();

  /** `index` is the request's 0-based position in the batch. */
  assign(original: string, index: number): CustomIdEntry {
    if (ANTHROPIC_CUSTOM_ID_PATTERN.test(original) && !this.used.has(original)) {
      this.used.add(original);
      return original;
    }
    // A client id such as "r7" may already be taken by an earlier request; add a suffix until free.
    let sent = `r${index}`;
    for (let n = 1; this.used.has(sent); n++) sent = `r${index}_${n}`;
    this.used.add(sent);
    return [sent, original];
  }
}

/** Sent id → client id for one Message Batch's entries. */
export function joinTable(entries: readonly CustomIdEntry[]): Map<string, string> {
  return new Map(entries.map((entry) => [sentIdOf(entry), originalIdOf(entry)]));
}
