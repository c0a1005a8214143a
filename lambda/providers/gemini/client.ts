// The Gemini Developer API over plain fetch (shared/spec/gemini.md §1-2).
//
// Why not the official @google/genai SDK: its files.upload takes a path or a Blob and sends the bytes
// it holds; the gateway must convert an S3 object line by line and upload it without ever holding the
// whole file, which needs the resumable protocol driven by hand. The calls are few and documented, so
// every call goes through this one small client, which also maps errors the way the tracker needs.
//
// The API key travels only in the x-goog-api-key header; it is never logged, and any error text that
// would echo it is redacted.
import { Readable } from 'node:stream';
import { GatewayError } from '#lambda/http/errors';
import {
  ProviderLostBatchError,
  ProviderUnavailableError,
  describeError,
  isTransientStatus,
  parseRetryAfter,
} from '#lambda/providers/errors';
import type { ProviderCredentials } from '#lambda/providers/provider';
import type { GeminiFile, GoogleRpcStatus } from './types';

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface CallOptions {
  body?: unknown;
  /** A 404 means the provider lost this batch (ProviderLostBatchError) rather than a client mistake. */
  knownBatch?: string;
}

interface Exchange {
  status: number;
  headers: Headers;
  text: string;
}

export class GeminiClient {
  private readonly baseUrl: string;

  constructor(
    private readonly credentials: ProviderCredentials,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    // Accept a base URL configured with or without the version segment.
    this.baseUrl = credentials.baseUrl.replace(/\/+$/, '').replace(/\/v1beta$/, '');
  }

  url(path: string): string {
    return `${this.baseUrl}/${path.replace(/^\/+/, '')}`;
  }

