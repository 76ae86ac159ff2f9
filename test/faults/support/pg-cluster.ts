import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** A TCP port nothing listens on now (the system picks it), for the private cluster. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A private PostgreSQL cluster for faults that would hurt others (restarts): created with
 * Debian's pg_createcluster on its own port, trust auth on loopback, dropped after.
 */
export class PrivateCluster {
  readonly version = fs.readdirSync('/etc/postgresql').sort().at(-1)!;
  readonly name: string;
  constructor(
    readonly port: number,
    role = 'faults',
  ) {
    this.name = `convlog_${role}_${process.pid}`;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  create(): void {
    execFileSync('pg_createcluster', [this.version, this.name, '-p', String(this.port), '--start', '--', '--auth=trust'], {
      stdio: 'pipe',
    });
    this.waitReady();
  }

  /**
   * Makes this cluster a streaming replica of `primary` (which must be running): created, its
   * data directory replaced by `pg_basebackup -R` of the primary, started read-only.
   */
  createStandbyOf(primary: PrivateCluster): void {
    execFileSync('pg_createcluster', [this.version, this.name, '-p', String(this.port), '--', '--auth=trust'], { stdio: 'pipe' });
    const dir = `/var/lib/postgresql/${this.version}/${this.name}`;
    // Emptied, kept (pg_basebackup fills an empty directory; the parent is not ours to write).
    for (const entry of fs.readdirSync(dir)) fs.rmSync(`${dir}/${entry}`, { recursive: true, force: true });
    const asPostgres = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
    const basebackup = ['pg_basebackup', '-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', dir, '-R', '-X', 'stream'];
    execFileSync(asPostgres[0] ?? basebackup[0]!, [...asPostgres.slice(1), ...(asPostgres.length ? basebackup : basebackup.slice(1))], {
      stdio: 'pipe',
    });
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', this.version, this.name, 'start'], { stdio: 'pipe' });
    this.waitReady();
  }

  restart(): void {
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', this.version, this.name, 'restart', '-m', 'fast'], { stdio: 'pipe' });
    this.waitReady();
  }

  drop(): void {
    try {
      execFileSync('pg_dropcluster', [this.version, this.name, '--stop'], { stdio: 'pipe' });
    } catch {
      // already gone
    }
  }

  private waitReady(): void {
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', String(this.port), '-q']);
        return;
      } catch {
        execFileSync('sleep', ['0.1']);
      }
    }
    throw new Error(`PostgreSQL cluster ${this.name} did not start on port ${this.port}`);
  }
}
