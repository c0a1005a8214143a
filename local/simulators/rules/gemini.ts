// Rules the real Gemini models enforce on a GenerateContentRequest, kept apart from the simulator's
// plumbing and independent of the gateway's capability table. Sources: docs/providers.md, "Gemini".
// Each rule answers the real API's INVALID_ARGUMENT message for a request it refuses, or null.

type Part = { text?: string; functionCall?: { name?: string }; functionResponse?: unknown; thoughtSignature?: string };
type Content = { role?: string; parts?: Part[] };
type ThinkingConfig = { thinkingBudget?: number; thinkingLevel?: string };

/** 3 for gemini-3-pro-preview, 3.1 for gemini-3.1-flash-lite-preview, 2.5 …; null when not a Gemini id. */
function version(model: string): number | null {
  const match = /gemini-(\d+(?:\.\d+)?)-/.exec(model);
  return match ? Number(match[1]) : null;
}

const isPro = (model: string) => /-pro\b/.test(model);

function thinkingConfig(request: Record<string, unknown>): ThinkingConfig | undefined {
  return ((request.generationConfig ?? {}) as { thinkingConfig?: ThinkingConfig }).thinkingConfig;
}

/**
 * Gemini 3: in the current turn (the model steps after the last user message that is not a function
 * response), the first functionCall part of every step must carry a thoughtSignature.
 */
function missingThoughtSignature(model: string, request: Record<string, unknown>): string | null {
  const v = version(model);
  if (v === null || v < 3) return null;
  const contents = (Array.isArray(request.contents) ? request.contents : []) as Content[];
  let turnStart = 0;
  contents.forEach((c, i) => {
    const parts = c.parts ?? [];
    if ((c.role ?? 'user') === 'user' && parts.some((p) => !p.functionResponse)) turnStart = i + 1;
  });
  for (let i = turnStart; i < contents.length; i++) {
    const parts = contents[i].parts ?? [];
    const position = parts.findIndex((p) => p.functionCall);
    if (contents[i].role === 'model' && position >= 0 && !parts[position].thoughtSignature) {
      return (
        'Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. ' +
        `Additional data, function call \`default_api:${parts[position].functionCall!.name}\` , position ${position + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`
      );
    }
  }
  return null;
}

/** thinkingLevel and thinkingBudget exclude each other; thinkingLevel exists from Gemini 3 on. */
function thinkingLevelRules(model: string, request: Record<string, unknown>): string | null {
  const config = thinkingConfig(request);
  if (config?.thinkingLevel === undefined) return null;
  if (config.thinkingBudget !== undefined) return 'You can only set only one of thinking budget and thinking level.';
  const v = version(model);
  if (v !== null && v < 3) return 'Thinking level is not supported for this model.';
  const level = String(config.thinkingLevel).toUpperCase();
  const supported = isPro(model) ? ['LOW', 'HIGH'] : ['MINIMAL', 'LOW', 'MEDIUM', 'HIGH'];
  return supported.includes(level)
    ? null
    : `Thinking level ${level} is not supported for this model. Please retry with other thinking level`;
}

/** Gemini 2.5 Pro (and Gemini 3 Pro) only work in thinking mode: a budget of 0 is refused. */
function thinkingOffOnPro(model: string, request: Record<string, unknown>): string | null {
  const v = version(model);
  if (v === null || v < 2.5 || !isPro(model)) return null;
  return thinkingConfig(request)?.thinkingBudget === 0 ? 'Budget 0 is invalid. This model only works in thinking mode.' : null;
}

const RULES = [missingThoughtSignature, thinkingLevelRules, thinkingOffOnPro];

/** The message of the first rule a request breaks for this model, or null. */
export function geminiRuleViolation(model: string, request: Record<string, unknown>): string | null {
  for (const rule of RULES) {
    const problem = rule(model, request);
    if (problem) return problem;
  }
  return null;
}
