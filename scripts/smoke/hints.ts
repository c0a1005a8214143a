// What a failed smoke step tells the operator to check, from the error it got. The gateway answers in
// OpenAI's error shape, so the status and code say most of it; a connection error says the URL is wrong
// or nothing listens there.
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { StepFailure } from './steps';

export interface ExplainedError {
  message: string;
  hint?: string;
}

const BY_STATUS: Record<number, string> = {
  401: 'the gateway refused the key: pass a key the gateway issued as --api-key (npm run keys -- create --name smoke, with --table <RecordsTable> for a deployed stack); a new or revoked key takes up to 60 s to count (authorizer cache)',
  403: 'API Gateway refused the request: --base-url must be the stack output OpenAIBaseUrl, ending in /prod/openai',
  404: 'wrong path or unknown id: --base-url must end in /openai (the stack output OpenAIBaseUrl), not /openai/v1/… or the stage root',
  402: "the key's monthly budget is used up: raise it (npm run keys) or use another key",
  413: 'the request was larger than API Gateway accepts (10 MB): lower --redirect-bytes',
  429: 'throttled: the stage allows apiRateLimit/apiBurstLimit requests per second (stack properties), or the provider rate-limited the gateway; try again later or raise the limits',
};

/** Gateway error codes that say more than the status (lambda/providers/*: the provider refused the gateway). */
const BY_CODE: Record<string, string> = {
  provider_auth_error:
    "the provider refused the gateway's own key: put a valid key in the stack's secret for that provider (aws secretsmanager put-secret-value --secret-id <…SecretArn output> --secret-string <key>); functions pick it up within 5 minutes",
  provider_access_denied:
    "Bedrock refused: enable the model in the Bedrock console (model access) in the stack's region, or pick another with --model bedrock=…",
  provider_quota_exceeded: "the provider's batch quota is reached: wait for running jobs or raise the quota",
  budget_exceeded: "the key's monthly budget is used up: raise it (npm run keys) or use another key",
};

export function hintFor(err: unknown): ExplainedError {
  if (err instanceof StepFailure) return { message: err.message, hint: err.hint };
  if (err instanceof APIConnectionTimeoutError) {
    return {
      message: `request timed out (${err.message})`,
      hint: "the gateway did not answer in time: check --base-url, the API stage, and the functions' logs in CloudWatch",
    };
  }
  if (err instanceof APIConnectionError) {
    // fetch wraps the socket error: TypeError('fetch failed') with the real one (ECONNREFUSED…) as its cause.
    const cause = (err as { cause?: { message?: string; code?: string; cause?: { code?: string; message?: string } } }).cause;
    const detail = cause?.cause?.code ?? cause?.cause?.message ?? cause?.code ?? cause?.message ?? err.message;
    return {
      message: `could not connect (${detail})`,
      hint: 'nothing answered at --base-url: is the gateway running (npm start) or deployed, and is the URL the stack output OpenAIBaseUrl?',
    };
  }
  if (err instanceof APIError && err.status !== undefined) {
    const requestId = err.requestID ? ` [x-request-id ${err.requestID}]` : '';
    const message = `HTTP ${err.status}${err.code ? ` ${err.code}` : ''}: ${apiMessage(err)}${requestId}`;
    return {
      message,
      hint: (err.code ? BY_CODE[err.code] : undefined) ?? BY_STATUS[err.status] ?? (err.status >= 500 ? serverErrorHint(err) : undefined),
    };
  }
  return { message: err instanceof Error ? err.message : String(err) };
}

function apiMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : err.message;
}

function serverErrorHint(err: APIError): string {
  const id = err.requestID ? `request id ${err.requestID}` : 'the time of the failure';
  return `the gateway failed inside: search the function logs (CloudWatch Logs, /aws/lambda/…) for ${id}; a provider error there usually means its key is missing from its secret (put-secret-value) or Bedrock model access is off`;
}

/** What a batch that did not complete tells the operator to check. */
export function batchFailureHint(provider: string, status: string, errors: string): string {
  if (status === 'failed' && /auth|api key|401|403|permission|access/i.test(errors)) {
    return provider === 'bedrock'
      ? "Bedrock refused: enable the model in the Bedrock console (model access) in the stack's region, or pick another with --model bedrock=…"
      : `${provider} refused the gateway's provider key: put a valid key in the stack's ${provider} secret (aws secretsmanager put-secret-value)`;
  }
  if (status === 'expired')
    return 'the provider did not finish within the completion window: the provider may be overloaded; try again later';
  return `open the batch's Step Functions execution (named after the batch id) and the tracker functions' logs; errors: ${errors || 'none given'}`;
}
