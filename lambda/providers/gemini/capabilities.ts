// What each Gemini model accepts, as one table read by the request converter (request.ts). Sources:
// docs/providers.md, "Gemini". Rows are matched on the model id's version and tier
// (`gemini-3-pro-preview`, `gemini-3.1-flash-lite-preview`, `gemini-2.5-pro`, …).
import { GeminiConversionError } from './request-error';

/** How thinking is controlled: by a token budget (2.5), by a level (3+), or not at all (1.5, 2.0). */
export type ThinkingControl = 'budget' | 'level' | 'none';
export type ThinkingLevel = 'MINIMAL' | 'LOW' | 'MEDIUM' | 'HIGH';

export interface GeminiCapabilityRow {
  models: string;
  matches: (version: number, tier: string) => boolean;
  thinking: ThinkingControl;
  /** For level models: reasoning_effort → thinkingLevel (an effort without an entry is refused). */
  levels?: Partial<Record<string, ThinkingLevel>>;
  /** For budget models: whether thinking can be turned off (thinkingBudget 0). */
  canDisableThinking?: boolean;
  /** Gemini 3 refuses a functionCall part in the history without a thoughtSignature. */
  needsThoughtSignatures: boolean;
  source: string;
}

export const GEMINI_CAPABILITIES: readonly GeminiCapabilityRow[] = [
  {
    models: 'Gemini 3 / 3.x Pro',
    matches: (v, tier) => v >= 3 && tier === 'pro',
    thinking: 'level',
    // Pro has only LOW and HIGH and cannot turn thinking off: minimal runs as LOW, medium as HIGH.
    levels: { minimal: 'LOW', low: 'LOW', medium: 'HIGH', high: 'HIGH' },
    needsThoughtSignatures: true,
    source:
      'ai.google.dev/gemini-api/docs/thinking (thinking levels per model; Gemini 3 Pro cannot disable thinking); ai.google.dev/gemini-api/docs/thought-signatures',
  },
  {
    models: 'Gemini 3 / 3.x Flash and Flash-Lite',
    matches: (v) => v >= 3,
    thinking: 'level',
    levels: { none: 'MINIMAL', minimal: 'MINIMAL', low: 'LOW', medium: 'MEDIUM', high: 'HIGH' },
    needsThoughtSignatures: true,
    source:
      'ai.google.dev/gemini-api/docs/thinking (Gemini 3 Flash: minimal, low, medium, high); ai.google.dev/gemini-api/docs/thought-signatures',
  },
  {
    models: 'Gemini 2.5 Pro',
    matches: (v, tier) => v >= 2.5 && tier === 'pro',
    thinking: 'budget',
    canDisableThinking: false,
    needsThoughtSignatures: false,
    source: 'ai.google.dev/gemini-api/docs/thinking (budget 128–32768; thinking cannot be turned off for 2.5 Pro)',
  },
  {
    models: 'Gemini 2.5 Flash and Flash-Lite',
    matches: (v) => v >= 2.5,
    thinking: 'budget',
    canDisableThinking: true,
    needsThoughtSignatures: false,
    source: 'ai.google.dev/gemini-api/docs/thinking (thinkingBudget 0 turns thinking off on Flash and Flash-Lite)',
  },
  {
    models: 'Gemini 1.5 and 2.0',
    matches: (v) => v < 2.5,
    thinking: 'none',
    needsThoughtSignatures: false,
    source: 'ai.google.dev/gemini-api/docs/thinking (thinking models are the 2.5 and 3 series)',
  },
];

/** A model id the table cannot read (no version): budgets as before, signatures sent to be safe. */
const UNKNOWN_MODEL: GeminiCapabilityRow = {
  models: 'an unrecognised Gemini model',
  matches: () => true,
  thinking: 'budget',
  canDisableThinking: true,
  needsThoughtSignatures: true,
  source: 'gateway default',
};

export function geminiCapabilities(model: string | undefined): GeminiCapabilityRow {
  const match = /gemini-(\d+(?:\.\d+)?)-(pro|flash)?/.exec(model ?? '');
  if (!match) return UNKNOWN_MODEL;
  const version = Number(match[1]);
  return GEMINI_CAPABILITIES.find((row) => row.matches(version, match[2] ?? '')) ?? UNKNOWN_MODEL;
}

/** reasoning_effort → thinking budget for budget models, as Google's OpenAI-compatibility layer maps it. */
const THINKING_BUDGETS: Record<string, number> = { none: 0, minimal: 512, low: 1024, medium: 8192, high: 24576 };

/** The generationConfig.thinkingConfig for a reasoning_effort on this model; throws naming the field. */
export function thinkingConfigFor(
  effort: unknown,
  model: string | undefined,
): { thinkingBudget?: number; thinkingLevel?: ThinkingLevel } | null {
  const row = geminiCapabilities(model);
  const value = String(effort);
  const refuse = (why: string): never => {
    throw new GeminiConversionError(
      'reasoning_effort',
      `body.reasoning_effort ${JSON.stringify(effort)} is not supported for ${model ?? 'this model'}: ${why}.`,
    );
  };
  if (!(value in THINKING_BUDGETS)) refuse(`use one of ${Object.keys(THINKING_BUDGETS).join(', ')}`);
  switch (row.thinking) {
    case 'none':
      if (value === 'none') return null;
      return refuse(`${row.models} models do not think`);
    case 'level': {
      const level = row.levels?.[value];
      if (!level) return refuse(`${row.models} cannot turn thinking off (use low or high)`);
      return { thinkingLevel: level };
    }
    case 'budget':
      if (value === 'none' && !row.canDisableThinking) refuse(`${row.models} cannot turn thinking off (use minimal or low)`);
      return { thinkingBudget: THINKING_BUDGETS[value] };
  }
}
