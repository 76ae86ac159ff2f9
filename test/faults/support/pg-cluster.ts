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
  readonly name = `convlog_faults_${process.pid}`;
  constructor(readonly port: number) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  create(): void {
    execFileSync('pg_createcluster', [this.version, this.name, '-p', String(this.port), '--start', '--', '--auth=trust'], {
      stdio: 'pipe',
    });
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
