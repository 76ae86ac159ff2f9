import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The real Prometheus and Alertmanager (Debian's binaries), each in its own temp dir on a loopback port. */

/** A port free on 127.0.0.1 now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:9090` */
  url: string;
  port: number;
  dir: string;
  /** What the process wrote (for failure messages). */
  output(): string;
  /** Stops the process (SIGTERM, then SIGKILL) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

async function startProcess(
  binary: string,
  prefix: string,
  files: Record<string, string>,
  args: (dir: string, port: number) => string[],
): Promise<RunningServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const port = await freePort();
  const child: ChildProcess = spawn(binary, args(dir, port), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (c: Buffer) => {
    log = (log + c.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping: Promise<void> | null = null;
  const server: RunningServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    output: () => log,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        fs.rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  try {
    // Setup, not an assertion: wait until it answers /-/ready (expect.poll works only inside a test).
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${binary} exited ${child.exitCode}: ${log}`);
      if ((await get(`${server.url}/-/ready`).catch(() => ({ status: 0 }))).status === 200) break;
      if (Date.now() > deadline) throw new Error(`${binary} not ready after 30 s: ${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** Starts `prometheus` with `config` (YAML) and the given rule files (name → text) beside it. */
export function startPrometheus(config: string, rules: Record<string, string> = {}): Promise<RunningServer> {
  return startProcess('prometheus', 'convlog-prom-', { 'prometheus.yml': config, ...rules }, (dir, port) => [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Alerts reach Alertmanager at once, resolved ones too (the default resends each minute).
    '--rules.alert.resend-delay=1s',
    '--log.level=warn',
  ]);
}

/** Starts `prometheus-alertmanager` with `config` (YAML), clustering off. */
export function startAlertmanager(config: string): Promise<RunningServer> {
  return startProcess('prometheus-alertmanager', 'convlog-am-', { 'alertmanager.yml': config }, (dir, port) => [
    `--config.file=${path.join(dir, 'alertmanager.yml')}`,
    `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ]);
}

export function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query through Prometheus' HTTP API; throws on an error answer. */
export async function query(prometheus: RunningServer, expr: string): Promise<PromSample[]> {
  const res = await get(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = JSON.parse(res.body) as { status: string; error?: string; data?: { resultType: string; result: PromSample[] } };
  if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error ?? res.body}`);
  if (body.data!.resultType !== 'vector') throw new Error(`query ${expr}: a ${body.data!.resultType}, not a vector`);
  return body.data!.result;
}

/** The value of a query that yields one sample, or null when it yields none (or NaN). */
export async function scalarOf(prometheus: RunningServer, expr: string): Promise<number | null> {
  const result = await query(prometheus, expr);
  if (result.length === 0) return null;
  if (result.length > 1) throw new Error(`query ${expr}: ${result.length} samples`);
  const v = Number(result[0]!.value[1]);
  return Number.isNaN(v) ? null : v;
}
