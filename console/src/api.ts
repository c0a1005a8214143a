// The console's only way out: fetch() to the gateway's own API on the page's origin, the key in the
// Authorization header (never in a URL), no cookies, no referrer. The API base is found from the
// page's address: {stage}/console → {stage}/openai.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export function apiBase(pathname: string): string {
  return `${pathname.replace(/\/console\/?$/, '')}/openai`;
}

type Query = Record<string, string | number | undefined | null>;

export class Api {
  constructor(
    private readonly key: string,
    private readonly base = apiBase(location.pathname),
  ) {}

  private url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
    const qs = params.toString();
    return `${this.base}${path}${qs ? `?${qs}` : ''}`;
  }

  private async send(method: string, path: string, query?: Query): Promise<Response> {
    const res = await fetch(this.url(path, query), {
      method,
      headers: { authorization: `Bearer ${this.key}`, accept: 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  async get<T>(path: string, query?: Query): Promise<T> {
    return (await (await this.send('GET', path, query)).json()) as T;
  }

  async post<T>(path: string): Promise<T> {
    return (await (await this.send('POST', path)).json()) as T;
  }

  async delete<T>(path: string): Promise<T> {
    return (await (await this.send('DELETE', path)).json()) as T;
  }

  /** A file's bytes. Files over the gateway's inline limit answer with a redirect to S3, which this page may not follow (its CSP allows its own origin only). */
  async fileContent(fileId: string): Promise<Blob> {
    try {
      return await (await this.send('GET', `/files/${encodeURIComponent(fileId)}/content`)).blob();
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(
        0,
        'The file could not be fetched here: files over 4 MB are served from S3, which the console does not contact. Download it with the SDK (client.files.content) instead.',
        'download_elsewhere',
      );
    }
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { message?: string; code?: string | null } };
    return new ApiError(res.status, body.error?.message ?? `HTTP ${res.status}`, body.error?.code ?? null);
  } catch {
    return new ApiError(res.status, `HTTP ${res.status}`, null);
  }
}

/** Saves a blob under a name, through a temporary same-page object URL (nothing is sent anywhere). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
