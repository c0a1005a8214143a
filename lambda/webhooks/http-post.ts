// One delivery attempt over HTTP(S): the URL checked again (after DNS resolution, every address),
// the connection pinned to the checked address (no second lookup an attacker's DNS could answer
// differently), a short timeout, and redirects never followed (a 3xx is a failed attempt).
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { parseWebhookUrl, resolveAllowed, type Resolver, type UrlPolicy } from './url-policy';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Receivers answer with anything; only this much of it is read (and thrown away). */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface AttemptResult {
  ok: boolean;
  status: number | null;
  /** Why the attempt failed (no response, refused URL, redirect, non-2xx), for the logs. */
  error: string | null;
  durationMs: number;
}

export const dnsResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

export async function postWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  options: { policy: UrlPolicy; timeoutMs?: number; resolve?: Resolver },
): Promise<AttemptResult> {
  const started = Date.now();
  const done = (ok: boolean, status: number | null, error: string | null): AttemptResult => ({
    ok,
    status,
    error,
    durationMs: Date.now() - started,
  });
  let pinned: { address: string; family: number };
  let url: URL;
  let host: string;
  try {
    ({ url, host } = parseWebhookUrl(target, options.policy));
    pinned = await resolveAllowed(host, options.policy, options.resolve ?? dnsResolver);
  } catch (err) {
    return done(false, null, (err as Error).message);
  }
  const pinnedLookup = pinnedLookupOf(pinned);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<AttemptResult>((resolve) => {
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`));
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const finish = (result: AttemptResult) => {
      clearTimeout(timer);
      resolve(result);
    };
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'finops-batch-gateway-webhooks/1',
          ...headers,
        },
        lookup: pinnedLookup,
        agent: false,
        ...(isIP(host) ? {} : { servername: host }),
      },
      (res: IncomingMessage) => settleOnResponse(res, (ok, status, error) => finish(done(ok, status, error))),
    );
    req.on('error', (err) => finish(done(false, null, err.message)));
    req.end(body);
  });
}

/** A DNS lookup that answers only the address already checked against the URL policy (no second resolution to rebind). */
function pinnedLookupOf(pinned: { address: string; family: number }): LookupFunction {
  return (_hostname, opts, callback) => {
    if ((opts as { all?: boolean }).all)
      (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
}

/** Reads (and caps) the answer, then reports it once: 2xx delivered, 3xx not followed, anything else failed. */
function settleOnResponse(res: IncomingMessage, report: (ok: boolean, status: number | null, error: string | null) => void): void {
  let read = 0;
  res.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > MAX_RESPONSE_BYTES) res.destroy();
  });
  const status = res.statusCode ?? 0;
  const settle = () => {
    if (status >= 200 && status < 300) report(true, status, null);
    else if (status >= 300 && status < 400)
      report(false, status, `redirect to ${String(res.headers.location ?? '?').slice(0, 200)} not followed`);
    else report(false, status, `HTTP ${status}`);
  };
  res.on('end', settle);
  res.on('close', settle);
  res.on('error', settle);
}
