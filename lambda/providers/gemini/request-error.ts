/** A request that cannot be expressed for Gemini. `field` is the path in the OpenAI body. */
export class GeminiConversionError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'GeminiConversionError';
  }
}
