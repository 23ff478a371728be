import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_SCHEMA, CorpusCase, CorpusRow, DECOY_MARK, generateHostileCorpus } from '@app/hostile-corpus';
import { SparkHarness, startHarness } from '@app/testing';
import { IngestError, WATERMARK_PROPERTY, withStagedJsonl, parseLoadOptions } from '@app/ingest';
import { runLoad } from './load';
import { readSnapshots } from './snapshots';
import seed000 from '../../../config/seed-000.json';

// Issue 10: the ingest check and Spark's reader disagreed and rows were lost with exit 0. On real Spark +
// Iceberg: what was checked is what lands — every file name read literally, exact BIGINTs, exact column
// names, no silent NULL for a missing column, and a refused file appends nothing.

const MAX_BIGINT = '9223372036854775807';
const T = '2025-01-01 00:00:00';

/** One source line as text, so keys above 2^53 are written exactly. */
function line(key: string, balance: number | null, month = '2024-01', ts = T, extra = ''): string {
  return (
    `{"cons_acct_key": ${key}, "acct_dt": "${month}-15", "rpt_as_of_mo": "${month}", ` +
    `"current_balance": ${balance}, "current_dpd": 0, "payment_am": 1, "status_cd": "A", ` +
    `"account_status": "OPEN", "created_ts": "${ts}", "updated_ts": "${ts}", "base_ts": "${ts}"${extra}}`
  );
}

