import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The status the receiver answered with. */
  status: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/**
 * An OTLP/HTTP receiver on loopback: it keeps every request and answers the n-th (0-based) as
 * `answer(n)` says (200 with an empty `ExportTraceServiceResponse` by default).
 */
export async function startReceiver(answer: (n: number, req: http.IncomingMessage) => Answer = () => ({ status: 200 })) {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const a = answer(received.length, req);
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        status: a.status,
      });
      res.writeHead(a.status, a.headers);
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    received,
    /** The requests the receiver acknowledged (2xx). */
    get acknowledged() {
      return received.filter((r) => r.status >= 200 && r.status < 300);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
