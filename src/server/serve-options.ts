import fs from 'node:fs';
import { ConversationLogError, invalidArgument } from '../errors.js';
import { isLoopbackHost } from './auth.js';

/** Defaults of `convlog serve`. */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4317;

/** What `convlog serve` needs to start the dashboard, from its flags and the environment. */
export interface ServeOptions {
  host: string;
  port: number;
  token: string | undefined;
}

/**
 * Resolves `convlog serve [--host H] [--port N] [--token T | --token-file F]`: the token comes
 * from `--token`, else `--token-file` (its first line; a file keeps it out of `ps`), else
 * `CONVLOG_TOKEN`. Validation of the host/token rule happens in `startDashboardServer`.
 *
 * @throws ConversationLogError `INVALID_ARGUMENT` for a port that is not 0–65535
 */
export function resolveServeOptions(
  flags: { host?: string | undefined; port?: string | number | undefined; token?: string | undefined; tokenFile?: string | undefined },
  env: Record<string, string | undefined> = process.env,
): ServeOptions {
  const host = flags.host?.trim() || DEFAULT_HOST;
  const rawPort = flags.port ?? DEFAULT_PORT;
  const port = typeof rawPort === 'number' ? rawPort : /^\d+$/.test(rawPort.trim()) ? Number(rawPort) : NaN;
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) throw invalidArgument('port', `must be 0–65535, got ${String(rawPort)}.`);
  if (flags.token && flags.tokenFile) throw invalidArgument('token', 'give --token or --token-file, not both.');
  const token = flags.token || (flags.tokenFile ? readTokenFile(flags.tokenFile) : undefined) || env['CONVLOG_TOKEN'] || undefined;
  return { host, port, token };
}

function readTokenFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConversationLogError(
      'CONFIG_INVALID',
      `--token-file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); give a readable file holding the token.`,
      { field: 'token-file' },
    );
  }
  const token = text.split(/\r?\n/)[0]!.trim();
  if (token === '')
    throw new ConversationLogError('CONFIG_INVALID', `--token-file ${file} is empty; write the token on its first line.`, {
      field: 'token-file',
    });
  return token;
}

/** The lines `convlog serve` prints once listening (never the token itself). */
export function describeServing(url: string, options: ServeOptions): string[] {
  const lines = [`Dashboard: ${url}`];
  if (options.token !== undefined) lines.push(`Open ${url}?token=<your token> once; the browser keeps a session cookie.`);
  lines.push(`Prometheus metrics: ${url}metrics${options.token === undefined ? '' : ' (Authorization: Bearer <your token>)'}`);
  if (!isLoopbackHost(options.host)) lines.push(`Listening on ${options.host}: reachable from other machines (token required).`);
  lines.push('Read-only. Press Ctrl-C to stop.');
  return lines;
}

export const SERVE_USAGE = `Usage: convlog serve [--port ${DEFAULT_PORT}] [--host ${DEFAULT_HOST}] [--token T]

Serves a read-only web dashboard of the store named by DATABASE_URL: overview charts, calls,
each call's transcript with latency waterfalls and, for a recorded call, a player (the file is
served from the recordings directory only: CONVERSATION_LOG_RECORDINGS_DIR, else the config
file's recordings.dir; none without one), and a live view; and GET /metrics, the whole
fleet's metrics for Prometheus, counted from the log from the moment serve starts (latency
buckets around the config's SLA). With a token, /metrics wants "Authorization: Bearer <token>"
(Prometheus: authorization: { credentials: <token> }). Alert rules and a Grafana dashboard on
these metrics ship in the package's monitoring/ folder. With webhooks configured, serve also
delivers the webhook outbox, as "convlog webhooks deliver --follow" does.

  --port N     port to listen on (default ${DEFAULT_PORT}; 0 for any free port)
  --host H     address to bind (default ${DEFAULT_HOST}); any non-loopback address needs a token
  --token T    access token, at least 16 characters (default: $CONVLOG_TOKEN); visible
               to other users in ps: prefer --token-file or CONVLOG_TOKEN
  --token-file F   read the token from the first line of F
`;