  /** A JSON call under the API root, e.g. `v1beta/batches/123`. Throws mapped errors. */
  async json<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const answer = await this.jsonCall(method, path, options.body);
    if (answer.status >= 400) throw this.errorFor(answer, options.knownBatch);
    return (answer.text ? JSON.parse(answer.text) : {}) as T;
  }

  /** Like json(), but null when the resource is gone (404, or the 403 Gemini gives for a missing file). */
  async jsonOrMissing<T>(method: string, path: string): Promise<T | null> {
    const answer = await this.jsonCall(method, path);
    if (answer.status === 404 || (answer.status === 403 && isMissingFile(parseGoogleError(answer.text)))) return null;
    if (answer.status >= 400) throw this.errorFor(answer);
    return (answer.text ? JSON.parse(answer.text) : {}) as T;
  }

  private jsonCall(method: string, path: string, body?: unknown): Promise<Exchange> {
    return this.exchange(this.url(path), {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  }

  /**
   * Starts a resumable upload and returns the session URL. `bytes` is the exact size that will follow.
   */
  async startUpload(bytes: number, mimeType: string, displayName: string): Promise<string> {
    const answer = await this.exchange(this.url('upload/v1beta/files'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-goog-upload-protocol': 'resumable',
        'x-goog-upload-command': 'start',
        'x-goog-upload-header-content-length': String(bytes),
        'x-goog-upload-header-content-type': mimeType,
      },
      body: JSON.stringify({ file: { displayName, mimeType } }),
    });
    if (answer.status >= 400) throw this.errorFor(answer);
    const uploadUrl = answer.headers.get('x-goog-upload-url');
    if (!uploadUrl)
      throw new ProviderUnavailableError('Gemini did not return an upload session URL (x-goog-upload-url).', undefined, answer.status);
    return uploadUrl;
  }

  /**
   * Sends one chunk of a resumable upload. Returns the stored File after `finalize`, null for an
   * intermediate chunk. Google requires intermediate chunks to be multiples of 256 KiB.
   */
  async uploadChunk(uploadUrl: string, offset: number, chunk: Buffer, finalize: boolean): Promise<GeminiFile | null> {
    const answer = await this.exchange(
      uploadUrl,
      {
        method: 'POST',
        headers: {
          'x-goog-upload-command': finalize ? 'upload, finalize' : 'upload',
          'x-goog-upload-offset': String(offset),
          'content-type': 'application/octet-stream',
        },
        body: chunk,
      },
      this.sameOrigin(uploadUrl),
    );
    if (answer.status >= 400) throw this.errorFor(answer);
    const status = answer.headers.get('x-goog-upload-status');
    if (finalize) {
      if (status !== 'final')
        throw new ProviderUnavailableError(
          `Gemini did not finalize the upload (x-goog-upload-status: ${status ?? 'none'}).`,
          undefined,
          answer.status,
        );
      const file = (JSON.parse(answer.text) as { file?: GeminiFile }).file;
      if (!file?.name) throw new ProviderUnavailableError('Gemini finalized the upload but returned no file.', undefined, answer.status);
      return file;
    }
    if (status !== 'active')
      throw new ProviderUnavailableError(
        `Gemini ended the upload session early (x-goog-upload-status: ${status ?? 'none'}).`,
        undefined,
        answer.status,
      );
    return null;
  }

  /** How many bytes of an upload session the server holds (the protocol's `query` command). */
  async uploadedBytes(uploadUrl: string): Promise<number> {
    const answer = await this.exchange(
      uploadUrl,
      { method: 'POST', headers: { 'x-goog-upload-command': 'query' } },
      this.sameOrigin(uploadUrl),
    );
    if (answer.status >= 400) throw this.errorFor(answer);
    return Number(answer.headers.get('x-goog-upload-size-received') ?? 0);
  }

  /**
   * Streams a generated file's bytes. Tries the documented `/download/v1beta/{file}:download` form and
   * falls back to the SDKs' `/v1beta/{file}:download` form on 404 (spec §1.4).
   */
  async download(fileName: string): Promise<AsyncIterable<Uint8Array>> {
    let response = await this.open(this.url(`download/v1beta/${fileName}:download?alt=media`));
    if (response.status === 404) {
      await response.body?.cancel().catch(() => undefined);
      response = await this.open(this.url(`v1beta/${fileName}:download?alt=media`));
    }
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => '');
      throw this.errorFor({ status: response.status, headers: response.headers, text });
    }
    return interruptionsAsUnavailable(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), fileName);
  }

  /** One request/response, body read in full, within the timeout. Network failures → ProviderUnavailableError. */
  private async exchange(
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string | Buffer },
    withKey = true,
  ): Promise<Exchange> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      // A Buffer is a Uint8Array; DOM typings of fetch only name the latter.
      const body = init.body as BodyInit | undefined;
      const response = await fetch(url, {
        method: init.method,
        body,
        headers: this.headers(init.headers, withKey),
        signal: controller.signal,
      });
      return { status: response.status, headers: response.headers, text: await response.text() };
    } catch (err) {
      throw this.unreachable(err, controller.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A streamed GET: the timeout covers the wait for the headers only, so a large body may take its time. */
  private async open(url: string): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      return await fetch(url, { method: 'GET', headers: this.headers({}, true), signal: controller.signal });
    } catch (err) {
      throw this.unreachable(err, controller.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  }

  private headers(extra: Record<string, string>, withKey: boolean): Record<string, string> {
    return { ...(withKey ? { 'x-goog-api-key': this.credentials.apiKey } : {}), ...extra };
  }

  private unreachable(err: unknown, timedOut: boolean): ProviderUnavailableError {
    const reason = timedOut ? `timed out after ${this.timeoutMs} ms` : this.redact(describeError(err));
    return new ProviderUnavailableError(`Gemini could not be reached: ${reason}.`);
  }

  /** The key goes only to the configured API origin, never to another host named in a session URL. */
  private sameOrigin(url: string): boolean {
    try {
      return new URL(url).origin === new URL(this.baseUrl).origin;
    } catch {
      return false;
    }
  }

  private redact(text: string): string {
    return this.credentials.apiKey ? text.split(this.credentials.apiKey).join('[redacted]') : text;
  }

  private errorFor(answer: Exchange, knownBatch?: string): Error {
    return toProviderError(answer.status, answer.text, answer.headers.get('retry-after'), knownBatch, (s) => this.redact(s));
  }
}

/**
 * A Gemini HTTP error → the error the gateway acts on:
 * - 408/409/429/5xx → ProviderUnavailableError (retry, honouring Retry-After or Google's RetryInfo);
 * - 404 on a batch we created → ProviderLostBatchError (permanent);
 * - a rejected API key (400 API_KEY_INVALID, 401, 403) → 502: the gateway's credentials are wrong, not
 *   the client's request;
 * - other 4xx → GatewayError with Google's message (400; 413 stays 413).
 */
export function toProviderError(
  status: number,
  bodyText: string,
  retryAfterHeader: string | null,
  knownBatch?: string,
  redact: (s: string) => string = (s) => s,
): Error {
  const error = parseGoogleError(bodyText);
  const message = redact(error.message || `HTTP ${status}`);
  const label = error.status ? `${status} ${error.status}` : String(status);
  if (isTransientStatus(status)) {
    return new ProviderUnavailableError(`Gemini is unavailable (${label}): ${message}`, retryAfterSeconds(retryAfterHeader, error), status);
  }
  if (status === 404 && knownBatch) return new ProviderLostBatchError(`Gemini no longer knows batch ${knownBatch} (${label}): ${message}`);
  const keyRejected =
    status === 401 || (status === 403 && !isMissingFile(error)) || error.details?.some((d) => d.reason === 'API_KEY_INVALID');
  if (keyRejected) {
    return new GatewayError(
      502,
      `Gemini rejected the gateway's credentials (${label}): ${message}`,
      'server_error',
      null,
      'provider_auth_error',
    );
  }
  return new GatewayError(
    status === 413 ? 413 : 400,
    `Gemini rejected the request (${label}): ${message}`,
    'invalid_request_error',
    null,
    error.status ? error.status.toLowerCase() : 'provider_error',
  );
}

/** Gemini answers 403 PERMISSION_DENIED "… or it may not exist" for a file that is gone. */
export function isMissingFile(error: GoogleRpcStatus): boolean {
  return error.status === 'PERMISSION_DENIED' && /may not exist/i.test(error.message ?? '');
}

export function parseGoogleError(bodyText: string): GoogleRpcStatus {
  try {
    const parsed = JSON.parse(bodyText) as { error?: GoogleRpcStatus } | Array<{ error?: GoogleRpcStatus }>;
    // Some Google front ends wrap the error in a one-element array.
    const error = Array.isArray(parsed) ? parsed[0]?.error : parsed.error;
    if (error && typeof error === 'object') return error;
  } catch {
    // Not JSON (an HTML error page from a proxy): fall through.
  }
  return { message: bodyText.slice(0, 200) };
}

/** Retry-After (seconds or HTTP date), else google.rpc.RetryInfo.retryDelay ("27s"). */
export function retryAfterSeconds(header: string | null, error?: GoogleRpcStatus, now = Date.now()): number | undefined {
  const fromHeader = parseRetryAfter(header, now);
  if (fromHeader !== undefined) return fromHeader;
  for (const detail of error?.details ?? []) {
    const delay = detail.retryDelay;
    if (typeof delay === 'string' && /^\d+(\.\d+)?s$/.test(delay)) return Math.ceil(Number(delay.slice(0, -1)));
  }
  return undefined;
}

async function* interruptionsAsUnavailable(source: AsyncIterable<Uint8Array>, fileName: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of source) yield chunk;
  } catch (err) {
    throw new ProviderUnavailableError(`The download of Gemini file ${fileName} was interrupted: ${describeError(err)}.`);
  }
}