describe('ingest reads what it checked (real Spark)', () => {
  let h: SparkHarness;
  const file = (name: string, lines: string[]) => {
    const path = join(h.dir, name);
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  };
  /** Source rows as exact text: key → balance (NULL as null). */
  const source = async (): Promise<Record<string, number | null>> => {
    const rows = await h.runner.query(
      `SELECT CAST(cons_acct_key AS STRING) AS k, current_balance AS b FROM ${h.config.sourceTable.sql}`,
      10_000,
    );
    return Object.fromEntries(rows.map((r) => [String(r.k), r.b as number | null]));
  };
  const currentSource = () => h.pipeline.currentSnapshot(h.config.sourceTable);

  beforeAll(async () => {
    h = await startHarness(seed000);
    await h.pipeline.init();
  });
  afterAll(async () => h?.close());

  it('appends every row of files named _day.jsonl and .day.jsonl (Spark had read them as hidden: 0 rows)', async () => {
    const underscore = await h.pipeline.ingest(file('_day.jsonl', [line('1', 10), line('2', 20)]));
    const dot = await h.pipeline.ingest(file('.day.jsonl', [line('3', 30)]));

    expect([underscore.rows, dot.rows]).toEqual([2, 1]);
    expect(await source()).toEqual({ 1: 10, 2: 20, 3: 30 });
  });

  it('reads a26[1].jsonl itself, not the a261.jsonl its name matches as a glob', async () => {
    file('a261.jsonl', [line('261', 1), line('262', 2), line('263', 3)]);
    const r = await h.pipeline.ingest(file('a26[1].jsonl', [line('26', 100)]));

    expect(r.rows).toBe(1);
    expect(await source()).toMatchObject({ 26: 100 });
    expect(Object.keys(await source())).not.toContain('261');
  });

  it('stores BIGINT keys above 2^53 exactly, up to 2^63 − 1, with the snapshot watermark', async () => {
    const r = await h.pipeline.ingest(
      file('big.jsonl', [line(MAX_BIGINT, 7, '2024-02', '2025-01-02 03:04:05'), line('9007199254740993', 8)]),
    );

    expect(r.rows).toBe(2);
    expect(await source()).toMatchObject({ [MAX_BIGINT]: 7, '9007199254740993': 8 });
    const snapshot = (await readSnapshots(h.runner, h.config.sourceTable)).find((s) => s.id === r.snapshotId)!;
    expect(snapshot.summary[WATERMARK_PROPERTY]).toBe('2025-01-02 03:04:05');
  });

  it('refuses an uppercase key (Spark had stored NULL) and a missing column, appending nothing', async () => {
    const before = await currentSource();
    const upper = line('40', null).replace('"current_balance": null', '"CURRENT_BALANCE": 777');
    await expect(h.pipeline.ingest(file('upper.jsonl', [line('41', 1), upper]))).rejects.toThrow(
      'line 2: unknown column "CURRENT_BALANCE"; column names are exact: did you mean "current_balance"?',
    );
    const missing = line('42', null).replace('"current_balance": null, ', '');
    await expect(h.pipeline.ingest(file('missing.jsonl', [missing]))).rejects.toThrow(
      /line 1: missing column "current_balance"/,
    );
    await expect(h.pipeline.ingest(file('float.jsonl', [line('43', 100.5)]))).rejects.toBeInstanceOf(IngestError);

    expect(await currentSource()).toBe(before);
    const allowed = await h.pipeline.ingest(file('allowed.jsonl', [missing]), { allowMissing: ['current_balance'] });
    expect(allowed.rows).toBe(1);
    expect((await source())['42']).toBeNull();
  });

  it('load appends from the same staged rows: parts of [x].jsonl add up to the file', async () => {
    const lines = [
      line('500', 1, '2024-01'),
      line('501', 2, '2024-02'),
      line('502', 3, '2024-02'),
      line(MAX_BIGINT.replace('7', '6'), 4, '2024-03'),
    ];
    const report = await runLoad(
      h.pipeline,
      file('_load[x].jsonl', lines),
      parseLoadOptions({ byMonth: true, run: false }),
    );

    expect(report.parts.map((p) => [p.label, p.status, p.rows])).toEqual([
      ['month 2024-01', 'appended', 1],
      ['month 2024-02', 'appended', 2],
      ['month 2024-03', 'appended', 1],
    ]);
    expect(await source()).toMatchObject({ 500: 1, 501: 2, 502: 3, [MAX_BIGINT.replace('7', '6')]: 4 });
  });

  it(
    'lands accepted cases of the hostile-input corpus as the corpus says (issue 25): BOM, CRLF, ' +
      'escapes, extreme numbers, glob names beside decoys',
    async () => {
      // Five accepted cases of libs/hostile-corpus/src/hostile-corpus.ts (the unit spec checks all of them up to the
      // staged copy), through Spark's reader and an Iceberg table of the corpus's schema.
      const corpus = generateHostileCorpus();
      const wanted: ((c: CorpusCase) => boolean)[] = [
        (c) => c.kind === 'bom' && 'rows' in c.expect && c.expect.rows.length > 1,
        (c) => c.kind === 'crlf' && 'rows' in c.expect && c.expect.rows.length > 1,
        (c) => c.what === 'k = 9223372036854775807',
        (c) => c.what === 'f = 3.4028235e38',
        (c) => c.what === `mo = ${JSON.stringify('\uFEFF byte order mark inside a value')}`,
      ];
      const picked = wanted.map((w) => corpus.find(w)!);
      expect(picked.every((c) => c && 'rows' in c.expect)).toBe(true);
      const table = h.config.sourceTable.sibling('hostile_corpus');
      await h.runner.query(
        `CREATE TABLE ${table.sql} (${CORPUS_SCHEMA.map((c) => `\`${c.name}\` ${c.type}`).join(', ')}) USING iceberg`,
      );
      const expected: CorpusRow[] = [];
      for (const c of picked) {
        const folder = join(h.dir, `corpus-${c.id}`);
        mkdirSync(folder);
        for (const d of c.decoys) writeFileSync(join(folder, d.name), d.bytes);
        writeFileSync(join(folder, c.name), c.bytes);
        const rows = (c.expect as { rows: CorpusRow[] }).rows;
        const r = await withStagedJsonl(
          join(folder, c.name),
          CORPUS_SCHEMA,
          { allowMissing: c.allowMissing },
          (staged) => h.runner.appendJsonl(table.plain, staged.path, CORPUS_SCHEMA, staged.rows),
        );
        expect([c.id, r.rows]).toEqual([c.id, rows.length]);
        expected.push(...rows);
      }
      const got = await h.runner.query(
        // f as a DOUBLE: its exact value (to_json writes a FLOAT as Java's shortest float text, 3.4028235E38).
        `SELECT CAST(k AS STRING) AS k, mo, CAST(bal AS STRING) AS bal, CAST(tiny AS STRING) AS tiny, ` +
          `CAST(amt AS STRING) AS amt, rate, CAST(f AS DOUBLE) AS f, ok, CAST(d AS STRING) AS d, ` +
          `CAST(ts AS STRING) AS ts FROM ${table.sql}`,
      );
      const byKey =
        <T>(key: (r: T) => bigint) =>
        (a: T, b: T) =>
          key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
      const text = (v: bigint | null) => (v === null ? null : String(v));
      const plusZero = (v: number | null) => (v === 0 ? 0 : v);
      expect(got.filter((r) => String(r.mo).startsWith(DECOY_MARK))).toEqual([]);
      expect(
        got
          .sort(byKey((r) => BigInt(String(r.k))))
          .map((r) => ({ ...r, rate: plusZero(r.rate as number | null), f: plusZero(r.f as number | null) })),
      ).toEqual(
        [...expected].sort(byKey((e) => e.k)).map((e) => ({
          k: String(e.k),
          mo: e.mo,
          bal: text(e.bal),
          tiny: text(e.tiny),
          amt: e.amt,
          rate: plusZero(e.rate),
          f: plusZero(e.f),
          ok: e.ok,
          d: e.d,
          ts: e.ts,
        })),
      );
    },
  );

  it('runs the pipeline on what was ingested: the 2^63 − 1 key reaches summary exactly', async () => {
    await h.pipeline.runPending();
    const rows = await h.runner.query(
      `SELECT CAST(cons_acct_key AS STRING) AS k, bal_history[0] AS b FROM ${h.config.summaryTable.sql} WHERE cons_acct_key > 9000000000000000000`,
    );
    expect(rows.sort((a, b) => String(a.k).localeCompare(String(b.k)))).toEqual([
      { k: MAX_BIGINT.replace('7', '6'), b: 4 },
      { k: MAX_BIGINT, b: 7 },
    ]);
  });
});
