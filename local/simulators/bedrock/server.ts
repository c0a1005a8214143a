// One loopback port that speaks HTTP/1.1 and HTTP/2 (h2c, prior knowledge): @aws-sdk/client-bedrock-runtime
// sends InvokeModel over HTTP/2 by default, as it does to the real service, and the control-plane
// client HTTP/1.1. close() does not wait for keep-alive sockets or hung requests.
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createConnection, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { listenOnLoopback } from '#local/loopback';

export type Request = IncomingMessage | Http2ServerRequest;
export type Response = ServerResponse | Http2ServerResponse;

export interface DualProtocolServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  close(): Promise<void>;
}

export async function serveHttp1AndHttp2(
  port: number | undefined,
  onRequest: (req: Request, res: Response) => void,
): Promise<DualProtocolServer> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const http1 = createHttp1Server(onRequest);
  // HTTP/2 runs on an internal port; its connections are piped there (nghttp2 reads the socket itself,
  // so bytes already read for sniffing cannot be handed back to it the way HTTP/1.1 allows).
  const http2 = createHttp2Server(onRequest);
  http2.on('sessionError', () => undefined);
  await new Promise<void>((resolve) => http2.listen(0, '127.0.0.1', resolve));
  const http2Port = (http2.address() as AddressInfo).port;
  // Both protocols on one port: an HTTP/2 prior-knowledge connection starts with "PRI * HTTP/2.0".
  const server = createTcpServer((socket) => {
    track(socket);
    socket.once('data', (first: Buffer) => {
      if (first.subarray(0, 3).toString('latin1') === 'PRI') {
        const upstream = createConnection(http2Port, '127.0.0.1');
        track(upstream);
        upstream.on('close', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.write(first);
        socket.pipe(upstream).pipe(socket);
        return;
      }
      socket.pause();
      socket.unshift(first);
      http1.emit('connection', socket);
      socket.resume();
    });
  });
  const origin = await listenOnLoopback(server, port);
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => server.close(() => resolve())),
      new Promise<void>((resolve) => http2.close(() => resolve())),
    ]);
  };
  return { origin, close };
}

/** Drops the connection (HTTP/1.1) or resets the stream (HTTP/2) without an answer. */
export function reset(req: Request): void {
  if ('stream' in req) req.stream.session?.destroy();
  else req.socket.destroy();
}
