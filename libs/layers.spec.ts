import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// The libraries' layers (README "Layout"): a library imports only from the layers below it, so the
// lifecycle, the engine and the services' kit build on each other one way. The test-support libraries
// (TEST_SUPPORT) are in no layer and may import anything; specs may import test support, and the libraries
// above their own to check what the code under test did (an engine int-spec runs @app/table-ops's validate
// on the tables it wrote).
const LAYERS: string[][] = [
  ['domain'],
  ['expression'],
  ['contracts', 'config'],
  ['common'],
  ['compiler'],
  ['lifecycle'],
  ['runner-client', 'ingest'],
  ['lease'],
  ['engine'],
  ['table-ops'],
  ['launcher'],
  ['service-kit'],
  ['stack'],
];
// Test support: imported by specs and e2e/, never by a library's source (in no layer, the check below refuses
// it), and not built (tsconfig.build.json).
const TEST_SUPPORT = ['testing', 'hostile-corpus'];
const layerOf = new Map(LAYERS.flatMap((libs, i) => libs.map((l) => [l, i] as const)));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.int-spec.ts') ? [path] : [];
  });
}

describe('library layers', () => {
  it('every library is in a layer', () => {
    const libs = readdirSync(__dirname).filter(
      (d) => statSync(join(__dirname, d)).isDirectory() && !TEST_SUPPORT.includes(d),
    );
    expect(libs.filter((l) => !layerOf.has(l))).toEqual([]);
  });

  it('no library imports from its own layer or a layer above', () => {
    const upward: string[] = [];
    for (const [lib, layer] of layerOf) {
      for (const file of sources(join(__dirname, lib, 'src'))) {
        for (const [, target] of readFileSync(file, 'utf8').matchAll(/from '@app\/([a-z-]+)'/g)) {
          const to = layerOf.get(target);
          if (to === undefined || to >= layer) upward.push(`${relative(__dirname, file)} imports @app/${target}`);
        }
      }
    }
    expect(upward).toEqual([]);
  });
});
