// One simulator's HTTP server: listens on 127.0.0.1, sets the headers every answer carries, lets the
// FaultInjector answer first (/__control/faults, rate_limit, server_error, timeout, hang), then the
// simulator's handler; an HttpError it throws becomes the provider-shaped answer, anything else the
// provider's 500. A failure after the answer began destroys the socket (the client sees a broken
// answer, as from a real server). close() does not wait for keep-alive sockets or hung requests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback } from '#local/loopback';
import type { FaultInjector } from '#local/simulators/simulator';
import { HttpError, sendJson, type SendJson } from './http';

export interface SimulatorServerOptions {
  /** 0 or absent: any free port. */
  port?: number;
  faults: FaultInjector;
  /** Answers one request, after the faults; throws an HttpError for an error answer. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> | void;
  /** The provider's JSON body for an error (a thrown HttpError, a fault, an unexpected exception). */
  errorBody(err: HttpError, req: IncomingMessage, url: URL): unknown;
  /** The error a fault answers with: 429 for rate_limit, 500 for server_error (FaultInjector's message). */
  faultError(status: number, message: string): HttpError;
  /** What an exception other than an HttpError answers (the provider's 500). */
  internalError(): HttpError;
  /** Headers set on every answer before anything else, fault answers included (e.g. a request id). */
  headers?(): Record<string, string>;
  /** How error answers are written (default sendJson: `application/json`). */
  json?: SendJson;
  /** The path faults match against (default url.pathname; Google's simulators decode it). */
  faultPath?(url: URL): string;
  /** Runs after every request, answered or failed (e.g. saving the simulator's state). */
  afterRequest?(req: IncomingMessage): void;
}

export interface SimulatorServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  server: Server;
  close(): Promise<void>;
}

export async function serveSimulator(options: SimulatorServerOptions): Promise<SimulatorServer> {
  const json = options.json ?? sendJson;
  const answer = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    for (const [name, value] of Object.entries(options.headers?.() ?? {})) res.setHeader(name, value);
    const faultBody = (status: number, message: string) => options.errorBody(options.faultError(status, message), req, url);
    if (await options.faults.intercept(req, res, options.faultPath?.(url) ?? url.pathname, faultBody)) return;
    await options.handle(req, res, url);
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    answer(req, res, url)
      .catch((err: unknown) => {
        if (res.headersSent || req.socket.destroyed) return void res.destroy();
        const error = err instanceof HttpError ? err : options.internalError();
        json(res, error.statusCode, options.errorBody(error, req, url), error.headers);
      })
      .finally(() => options.afterRequest?.(req))
      .catch(() => res.destroy());
  });
  const origin = await listenOnLoopback(server, options.port);
  return { origin, server, close: () => closeServer(server) };
}
