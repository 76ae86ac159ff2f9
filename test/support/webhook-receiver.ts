import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookPayload } from '../../src/webhooks/deliverer.js';

/** One request the receiver got, with the status it answered (null: it never answered). */
export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
  answered: number | null;
}

/** What the receiver does with a request: answer this status, or do something of its own first. */
export type Responder = (request: ReceivedRequest) => number | Promise<number>;

/**
 * A real HTTP webhook receiver on a loopback port: records every POST (headers and raw body)
 * and answers what `respond` says (200 by default). `stop()` closes the port (connections are
 * then refused) and `start()` opens the same port again.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  respond: Responder = () => 200;
  private server: http.Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/calls`;
  }

  /** The requests it answered 2xx. */
  get acknowledged(): ReceivedRequest[] {
    return this.requests.filter((r) => r.answered !== null && r.answered >= 200 && r.answered < 300);
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received: ReceivedRequest = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: null };
        this.requests.push(received);
        void Promise.resolve(this.respond(received)).then(
          (status) => {
            if (res.destroyed) return;
            received.answered = status;
            res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
          },
          () => res.destroy(),
        );
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The parsed bodies of requests: `{ id, event, callId, report, … }`. */
export const bodies = (requests: readonly ReceivedRequest[]): WebhookPayload[] => requests.map((r) => JSON.parse(r.body) as WebhookPayload);
