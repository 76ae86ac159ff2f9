import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StaticAssets } from '../../src/server/static-assets.js';

describe('static assets', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convlog-web-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves the compiled module when the build made one, else compiles the source, and nothing outside the module names', async () => {
    fs.mkdirSync(path.join(dir, 'pages'));
    fs.writeFileSync(path.join(dir, 'app.js'), 'export const built = 1;\n');
    fs.writeFileSync(path.join(dir, 'app.ts'), 'export const source: number = 2;\n');
    fs.writeFileSync(path.join(dir, 'pages', 'x.ts'), 'import type { A } from "./a.js";\nexport const y: A | number = 3;\n');
    const assets = new StaticAssets(dir + path.sep);
    expect((await assets.get('/assets/app.js'))?.body).toBe('export const built = 1;\n');
    const compiled = await assets.get('/assets/pages/x.js');
    expect(compiled?.contentType).toMatch(/^text\/javascript/);
    expect(compiled?.body).toContain('export const y = 3;');
    expect(compiled?.body).not.toContain('import');
    for (const p of ['/assets/app.ts', '/assets/../app.js', '/assets/pages/../app.js', '/assets/APP.js', '/assets/missing.js', '/app.js'])
      expect([p, await assets.get(p)]).toEqual([p, null]);
    expect((await assets.get('/assets/app.css'))?.contentType).toBe('text/css; charset=utf-8');
  });
});
