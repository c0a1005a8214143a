// What each Claude model accepts, as one table shared by the Anthropic provider and Claude on Bedrock
// (the same models enforce the same rules on both APIs). Sources: docs/providers.md, "Claude".
//
// Rows are matched on the model's version, read from any id form: `claude-sonnet-4-5`,
// `claude-sonnet-4-5-20250929`, `anthropic.claude-opus-4-1-20250805-v1:0`, `us.anthropic.claude-…`,
// `claude-3-7-sonnet-20250219`. A Claude id the gateway cannot read a version from gets the strictest
// rule that still lets a line through unchanged in meaning ("one sampling parameter").

/**
 * How a model treats `temperature` and `top_p`:
 * - `both`: either, or both together;
 * - `one`: at most one of them per request; both → 400 "`temperature` and `top_p` cannot both be
 *   specified for this model. Please use only one.";
 * - `none`: the sampling parameters are removed; a non-default value → 400 "`temperature` is
 *   deprecated for this model.".
 */
export type ClaudeSampling = 'both' | 'one' | 'none';

export interface ClaudeCapabilityRow {
  /** Who the row is for, as the README and docs/providers.md name them. */
  models: string;
  /** Lowest version (major + minor / 10) the row covers; rows are read from the highest down. */
  fromVersion: number;
  sampling: ClaudeSampling;
  source: string;
}

export const CLAUDE_CAPABILITIES: readonly ClaudeCapabilityRow[] = [
  {
    models: 'Claude Opus 4.7 and later, Claude Sonnet 5 / Haiku 5 and later',
    fromVersion: 4.7,
    sampling: 'none',
    source: 'Anthropic migration guide (Migrating to Claude Opus 4.7 / Sonnet 5): temperature, top_p, top_k removed; see docs/providers.md',
  },
  {
    models: 'Claude Opus 4.1, 4.5, 4.6, Sonnet 4.5, 4.6, Haiku 4.5',
    fromVersion: 4.1,
    sampling: 'one',
    source:
      'Anthropic migration guide (Claude 4.5: "use only temperature OR top_p, not both"); Bedrock Claude request parameters page; see docs/providers.md',
  },
  {
    models: 'Claude 3, 3.5, 3.7, Opus 4, Sonnet 4',
    fromVersion: 0,
    sampling: 'both',
    source: 'Anthropic Messages API reference (temperature and top_p both optional)',
  },
];

/** The Claude version an id names (4.5 for claude-sonnet-4-5-…, 3.7 for claude-3-7-sonnet-…), or null. */
export function claudeVersion(modelId: string): number | null {
  // New scheme: claude-<tier>-<major>[-<minor>][-<date>]. A minor is one or two digits; a date is eight.
  const named = /claude-(?:opus|sonnet|haiku|fable)-(\d{1,2})(?:-(\d{1,2}))?(?![\d])/.exec(modelId);
  if (named) return Number(named[1]) + (named[2] ? Number(named[2]) / 10 : 0);
  // Old scheme: claude-<major>[-<minor>]-<tier>.
  const old = /claude-(\d)(?:-(\d))?-(?:opus|sonnet|haiku)/.exec(modelId);
  if (old) return Number(old[1]) + (old[2] ? Number(old[2]) / 10 : 0);
  return null;
}

/** The table row for a model id. */
export function claudeCapabilities(modelId: string): ClaudeCapabilityRow {
  const version = claudeVersion(modelId);
  if (version === null) return CLAUDE_CAPABILITIES.find((row) => row.sampling === 'one')!;
  // Rows are ordered from the newest down; 4.1 is read as 4.1, not 4.10 (minors never reach 10).
  return CLAUDE_CAPABILITIES.find((row) => version >= row.fromVersion - 1e-9)!;
}
