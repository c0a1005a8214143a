// Bedrock's error wire: JSON {message} with the exception name in the x-amzn-ErrorType header
// (AWS REST JSON protocol), on the simulator kit's HttpError; and the model errors of an InvokeModel
// or Converse call mapped onto it.
import { HttpError } from '#local/simulators/kit/index';
import { ModelError } from './model-common';

export class AwsError extends HttpError {
  constructor(
    statusCode: number,
    readonly type: string,
    message: string,
  ) {
    super(statusCode, message, { 'x-amzn-errortype': type });
  }
}

export const validation = (message: string) => new AwsError(400, 'ValidationException', message);

/** A model's refusal on the runtime API: a 5xx is InternalServerException, anything else a ValidationException. */
export function runtimeErrorOf(err: unknown): unknown {
  if (!(err instanceof ModelError)) return err;
  return err.status >= 500 ? new AwsError(500, 'InternalServerException', err.message) : validation(err.message);
}
