// What every provider simulator looks like to the local gateway and to tests.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SimulatorOptions {
  /** 0 picks a free port. Simulators listen on 127.0.0.1 only. */
  port?: number;
  /** Milliseconds a simulated batch spends in each status before advancing (default 1000). */
  stepMs?: number;
  /** The API key the simulator accepts (default: `sim-<provider>-key`). */
  apiKey?: string;
  /** Where the simulator keeps its state across restarts (local/simulators/persistence.ts); none: in memory only. */
  stateDir?: string;
}

export interface RunningSimulator {
  /** Base URL a client uses, e.g. http://127.0.0.1:4010/v1 for OpenAI. */
  url: string;
  apiKey: string;
  faults: FaultInjector;
  close(): Promise<void>;
}

/**
 * Misbehaviour on demand, for fault tests. Also reachable over HTTP: POST {url}/__control/faults
 * with a FaultRule as JSON; DELETE {url}/__control/faults clears them.
 */
export type FaultKind =
  | 'rate_limit' // 429 with retry-after
  | 'server_error' // 500
  | 'timeout' // accept the request and never answer (until the client gives up)
  | 'reset' // destroy the socket (mid-body for downloads)
  | 'lose_batch' // 404 for a batch the simulator knows
  | 'hang' // hold the request for hangSeconds (default: until the rule's window ends), then answer normally
  | 'accept_then_hang'; // do what the request asks (e.g. create the batch), but never send the answer

export interface FaultRule {
  kind: FaultKind;
  /** Only requests whose "METHOD path" contains this substring (default: all). */
  match?: string;
  /** How many matching requests misbehave (default 1). */
  times?: number;
  /** For rate_limit: the retry-after seconds to send (default 1). */
  retryAfterSeconds?: number;
  /** Misbehave on every matching request for this many seconds from now ("throttle for 45 s"), instead of `times`. */
  forSeconds?: number;
  /** For hang: how long each request is held before it is answered. */
  hangSeconds?: number;
}

/** Kinds intercept() answers (or holds) itself; the others the simulators apply via take(). */
const GENERIC_KINDS: FaultKind[] = ['rate_limit', 'server_error', 'timeout', 'hang', 'accept_then_hang'];

export class FaultInjector {
  private rules: Array<FaultRule & { remaining: number; untilMs?: number }> = [];

  add(rule: FaultRule): void {
    const untilMs = rule.forSeconds !== undefined ? Date.now() + rule.forSeconds * 1000 : undefined;
    this.rules.push({
      ...rule,
      remaining: untilMs !== undefined ? Number.POSITIVE_INFINITY : (rule.times ?? 1),
      ...(untilMs !== undefined ? { untilMs } : {}),
    });
  }

  private find(target: string, kinds?: FaultKind[]) {
    const now = Date.now();
    return this.rules.find(
      (r) =>
        r.remaining > 0 &&
        (r.untilMs === undefined || now < r.untilMs) &&
        (!r.match || target.includes(r.match)) &&
        (!kinds || kinds.includes(r.kind)),
    );
  }

  clear(): void {
    this.rules = [];
  }

  /** Returns the fault to apply to this request, consuming one use of it. */
  take(method: string, path: string): FaultRule | undefined {
    const rule = this.find(`${method} ${path}`);
    if (!rule) return undefined;
    rule.remaining -= 1;
    return rule;
  }

  /**
   * Handles the /__control/faults endpoint and the generic faults (rate_limit, server_error, timeout,
   * reset before any byte). Returns true when the request was answered here. Simulators call it first
   * and handle `lose_batch` and mid-body `reset` themselves via take().
   */
  async intercept(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    errorBody: (status: number, message: string) => unknown,
  ): Promise<boolean> {
    if (path.endsWith('/__control/faults')) {
      if (req.method === 'DELETE') this.clear();
      else {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        this.add(JSON.parse(Buffer.concat(chunks).toString('utf8')) as FaultRule);
      }
      res.writeHead(204).end();
      return true;
    }
    const rule = this.find(`${req.method} ${path}`, GENERIC_KINDS);
    if (!rule) return false;
    rule.remaining -= 1;
    if (rule.kind === 'timeout') return true; // never answer
    if (rule.kind === 'hang') {
      const ms = rule.hangSeconds !== undefined ? rule.hangSeconds * 1000 : Math.max(0, (rule.untilMs ?? Date.now()) - Date.now());
      await new Promise((resolve) => setTimeout(resolve, ms));
      return false; // then handled as usual
    }
    if (rule.kind === 'accept_then_hang') {
      // The simulator does the work; the answer goes nowhere, and the socket stays open until the client gives up.
      Object.assign(res, { writeHead: () => res, setHeader: () => res, write: () => true, end: () => res });
      return false;
    }
    const status = rule.kind === 'rate_limit' ? 429 : 500;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (rule.kind === 'rate_limit') headers['retry-after'] = String(rule.retryAfterSeconds ?? 1);
    res
      .writeHead(status, headers)
      .end(
        JSON.stringify(
          errorBody(
            status,
            rule.kind === 'rate_limit' ? 'Rate limit reached, retry later.' : 'The server had an error while processing your request.',
          ),
        ),
      );
    return true;
  }
}
