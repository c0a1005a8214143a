// One HTTP exchange with a Google API (Vertex AI or the Cloud Storage JSON API) as the service account:
// bearer token, timeout, and Google's errors mapped to what the tracker acts on.
import { Readable } from 'node:stream';
import { GatewayError } from '#lambda/http/errors';
import { ProviderLostBatchError, ProviderUnavailableError, describeError, isTransientStatus } from '#lambda/providers/errors';
import { parseGoogleError, retryAfterSeconds } from '#lambda/providers/gemini/client';
import { accessToken, type ServiceAccountKey } from './auth';

export interface Exchange {
  status: number;
  headers: Headers;
  text: string;
}

export interface RequestInit {
  method: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the bearer token (default true); false for a URL that is its own credential (an upload session). */
  auth?: boolean;
}

export class GoogleHttp {
  constructor(
    private readonly key: ServiceAccountKey,
    readonly timeoutMs: number,
    private readonly label: string,
  ) {}

  /** Body read in full; network failures and timeouts → ProviderUnavailableError. */
  async exchange(url: string, init: RequestInit): Promise<Exchange> {
    const response = await this.open(url, init);
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** The timeout covers the wait for the headers only, so a large body may take its time. */
  async open(url: string, init: RequestInit): Promise<Response> {
    const token = init.auth === false ? null : await accessToken(this.key, this.timeoutMs);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      return await fetch(url, {
        method: init.method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) },
        body: init.body as BodyInit | undefined,
        signal: controller.signal,
      });
    } catch (err) {
      const reason = controller.signal.aborted ? `timed out after ${this.timeoutMs} ms` : describeError(err);
      throw new ProviderUnavailableError(`${this.label} could not be reached: ${reason}.`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A JSON answer, or the mapped error. `knownJob`: a 404 means the provider lost this job. */
  async json<T>(url: string, init: RequestInit, knownJob?: string): Promise<T> {
    const answer = await this.exchange(url, init);
    if (answer.status >= 400) throw this.errorFor(answer, knownJob);
    return (answer.text ? JSON.parse(answer.text) : {}) as T;
  }

  errorFor(answer: Exchange, knownJob?: string): Error {
    return toGoogleError(this.label, answer.status, answer.text, answer.headers.get('retry-after'), knownJob);
  }
}

/**
 * - 408/409/429/5xx → ProviderUnavailableError (retry, honouring Retry-After or RetryInfo);
 * - 404 on a job we created → ProviderLostBatchError;
 * - 401, 403 → 502 provider_auth_error: the gateway's service account lacks a token or a role, not the
 *   client's fault (Google's message names the missing permission);
 * - other 4xx → 400 with Google's message.
 */
export function toGoogleError(label: string, status: number, bodyText: string, retryAfterHeader: string | null, knownJob?: string): Error {
  const error = parseGoogleError(bodyText);
  const message = error.message || `HTTP ${status}`;
  const tag = error.status ? `${status} ${error.status}` : String(status);
  if (isTransientStatus(status))
    return new ProviderUnavailableError(`${label} is unavailable (${tag}): ${message}`, retryAfterSeconds(retryAfterHeader, error), status);
  if (status === 404 && knownJob) return new ProviderLostBatchError(`${label} no longer knows ${knownJob} (${tag}): ${message}`);
  if (status === 401 || status === 403) {
    return new GatewayError(
      502,
      `${label} refused the gateway's service account (${tag}): ${message}`,
      'server_error',
      null,
      'provider_auth_error',
    );
  }
  return new GatewayError(
    status === 413 ? 413 : 400,
    `${label} rejected the request (${tag}): ${message}`,
    'invalid_request_error',
    null,
    error.status ? error.status.toLowerCase() : 'provider_error',
  );
}

/** A streamed body whose interruption is a transient failure (the collect step is retried). */
export async function* bodyChunks(response: Response, what: string): AsyncGenerator<Uint8Array> {
  if (!response.body) return;
  try {
    for await (const chunk of Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>))
      yield chunk as Uint8Array;
  } catch (err) {
    throw new ProviderUnavailableError(`The download of ${what} was interrupted: ${describeError(err)}.`);
  }
}
