import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateTables, variantConfig } from './table-set';

const raw = JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'seed-000.json'), 'utf8'));

describe('variantConfig', () => {
  it('moves every table of the config to the namespace, keeping catalogs and names', () => {
    const c = variantConfig(raw, 'bench_x3');
    expect([c.sourceTable, ...stateTables(c)].map((t) => t.plain)).toEqual([
      'local.bench_x3.accounts_all',
      'local.bench_x3.summary',
      'local.bench_x3.latest_summary',
      'local.bench_x3.summary_rejects',
      'local.bench_x3.summary_audit',
      'local.bench_x3.summary_runs',
      'local.bench_x3.summary_batches',
    ]);
  });

  it("reads another namespace's source for the full rebuild", () => {
    const c = variantConfig(raw, 'bench_rebuild', 'bench');
    expect([c.sourceTable.plain, c.summaryTable.plain]).toEqual([
      'local.bench.accounts_all',
      'local.bench_rebuild.summary',
    ]);
  });

  it('moves explicit pipeline_tables too', () => {
    const c = variantConfig(
      { ...raw, pipeline_tables: { rejects: 'ops.rej', audit: 'ops.aud', ledger: 'other.led', batches: 'ops.bat' } },
      'b',
    );
    expect(Object.values(c.tables).map((t) => t.plain)).toEqual([
      'local.b.rej',
      'local.b.aud',
      'local.b.led',
      'local.b.bat',
    ]);
  });
});
