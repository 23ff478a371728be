import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

// Imports only through a package's entry point (README "Layout"): a library is imported as @app/<lib>, its
// src/index.ts, and an app by nobody. A relative import into another library's or app's files
// (`../../libs/launcher/src/emr/...`, `../../apps/spark-dispatcher/src/...`), a path from the repository root
// (`libs/...`, which tsconfig's baseUrl resolves) or a deep `@app/<lib>/...` passes the index by: a move inside
// that library breaks it, and libs/layers.spec.ts, which reads `@app/<lib>` imports, does not see it.
// Checked over every source and spec of libs/, apps/, bench/, e2e/ and deploy/. A package is libs/<lib> or
// apps/<app> (relative imports inside one are free, e.g. libs/contracts/scripts/ to libs/contracts/src/);
// bench/, e2e/, deploy/ and the data at the root (config/*.json) are no library and no app.
const ROOT = join(__dirname, '..');
const DIRS = ['libs', 'apps', 'bench', 'e2e', 'deploy'];

/** Imports allowed past an entry point, each with the reason (none today; a new one needs one). */
const ALLOWED: { file: string; import: string; reason: string }[] = [];

const IMPORT =
  /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|\bjest\.(?:mock|doMock|requireActual)\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm;

/** libs/<lib> or apps/<app> a repository path belongs to, else null. */
function packageOf(path: string): string | null {
  const [top, name] = path.split('/');
  return (top === 'libs' || top === 'apps') && name !== undefined && !name.includes('.') ? `${top}/${name}` : null;
}

/** The imports of `text` (the file at repository path `file`) that pass another package's entry point. */
function pastEntryPoints(file: string, text: string): string[] {
  const out: string[] = [];
  for (const [, , spec] of text.matchAll(IMPORT)) {
    if (/^@app\/[a-z-]+\//.test(spec) || /^(libs|apps)\//.test(spec)) out.push(spec);
    else if (spec.startsWith('.')) {
      const target = packageOf(posix.normalize(posix.join(posix.dirname(file), spec)));
      if (target !== null && target !== packageOf(file)) out.push(spec);
    }
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('imports through entry points', () => {
  it('finds an import past an entry point', () => {
    expect(
      pastEntryPoints('e2e/cluster/x.int-spec.ts', "import { a } from '../../libs/launcher/src/emr/s3-objects';"),
    ).toEqual(['../../libs/launcher/src/emr/s3-objects']);
    expect(pastEntryPoints('apps/auditor/src/a.spec.ts', "const m = await import('../../cli/src/main');")).toEqual([
      '../../cli/src/main',
    ]);
    expect(pastEntryPoints('bench/src/a.ts', "export { b } from '@app/engine/pipeline';")).toEqual([
      '@app/engine/pipeline',
    ]);
    expect(
      pastEntryPoints(
        'libs/contracts/src/a.spec.ts',
        "import { c } from '../scripts/record-fixtures';\nimport seed from '../../../config/seed-000.json';",
      ),
    ).toEqual([]);
  });

  it('no library, app, bench or e2e file imports another library or app past its entry point', () => {
    const found: string[] = [];
    for (const dir of DIRS)
      for (const path of sources(join(ROOT, dir))) {
        const file = relative(ROOT, path).split(sep).join('/');
        if (path === __filename) continue; // its examples above are strings, not imports
        for (const spec of pastEntryPoints(file, readFileSync(path, 'utf8')))
          if (!ALLOWED.some((a) => a.file === file && a.import === spec)) found.push(`${file} imports ${spec}`);
      }
    expect(found).toEqual([]);
  });

  it('every allowed import is still there', () => {
    const gone = ALLOWED.filter(
      (a) => !pastEntryPoints(a.file, readFileSync(join(ROOT, a.file), 'utf8')).includes(a.import),
    );
    expect(gone).toEqual([]);
  });
});
