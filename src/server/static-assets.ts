import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { STYLES } from '../web/styles.js';

/**
 * The front end: `src/web/*.ts`, compiled by the package build (`tsc`) next to this module, in
 * `dist/src/web/*.js`. Run from source (tests, `tsx`), the `.ts` files are compiled on first
 * request with the `typescript` package (a dev dependency) instead.
 */
const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));

/**
 * Third-party files the dashboard serves from the package's own dependencies (vendored: no CDN,
 * the CSP allows this origin only), by URL.
 */
const require = createRequire(import.meta.url);
const VENDOR: Record<string, { file: string; contentType: string }> = {
  '/assets/vendor/uplot.js': { file: require.resolve('uplot/dist/uPlot.esm.js'), contentType: 'text/javascript; charset=utf-8' },
  '/assets/vendor/uplot.css': { file: require.resolve('uplot/dist/uPlot.min.css'), contentType: 'text/css; charset=utf-8' },
};

/** Module names the browser may ask for: `app.js`, `pages/calls.js`, … — nothing else is read from disk. */
const MODULE_NAME = /^(?:pages\/)?[a-z][a-z0-9-]*\.js$/;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** The page every dashboard URL serves; `store` (as `describeStore` writes it, password masked) is shown in its header. */
export const indexHtml = (store: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>convlog</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/vendor/uplot.css">
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<header class="top"><a class="brand" href="/">convlog</a><nav id="nav"></nav><span id="conn" class="conn"></span><span id="store" class="store" title="The store this dashboard reads">${escapeHtml(store)}</span></header>
<main id="main"><noscript>This dashboard needs JavaScript.</noscript></main>
</body>
</html>
`;

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f6feb"/><path d="M3 11h2V7H3zm4 0h2V4H7zm4 0h2V8h-2z" fill="#fff"/></svg>`;

export interface Asset {
  body: string;
  contentType: string;
}

type Transpile = (source: string, fileName: string) => string;

/** Serves the shell, the stylesheet and the front-end modules, cached after the first read. */
export class StaticAssets {
  private readonly cache = new Map<string, { mtimeMs: number; asset: Asset }>();
  private transpile: Promise<Transpile> | null = null;

  constructor(private readonly webDir: string = WEB_DIR) {}

  async get(path: string): Promise<Asset | null> {
    if (path === '/assets/app.css') return { body: STYLES, contentType: 'text/css; charset=utf-8' };
    if (path === '/favicon.svg') return { body: FAVICON_SVG, contentType: 'image/svg+xml' };
    const vendor = VENDOR[path];
    if (vendor !== undefined) return this.vendored(vendor.file, vendor.contentType);
    if (!path.startsWith('/assets/')) return null;
    const name = path.slice('/assets/'.length);
    if (!MODULE_NAME.test(name)) return null;
    return this.module(name);
  }

  private async vendored(file: string, contentType: string): Promise<Asset> {
    const hit = this.cache.get(file);
    if (hit) return hit.asset;
    const asset = { body: await readFile(file, 'utf8'), contentType };
    this.cache.set(file, { mtimeMs: 0, asset });
    return asset;
  }

  private async module(name: string): Promise<Asset | null> {
    const js = this.webDir + name;
    const ts = this.webDir + name.replace(/\.js$/, '.ts');
    for (const [file, compile] of [
      [js, false],
      [ts, true],
    ] as const) {
      let mtimeMs: number;
      try {
        const s = await stat(file);
        if (!s.isFile()) continue;
        mtimeMs = s.mtimeMs;
      } catch {
        continue;
      }
      const hit = this.cache.get(file);
      if (hit && hit.mtimeMs === mtimeMs) return hit.asset;
      const source = await readFile(file, 'utf8');
      const body = compile ? (await this.transpiler())(source, file) : source;
      const asset = { body, contentType: 'text/javascript; charset=utf-8' };
      this.cache.set(file, { mtimeMs, asset });
      return asset;
    }
    return null;
  }

  private transpiler(): Promise<Transpile> {
    this.transpile ??= import('typescript').then(
      ({ default: ts }) =>
        (source: string, fileName: string) =>
          ts.transpileModule(source, {
            fileName,
            compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, sourceMap: false },
          }).outputText,
    );
    return this.transpile;
  }
}
