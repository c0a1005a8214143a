// What the function bundles (lib/gateway-function.ts) and the code inside them (lambda/) agree on about
// files shipped beside a bundle. Plain data: imports nothing.

/**
 * The folder beside a function's index.js that holds the tokenizer encodings, each its own file loaded
 * on first use (lambda/finops/tokens.ts) instead of parsed with the bundle on every cold start. The
 * name doubles as the marker: a bundle that contains it gets the folder.
 */
export const ENCODINGS_DIR = 'finops-encodings';

/** The gpt-tokenizer encodings the gateway counts OpenAI tokens with (gpt-tokenizer/cjs/encoding/<name>). */
export const TOKENIZER_ENCODINGS = ['o200k_base', 'cl100k_base'] as const;
export type TokenizerEncoding = (typeof TOKENIZER_ENCODINGS)[number];
