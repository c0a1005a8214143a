// OpenAI's batch queue limit: each organization may have at most so many tokens enqueued (in batches
// not yet finished) per model. A batch that would exceed it is accepted, then fails during validation
// with errors[].code `token_limit_exceeded` and no request run, e.g.
//   "Enqueued token limit reached for gpt-4o-mini in organization org-…. Limit: 2,000,000 enqueued
//    tokens. Please try again once some in_progress batches have been completed."
// (openai/openai-python#2084; https://platform.openai.com/docs/guides/batch "Rate limits"). Off unless
// FINOPS_SIM_OPENAI_ENQUEUED_TOKEN_LIMIT is set (tokens per model), so other tests are unaffected.

/** A rough token count of a request line (4 characters a token), as the limit only needs to be crossed. */
export function estimatedTokens(lines: Array<{ body: unknown }>): number {
  return lines.reduce((sum, line) => sum + Math.ceil(JSON.stringify(line.body ?? '').length / 4), 0);
}

export function enqueuedTokenLimit(): number | null {
  const value = Number(process.env.FINOPS_SIM_OPENAI_ENQUEUED_TOKEN_LIMIT);
  return Number.isFinite(value) && value > 0 ? value : null;
}

export function tokenLimitError(model: string, limit: number) {
  return {
    code: 'token_limit_exceeded',
    message: `Enqueued token limit reached for ${model} in organization org-simulated. Limit: ${limit.toLocaleString('en-US')} enqueued tokens. Please try again once some in_progress batches have been completed.`,
    param: null,
    line: null,
  };
}
