import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

// No import cycle among the files of the libraries and apps (issue 24), type-only imports included: a cycle makes
// two files one unit that cannot be read, moved or tested alone. Between libraries libs/layers.spec.ts already
// forbids any (a library imports only from layers below it); this holds the files inside each package to the same.
// Specs are left out: a spec imports what it tests and nothing imports a spec.
const ROOT = join(__dirname, '..');
const RELATIVE_IMPORT = /\bfrom\s+'(\.[^']+)'/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('spec.ts') ? [path] : [];
  });
}

/** The file a relative import names: `x.ts` or `x/index.ts`; null for anything else (JSON data). */
function resolveImport(from: string, spec: string): string | null {
  const target = join(dirname(from), spec);
  for (const candidate of [`${target}.ts`, join(target, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return null;
}

/** Every cycle found by a depth-first walk, each as the files around it (`a → b → a`). */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

describe('import cycles', () => {
  it('finds a cycle when there is one (the check can fail)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cyclesOf(graph)).toEqual([['a', 'b', 'c', 'a']]);
    expect(
      cyclesOf(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('no file of libs/ or apps/ is part of one', () => {
    const files = ['libs', 'apps'].flatMap((d) => sources(join(ROOT, d)));
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const imports = [...readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)].map(([, spec]) => spec);
      graph.set(
        file,
        imports.map((spec) => resolveImport(file, spec)).filter((f): f is string => f !== null),
      );
    }
    expect(graph.size).toBeGreaterThan(100);
    expect(cyclesOf(graph).map((c) => c.map((f) => relative(ROOT, f)).join(' → '))).toEqual([]);
  });
});
