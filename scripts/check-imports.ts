/**
 * `npm run lint`'s import check: no import cycle between files, and none between the folders that
 * show the architecture (src/plugin, src/events, src/store, src/projections, src/queries, …,
 * entities, migrations), type-only imports included. Data flows one way; a cycle means a layer
 * reaches back up. Prints each cycle found and exits 1; prints one line and exits 0 when there is none.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '..');
const TOP = ['src', 'entities', 'migrations'];

function walk(dir: string, out: string[]): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'vendor') walk(full, out);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** The files a file imports (relative imports only, `.js` written for `.ts`). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  const found: string[] = [];
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const base = path.resolve(path.dirname(file), ref.fileName);
    const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')];
    const hit = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
    if (hit) found.push(hit);
  }
  return found;
}

/** The architectural unit of a file: `src/<folder>`, a file directly in `src/`, or a top folder. */
function unitOf(file: string): string {
  const rel = path.relative(ROOT, file).split(path.sep);
  if (rel[0] === 'src') return rel.length > 2 ? `src/${rel[1]}` : rel.join('/');
  return rel[0]!;
}

/** Strongly connected components with more than one member (or a self-loop): Tarjan's algorithm. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** One path around a component, for the message: a → b → … → a. */
function loop(graph: Map<string, Set<string>>, component: string[]): string {
  const members = new Set(component);
  const start = component[0]!;
  const seen = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const chain = [v];
        while (chain[0] !== start) chain.unshift(seen.get(chain[0]!)!);
        return [...chain, start].join(' → ');
      }
      if (!seen.has(w)) {
        seen.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.join(', ');
}

const files = TOP.flatMap((t) => (fs.existsSync(path.join(ROOT, t)) ? walk(path.join(ROOT, t), []) : []));
const fileGraph = new Map<string, Set<string>>();
const unitGraph = new Map<string, Set<string>>();
for (const file of files) {
  const from = path.relative(ROOT, file);
  const targets = importsOf(file);
  fileGraph.set(from, new Set(targets.map((t) => path.relative(ROOT, t))));
  const unit = unitOf(file);
  const set = unitGraph.get(unit) ?? new Set<string>();
  // The barrel re-exports every folder: it is the top, nothing may import it.
  for (const t of targets) if (unitOf(t) !== unit) set.add(unitOf(t));
  unitGraph.set(unit, set);
}

const problems = [
  ...cycles(fileGraph).map((c) => `file cycle: ${loop(fileGraph, c)}`),
  ...cycles(unitGraph).map((c) => `folder cycle: ${loop(unitGraph, c)} (folders in this cycle: ${c.join(', ')})`),
];
for (const p of problems) console.error(p);
if (problems.length > 0) process.exit(1);
console.log(`imports: no cycle among ${files.length} files in ${unitGraph.size} folders`);
