import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DataSource } from 'typeorm';
import { invalidArgument } from '../errors.js';
import { DEFAULT_BUCKET_SLA_MS } from '../metrics/definitions.js';
import * as api from './api-routes.js';
import { AccessGuard, assertSafeBinding } from './auth.js';
import { FleetMetrics } from './fleet-metrics.js';
import { errorStatus, HttpError, QueryParams, sendJson, sendText } from './http-util.js';
import { LiveStreams } from './live-stream.js';
import { setSecurityHeaders } from './security-headers.js';
import { describeDataSource } from '../config/describe-store.js';
import { indexHtml, StaticAssets } from './static-assets.js';
import { serveRecording } from './recording-route.js';

/** Anything that can hand over an opened DataSource, such as a `ConversationLogger`. */
export interface DataSourceProvider {
  dataSource(): Promise<DataSource>;
  /** The store's configuration, when known: its SLA threshold places `/metrics`' latency buckets. */
  readonly config?: { readonly slaThresholdMs?: number; readonly recordingsDir?: string | null };
}

export interface DashboardServerOptions {
  /** The store to read. Give this or `logger`. The server never closes it. */
  dataSource?: DataSource;
  /** A logger (or anything with `dataSource()`) whose store to read. */
  logger?: DataSourceProvider;
  /** Address to bind; default `127.0.0.1`. Anything but loopback requires `token`. */
  host?: string;
  /** Port; default 4317, `0` for any free port. */
  port?: number;
  /**
   * Access token (at least 16 characters). When set, every request must present it: open
   * `http://host:port/?token=…` once (the browser then keeps a session cookie), or send
   * `Authorization: Bearer …`. The CLI reads it from `--token` or `CONVLOG_TOKEN`.
   */
  token?: string;
  /** How often live streams poll the log (ms); default 500. */
  pollMs?: number;
  /** Live views (`/api/live` streams) served at once; past it a new one gets 503 with Retry-After (default 50). */
  maxLiveClients?: number;
  /**
   * `GET /metrics`: the fleet's metrics in Prometheus' text format, counted from the log (see
   * {@link FleetMetrics}); default on. `false` answers `/metrics` 404.
   */
  metrics?: boolean | { processMetrics?: boolean; pollMs?: number };
  /**
   * The SLA threshold (ms) `/metrics`' latency buckets are placed around; default the logger's
   * `config.slaThresholdMs`, else 1500. (Violations are counted by each answer's own threshold.)
   */
  slaThresholdMs?: number;
  /**
   * The directory call recordings are served from (`GET /api/recording?call=…`, the call page's
   * player); default the logger's `config.recordingsDir`. Null: no recording is served. Only
   * files inside it are, whatever path a call's recording names.
   */
  recordingsDir?: string | null;
  /** Called with unexpected errors (default: a line on stderr). */
  onError?: (error: unknown) => void;
}

export interface DashboardServer {
  /** Where the dashboard is, e.g. `http://127.0.0.1:4317/` (without the token). */
  url: string;
  host: string;
  port: number;
  /** Ends live streams and open connections, then stops listening. Idempotent. */
  close(): Promise<void>;
}

const PAGES = /^\/(?:|calls|calls\/[^/]+|call|live|search|diff)$/;

