// Rules the real Claude models enforce on a Messages body, on Anthropic and on Bedrock alike, kept apart
// from the simulators' plumbing and independent of the gateway's capability table (so the simulators
// check the gateway instead of echoing it). Sources: docs/providers.md, "Claude".
//
// Each rule answers the real API's message for a body it refuses, or null.

/** The model's Claude version (4.5 for claude-sonnet-4-5-…, 3.7 for claude-3-7-sonnet-…), or null. */
function version(model: string): number | null {
  const named = /claude-(?:opus|sonnet|haiku|fable)-(\d{1,2})(?:-(\d{1,2}))?(?!\d)/.exec(model);
  if (named) return Number(named[1]) + (named[2] ? Number(named[2]) / 10 : 0);
  const old = /claude-(\d)(?:-(\d))?-(?:opus|sonnet|haiku)/.exec(model);
  return old ? Number(old[1]) + (old[2] ? Number(old[2]) / 10 : 0) : null;
}

const given = (value: unknown) => value !== undefined && value !== null;

/** Opus 4.1 … 4.6, Sonnet 4.5/4.6, Haiku 4.5: temperature or top_p, never both. */
function bothSamplingParameters(model: string, body: Record<string, unknown>): string | null {
  const v = version(model);
  if (v === null || v < 4.1 || v >= 4.7) return null;
  return given(body.temperature) && given(body.top_p)
    ? '`temperature` and `top_p` cannot both be specified for this model. Please use only one.'
    : null;
}

/** Opus 4.7+, Sonnet 5+: the sampling parameters are gone; any explicit value is refused. */
function removedSamplingParameters(model: string, body: Record<string, unknown>): string | null {
  const v = version(model);
  if (v === null || v < 4.7) return null;
  for (const field of ['temperature', 'top_p', 'top_k']) if (given(body[field])) return `\`${field}\` is deprecated for this model.`;
  return null;
}

const RULES = [bothSamplingParameters, removedSamplingParameters];

/** The message of the first rule a Messages body breaks for this model, or null. */
export function claudeRuleViolation(model: string, body: Record<string, unknown>): string | null {
  for (const rule of RULES) {
    const problem = rule(model, body);
    if (problem) return problem;
  }
  return null;
}
