#!/usr/bin/env node
// Fails when the top-level folders of src/ import each other in a cycle (architecture: "imports run one way: no
// folder imports a folder that imports it back"). It reads every .ts file's imports with TypeScript's scanner,
// type-only imports and `export ... from` included (a type import is a dependency too, even though the compiled code
// drops it), maps each file to its folder (src/push/x.ts -> push; files directly in src/ -> the root, "."), and
// reports every strongly connected group of more than one folder, with one importing file per edge of it.
//
// Usage: node scripts/check-cycles.mjs [dir]    (default src; test/unit/check-cycles.spec.ts plants cycles in temp dirs)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? 'src');

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

/** The top-level folder of a path under the root, "." for a file directly in it, null outside the root. */
function folderOf(path) {
  const rel = relative(root, path);
  if (rel.startsWith('..')) return null;
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0] : '.';
}

/** folder -> (imported folder -> one file that imports it) */
const edges = new Map();
for (const file of sourceFiles(root)) {
  const from = folderOf(file);
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith('.')) continue; // packages
    const to = folderOf(resolve(dirname(file), fileName));
    if (to === null || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, relative(process.cwd(), file));
  }
}

// Tarjan's strongly connected components over the folder graph.
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const groups = [];
let next = 0;
function visit(v) {
  index.set(v, next);
  low.set(v, next++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!index.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) === index.get(v)) {
    const group = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1) groups.push(group.sort());
  }
}
for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);

if (groups.length === 0) {
  console.log(`no import cycle between the folders of ${relative(process.cwd(), root) || '.'}`);
} else {
  for (const group of groups) {
    console.error(`import cycle between folders: ${group.join(', ')}`);
    for (const from of group) {
      for (const [to, file] of edges.get(from) ?? []) {
        if (group.includes(to)) console.error(`  ${from} -> ${to}  (${file})`);
      }
    }
  }
  process.exitCode = 1;
}
