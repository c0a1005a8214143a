// The few Cloud Storage JSON API calls the gateway makes in the customer's bucket
// (cloud.google.com/storage/docs/json_api): resumable upload of a batch input, object metadata,
// listing a job's output directory, streamed download, delete.
import { GatewayError } from '#lambda/http/errors';
import { ProviderUnavailableError } from '#lambda/providers/errors';
import { bodyChunks, GoogleHttp } from './http';
import type { GcsObject, GcsObjectList } from './types';

/** Resumable uploads want every chunk but the last to be a multiple of 256 KiB. */
export const GCS_CHUNK_GRANULARITY = 256 * 1024;
export const DEFAULT_GCS_CHUNK_BYTES = 8 * 1024 * 1024;

export interface GsUri {
  bucket: string;
  object: string;
}

export function toGsUri({ bucket, object }: GsUri): string {
  return `gs://${bucket}/${object}`;
}

export function parseGsUri(uri: string): GsUri | null {
  const match = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,221}[a-z0-9])\/(.+)$/.exec(uri);
  return match ? { bucket: match[1], object: match[2] } : null;
}

export class GcsClient {
  private readonly http: GoogleHttp;

  constructor(
    http: GoogleHttp,
    private readonly storageUrl: string,
  ) {
    this.http = http;
  }

  private objectUrl(bucket: string, object: string, query = ''): string {
    return `${this.storageUrl}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(object)}${query}`;
  }

  /** Object metadata, or null when there is no such object. */
  async stat(bucket: string, object: string): Promise<GcsObject | null> {
    const answer = await this.http.exchange(this.objectUrl(bucket, object), { method: 'GET' });
    if (answer.status === 404) return null;
    if (answer.status >= 400) throw this.http.errorFor(answer);
    return JSON.parse(answer.text) as GcsObject;
  }

  /** Deletes an object; one that is already gone is fine. */
  async delete(bucket: string, object: string): Promise<void> {
    const answer = await this.http.exchange(this.objectUrl(bucket, object), { method: 'DELETE' });
    if (answer.status === 404 || answer.status < 400) return;
    throw this.http.errorFor(answer);
  }

  /** Every object under a prefix, in name order (all pages). */
  async list(bucket: string, prefix: string): Promise<GcsObject[]> {
    const objects: GcsObject[] = [];
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ prefix, ...(pageToken ? { pageToken } : {}) });
      const page = await this.http.json<GcsObjectList>(`${this.storageUrl}/storage/v1/b/${encodeURIComponent(bucket)}/o?${query}`, {
        method: 'GET',
      });
      objects.push(...(page.items ?? []));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return objects.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** An object's bytes, streamed. */
  async download(bucket: string, object: string): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.http.open(this.objectUrl(bucket, object, '?alt=media'), { method: 'GET' });
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw this.http.errorFor({ status: response.status, headers: response.headers, text });
    }
    return bodyChunks(response, `gs://${bucket}/${object}`);
  }

  /** Starts a resumable upload of exactly `bytes` bytes; returns the session URI. */
  async startUpload(bucket: string, object: string, bytes: number, contentType: string): Promise<string> {
    const url = `${this.storageUrl}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(object)}`;
    const answer = await this.http.exchange(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=UTF-8',
        'x-upload-content-type': contentType,
        'x-upload-content-length': String(bytes),
      },
      body: JSON.stringify({ name: object, contentType }),
    });
    if (answer.status >= 400) throw this.http.errorFor(answer);
    const location = answer.headers.get('location');
    if (!location || !this.sameOrigin(location))
      throw new ProviderUnavailableError(
        `Cloud Storage gave no usable upload session (location ${location ? 'on another host' : 'missing'}).`,
        undefined,
        answer.status,
      );
    return location;
  }

  /**
   * Sends bytes [offset, offset + chunk.length) of `total`. Returns the object after the last chunk, or
   * the number of bytes the server holds (308 Resume Incomplete) after any other.
   */
  async uploadChunk(session: string, offset: number, chunk: Buffer, total: number): Promise<GcsObject | number> {
    const range = chunk.length === 0 ? `bytes */${total}` : `bytes ${offset}-${offset + chunk.length - 1}/${total}`;
    const answer = await this.http.exchange(session, { method: 'PUT', headers: { 'content-range': range }, body: chunk });
    return this.uploadAnswer(answer);
  }

  /** How many bytes of a session the server holds (or the object when it is complete). */
  async uploadStatus(session: string, total: number): Promise<GcsObject | number> {
    return this.uploadAnswer(await this.http.exchange(session, { method: 'PUT', headers: { 'content-range': `bytes */${total}` } }));
  }

  private uploadAnswer(answer: { status: number; headers: Headers; text: string }): GcsObject | number {
    if (answer.status === 200 || answer.status === 201) return JSON.parse(answer.text) as GcsObject;
    if (answer.status === 308) {
      const range = /bytes=0-(\d+)/.exec(answer.headers.get('range') ?? '');
      return range ? Number(range[1]) + 1 : 0;
    }
    // A session Cloud Storage no longer knows (expired after a week, or cancelled) cannot be resumed.
    if (answer.status === 404 || answer.status === 410)
      throw new GatewayError(
        502,
        'Cloud Storage lost the upload session of a Vertex AI batch input; upload the file again.',
        'server_error',
        null,
        'provider_error',
      );
    throw this.http.errorFor(answer);
  }

  private sameOrigin(url: string): boolean {
    try {
      return new URL(url).origin === new URL(this.storageUrl).origin;
    } catch {
      return false;
    }
  }
}
