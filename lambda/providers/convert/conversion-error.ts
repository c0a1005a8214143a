// The one error every request converter throws (Anthropic, Bedrock's families, Gemini, Responses).
import { GatewayError } from '#lambda/http/errors';
import { LineError } from '#lambda/batch-files/lines';

/**
 * A request line that cannot be expressed for its provider or model. `field` is the path of the
 * offending field (`body.tools`, `messages[2].content[0]`: each converter keeps its own convention),
 * `detail` the whole sentence; `atLine` adds the input line number to the message.
 */
export class ConversionError extends GatewayError {
  constructor(
    readonly field: string,
    readonly detail: string,
    readonly line: number | null = null,
    code = 'unsupported_for_model',
  ) {
    super(400, line === null ? detail : `Line ${line}: ${detail}`, 'invalid_request_error', field, code);
    this.name = 'ConversionError';
  }

  /** The same error, naming the input line. */
  atLine(line: number): ConversionError {
    return new ConversionError(this.field, this.detail, line, this.code ?? undefined);
  }
}

/**
 * Runs a converter on input line `line` of an upload: its ConversionError becomes the upload's 400
 * naming the line (`code`, e.g. `unsupported_for_gemini`); any other error passes as it is.
 */
export function convertAtLine<T>(line: number, code: string, convert: () => T): T {
  try {
    return convert();
  } catch (err) {
    if (err instanceof ConversionError) throw new LineError(line, `Line ${line}: ${err.message}`, code);
    throw err;
  }
}
