/** Gemini's name for the shared converter error (../convert); `field` is the path in the OpenAI body, without `body.`. */
export { ConversionError as GeminiConversionError } from '#lambda/providers/convert/conversion-error';
