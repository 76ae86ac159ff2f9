import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { REQUIREMENTS, strict } from './requirements.js';

/**
 * One PostgreSQL database and one temp directory per test run, dropped after, so runs never
 * see each other's rows. Each store inside a run gets its own schema (PostgreSQL) or file (SQLite).
 */
const ADMIN_URL = process.env['CONVLOG_TEST_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export default async function setup(project: TestProject) {
  const run = `convlog_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${run}-`));
  project.provide('tmpDir', dir);
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    const why = `PostgreSQL is not reachable at ${ADMIN_URL} (${(error as Error).message})`;
    if (strict())
      throw new Error(`${why}. CI=true: store tests must run on SQLite AND PostgreSQL. Start it: ${REQUIREMENTS.postgres.enable}`);
    // Not CI: the PostgreSQL half of every store test is skipped, and the run's last line says so.
    process.env['CONVLOG_TEST_PG'] = 'missing';
    project.provide('pgUrl', '');
    return () => fs.rmSync(dir, { recursive: true, force: true });
  }
  process.env['CONVLOG_TEST_PG'] = 'ok';
  await admin.query(`CREATE DATABASE ${run}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${run}`;
  project.provide('pgUrl', url.toString());
  return async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${run} WITH (FORCE)`);
    await c.end();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    tmpDir: string;
  }
}
