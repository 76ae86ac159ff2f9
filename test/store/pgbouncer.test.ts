import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, PrivateCluster } from '../faults/support/pg-cluster.js';
import { skipWithout } from '../support/requirements.js';

const run = promisify(execFile);
const PGBOUNCER = '/usr/sbin/pgbouncer';
/** PostgreSQL allows this many connections; more job processes than that run through PgBouncer. */
const MAX_CONNECTIONS = 10;
const PROCESSES = 16;
const TURNS = 5;

// More job processes than PostgreSQL takes connections, each holding one, through PgBouncer in
// transaction mode: a private cluster (max_connections 10) and a private PgBouncer, both on
// loopback ports of their own, both stopped after.
describe.skipIf(skipWithout('pgbouncer') || skipWithout('postgres'))('job processes through PgBouncer [postgres]', () => {
  let cluster: PrivateCluster;
  let dir: string;
  let bouncerUrl: string;
  let bouncer: ReturnType<typeof spawn> | null = null;

  beforeAll(async () => {
    cluster = new PrivateCluster(await freePort());
    cluster.create();
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query(`ALTER SYSTEM SET max_connections = ${MAX_CONNECTIONS}`);
    await admin.end();
    cluster.restart();

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convlog-pgbouncer-'));
    fs.chmodSync(dir, 0o777); // PgBouncer runs as postgres (it refuses root)
    const port = await freePort();
    fs.writeFileSync(path.join(dir, 'userlist.txt'), '"postgres" ""\n');
    fs.writeFileSync(
      path.join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `convlog = host=127.0.0.1 port=${cluster.port} dbname=postgres`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${path.join(dir, 'userlist.txt')}`,
        'pool_mode = transaction',
        `default_pool_size = ${MAX_CONNECTIONS - 4}`,
        'max_client_conn = 200',
        `logfile = ${path.join(dir, 'pgbouncer.log')}`,
        '',
      ].join('\n'),
    );
    const args = [path.join(dir, 'pgbouncer.ini'), ...(process.getuid?.() === 0 ? ['-u', 'postgres'] : [])];
    bouncer = spawn(PGBOUNCER, args, { stdio: 'ignore' });
    // ?pgbouncer=true: no statement prepared by name (a transaction may run on another server connection).
    bouncerUrl = `postgres://postgres@127.0.0.1:${port}/convlog?pgbouncer=true`;
    for (let i = 0; i < 100; i++) {
      const probe = new pg.Client({ connectionString: bouncerUrl });
      try {
        await probe.connect();
        await probe.end();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`PgBouncer did not start: ${fs.readFileSync(path.join(dir, 'pgbouncer.log'), 'utf8').slice(-1000)}`);
  }, 120_000);

  afterAll(() => {
    bouncer?.kill('SIGTERM');
    cluster?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`given ${PROCESSES} job processes and max_connections ${MAX_CONNECTIONS}, when each logs a call through PgBouncer, then every acknowledged event is stored once`, async () => {
    // when: the processes prewarm (migrating the schema at once), log their calls and shut down
    const child = path.resolve('test/store/support/job-process.ts');
    const results = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) =>
        run(process.execPath, ['--import', 'tsx', child, bouncerUrl, `pgb-${i}`, String(TURNS)], {
          env: { ...process.env, LOG_LEVEL: 'error' },
          timeout: 120_000,
        }),
      ),
    );
    const acknowledged = results.map((r) => Number(/acknowledged (\d+)/.exec(r.stdout)?.[1] ?? NaN));

    // then: each call complete, nothing acknowledged missing, nothing twice
    const db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    try {
      const events = await db.query<{ call_id: string; n: string; distinct_ids: string }>(
        `SELECT call_id, count(*) AS n, count(DISTINCT event_id) AS distinct_ids FROM events WHERE call_id LIKE 'pgb-%' GROUP BY call_id`,
      );
      const stored = new Map(events.rows.map((r) => [r.call_id, Number(r.n)]));
      for (let i = 0; i < PROCESSES; i++) expect(stored.get(`pgb-${i}`), `call pgb-${i}`).toBe(acknowledged[i]);
      for (const r of events.rows) expect(r.distinct_ids).toBe(r.n);
      const messages = await db.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE call_id LIKE 'pgb-%'`);
      expect(Number(messages.rows[0]!.n)).toBe(PROCESSES * TURNS * 2);
      const calls = await db.query<{ n: string }>(`SELECT count(*) AS n FROM calls WHERE id LIKE 'pgb-%' AND ended_at IS NOT NULL`);
      expect(Number(calls.rows[0]!.n)).toBe(PROCESSES);
      // and each migration was applied once, whichever process got there first
      const migrations = await db.query<{ name: string; n: string }>('SELECT name, count(*) AS n FROM convlog_migrations GROUP BY name');
      expect(migrations.rows.length).toBeGreaterThan(0);
      for (const m of migrations.rows) expect(m.n, m.name).toBe('1');
    } finally {
      await db.end();
    }
  }, 180_000);
});