/**
 * Starts the read-only web dashboard on a store: overview charts, the call list, each call's
 * transcript with latency waterfalls, and a live view of the log; and `GET /metrics`, the whole
 * fleet's metrics for Prometheus, counted from the log from the moment it starts.
 *
 * @remarks
 * Only `GET` and `HEAD` are served; any other method is answered 405, so nothing reachable
 * through the server writes. Every response carries a strict Content-Security-Policy (scripts
 * and styles from the server only, nothing inline) and the front end builds the page with
 * `textContent`, so recorded text is never interpreted as HTML. `/metrics` follows the same
 * access rule as every page: with a token, Prometheus sends it as `Authorization: Bearer`
 * (`authorization: { credentials: … }` in its scrape config).
 *
 * @throws ConversationLogError `CONFIG_INVALID` when asked to bind a non-loopback host without a
 *   token (or with one shorter than 16 characters); `INVALID_ARGUMENT` without a store.
 *
 * @example
 * ```ts
 * const logger = await ConversationLogger.open();
 * const dashboard = await startDashboardServer({ logger });
 * console.log(`Dashboard at ${dashboard.url}`);
 * // …
 * await dashboard.close();
 * ```
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 4317;
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) throw invalidArgument('port', `must be 0–65535, got ${port}.`);
  assertSafeBinding(host, options.token);
  const dataSource = options.dataSource ?? (await options.logger?.dataSource());
  if (dataSource === undefined) throw invalidArgument('dataSource', 'give a dataSource or a logger.');
  const onError = options.onError ?? ((error: unknown) => console.error(`convlog serve: ${(error as Error)?.stack ?? String(error)}`));
  const assets = new StaticAssets();
  const page = indexHtml(describeDataSource(dataSource));
  const live = new LiveStreams(dataSource, {
    pollMs: options.pollMs ?? 500,
    onError,
    ...(options.maxLiveClients === undefined ? {} : { maxClients: options.maxLiveClients }),
  });
  const metricsOptions = options.metrics ?? true;
  const fleet =
    metricsOptions === false
      ? null
      : await FleetMetrics.start(dataSource, {
          ...(metricsOptions === true ? {} : metricsOptions),
          slaThresholdMs: options.slaThresholdMs ?? options.logger?.config?.slaThresholdMs ?? DEFAULT_BUCKET_SLA_MS,
          onError,
        });
  let guard: AccessGuard | null = null;
  const recordingsDir = options.recordingsDir !== undefined ? options.recordingsDir : (options.logger?.config?.recordingsDir ?? null);

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const { status, message } = errorStatus(error);
      if (status >= 500) onError(error);
      if (res.headersSent) res.end();
      else sendJson(res, status, { error: message });
    });
  });

  // CONNECT never reaches the request handler; answer it 405 too rather than dropping the socket.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    // Read-only: nothing but GET and HEAD, before anything else is looked at.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendJson(res, 405, { error: 'The dashboard is read-only.' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const path = url.pathname;
    const g = guard!;
    // A browser's first visit: /?token=… sets the session cookie and drops the token from the address bar.
    const offered = url.searchParams.get('token');
    if (offered !== null && g.tokenRequired) {
      if (!g.tokenMatches(offered)) throw new HttpError(401, 'Wrong token.');
      url.searchParams.delete('token');
      // Never a scheme-relative `//host` target: the redirect stays on this server.
      const target = path.startsWith('/') && !path.startsWith('//') ? path + url.search : '/';
      res.writeHead(303, { Location: target, 'Set-Cookie': g.sessionCookie(), 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    const access = g.check(req);
    if (access === 'bad-host') {
      sendText(res, 421, 'This dashboard answers only to localhost / 127.0.0.1 (start it with a token to serve other names).');
      return;
    }
    if (access === 'unauthorized') {
      res.setHeader('WWW-Authenticate', 'Bearer realm="convlog"');
      if (path.startsWith('/api/')) sendJson(res, 401, { error: 'A token is required.' });
      else if (path === '/metrics') sendText(res, 401, 'A token is required: send Authorization: Bearer <token>.');
      else sendText(res, 401, 'A token is required: open this address with ?token=<your token> once.');
      return;
    }
    if (path === '/metrics') {
      if (fleet === null) throw new HttpError(404, 'Metrics are off.');
      const { contentType, body } = await fleet.render();
      sendText(res, 200, body, { 'Content-Type': contentType });
      return;
    }
    const q = new QueryParams(url.searchParams);
    if (path.startsWith('/api/')) {
      if (path === '/api/overview') return api.overview(dataSource!, q, res);
      if (path === '/api/calls') return api.calls(dataSource!, q, res);
      if (path.startsWith('/api/calls/')) return api.call(dataSource!, decodeSegment(path.slice('/api/calls/'.length)), res);
      // Ids a path cannot carry (`.`, `..`: dot-segments) come in the query.
      if (path === '/api/call') {
        const id = q.string('id');
        if (id === undefined) throw new HttpError(400, 'id is required.');
        return api.call(dataSource!, id, res);
      }
      if (path === '/api/events') return api.events(dataSource!, q, res);
      if (path === '/api/search') return api.search(dataSource!, q, res);
      if (path === '/api/diff') return api.diff(dataSource!, q, res);
      if (path === '/api/health') return api.health(dataSource!, res);
      if (path === '/api/recording') {
        const id = q.string('call');
        if (id === undefined) throw new HttpError(400, 'call is required.');
        return serveRecording(dataSource!, recordingsDir, id, req, res);
      }
      if (path === '/api/live') return live.serve(req, res, q.int('after', 0, Number.MAX_SAFE_INTEGER), q.string('call'));
      throw new HttpError(404, 'No such API.');
    }
    if (PAGES.test(path)) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(page);
      return;
    }
    const asset = await assets.get(path);
    if (asset === null) {
      sendText(res, 404, 'Not found.');
      return;
    }
    res.writeHead(200, { 'Content-Type': asset.contentType, 'Cache-Control': 'no-cache' });
    res.end(asset.body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      fleet?.close();
      reject(error);
    });
    server.listen(port, host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  server.on('error', onError);
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const names = new Set([`${urlHost}:${address.port}`, `127.0.0.1:${address.port}`, `localhost:${address.port}`, `[::1]:${address.port}`]);
  guard = new AccessGuard(options.token, names, address.port);

  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${address.port}/`,
    host: address.address,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        live.closeAll();
        fleet?.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function decodeSegment(segment: string): string {
  try {
    const id = decodeURIComponent(segment);
    if (id === '' || id.length > 255) throw new Error('length');
    return id;
  } catch {
    throw new HttpError(400, 'Bad call id.');
  }
}
