import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * What some tests need beyond Node: a browser, a PostgreSQL server, a Debian tool. On a machine
 * without one, `npm test` still passes: the tests that need it are skipped and the run ends with
 * one line naming what was not run and the command that enables it. With `CI=true` a missing
 * part is a failure, so CI can never go green having skipped it.
 */
export interface Requirement {
  /** What it is, as the closing line names it ("Chromium", "promtool"). */
  readonly name: string;
  /** The command that makes it available on Debian. */
  readonly enable: string;
  /** Whether it is here (computed once per process). */
  available(): boolean;
}

const APT = (pkg: string) => `apt-get update && apt-get install -y ${pkg}`;

function onPath(binary: string): boolean {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, binary))) return true;
  }
  return false;
}

function cached(check: () => boolean): () => boolean {
  let value: boolean | undefined;
  return () => (value ??= check());
}

/** A Debian binary found on `PATH` (or at an absolute path). */
export function binary(name: string, pkg: string, file = name): Requirement {
  return {
    name,
    enable: APT(pkg),
    available: cached(() => (path.isAbsolute(file) ? fs.existsSync(file) : onPath(file))),
  };
}

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** The requirements the suites name. Add one here, then use {@link requires} in the test file. */
export const REQUIREMENTS = {
  chromium: binary('Chromium', 'chromium', CHROMIUM_PATH),
  tmux: binary('tmux', 'tmux'),
  prometheus: binary('prometheus', 'prometheus'),
  promtool: binary('promtool', 'prometheus'),
  alertmanager: binary('prometheus-alertmanager', 'prometheus-alertmanager'),
  pgbouncer: binary('pgbouncer', 'pgbouncer', '/usr/sbin/pgbouncer'),
  espeak: binary('espeak-ng', 'espeak-ng'),
  sox: binary('sox', 'sox'),
  ffmpeg: binary('ffmpeg', 'ffmpeg'),
  postgres: {
    name: 'PostgreSQL',
    enable: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start (or set CONVLOG_TEST_PG_ADMIN_URL)',
    available: cached(() => {
      // The global setup decides (it connects once) and says so to every test process.
      if (process.env['CONVLOG_TEST_PG'] === 'missing') return false;
      if (process.env['CONVLOG_TEST_PG'] === 'ok') return true;
      try {
        execFileSync('pg_isready', ['-q', '-d', process.env['CONVLOG_TEST_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test']);
        return true;
      } catch {
        return false;
      }
    }),
  },
} satisfies Record<string, Requirement>;

export type RequirementName = keyof typeof REQUIREMENTS;

/** True when the run must not skip anything (`CI` set to anything but `false`/`0`/empty). */
export function strict(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * The names of `needs` that are missing here. Empty: run. Under `CI=true` a missing one throws
 * (the suite fails, naming it and how to enable it); otherwise the caller skips and the run's
 * closing line says what was skipped.
 */
export function missing(...needs: RequirementName[]): RequirementName[] {
  const absent = needs.filter((n) => !REQUIREMENTS[n].available());
  if (absent.length > 0 && strict()) {
    const what = absent.map((n) => `${REQUIREMENTS[n].name} (enable: ${REQUIREMENTS[n].enable})`).join('; ');
    throw new Error(`CI=true and this test needs what is missing: ${what}`);
  }
  return absent;
}

/**
 * Whether a suite that needs `needs` should be skipped: use as
 * `describe.skipIf(skipWithout('chromium'))(…)`. The test's name should say what it needs, and
 * the run's closing line lists every requirement that was missing.
 */
export function skipWithout(...needs: RequirementName[]): boolean {
  return missing(...needs).length > 0;
}

/** The closing line for a run: what could not run here and how to enable it; empty when all is here. */
export function missingSummary(): string {
  const absent = (Object.keys(REQUIREMENTS) as RequirementName[]).filter((n) => !REQUIREMENTS[n].available());
  if (absent.length === 0) return '';
  return `not run here (missing ${absent.map((n) => REQUIREMENTS[n].name).join(', ')}): ${absent
    .map((n) => `${REQUIREMENTS[n].name}: ${REQUIREMENTS[n].enable}`)
    .join(' · ')}`;
}
