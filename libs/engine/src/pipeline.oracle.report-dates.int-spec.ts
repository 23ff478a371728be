import * as fc from 'fast-check';
import {
  ALT_CONFIG_REPORT,
  ALT_CONFIG_REPORT_NO_SOFT_DELETE,
  ALT_ORACLE_SPEC,
  ALT_ORACLE_SPEC_NO_SOFT_DELETE,
  ALT_REPORT_SPEC,
  MixedBatch,
  OracleSpec,
  ReportSpec,
  SparkHarness,
  UnboundedSpec,
  diffRows,
  reportCounts,
  reportOracle,
  reportScenario,
  scenarioArb,
  startHarness,
} from '@app/testing';

// SPEC §4b's property on real Spark + Iceberg: the oracle property test's random histories with report
// rows beside them (reportScenario: before, with and after their main row, batches of report rows alone,
// vetoes, both deleted, settled dates, ties, invalid rows, cells that never get a main row). After EVERY
// batch summary and latest equal reportOracle of all rows ingested so far, and the batch's report counts
// equal reportCounts. Both configs of the property test: soft delete on, and off (no delete column).
// SPEC §4c rides along: unbounded history on (as long as each key's months with soft delete on, cut or padded
// to 20 elements with it off), equal to the oracle after every batch and, at the end, to its rebuild from summary.

const ACCOUNTS = Number(process.env.ORACLE_REPORT_ACCOUNTS ?? 40);
const BATCHES = Number(process.env.ORACLE_REPORT_BATCHES ?? 3);
const SEED = Number(process.env.ORACLE_SEED ?? 20261122);
const ONLY = process.env.ORACLE_REPORT_ONLY; // 'on' or 'off': run one config

const summaryKey = (r: Record<string, unknown>) => `${r.acct_id}|${r.period}`;
const latestKey = (r: Record<string, unknown>) => `${r.acct_id}`;

function property(
  name: string,
  baseConfig: Record<string, unknown>,
  spec: OracleSpec,
  report: ReportSpec,
  deletes: boolean,
  unbounded: UnboundedSpec,
) {
  const rawConfig = {
    ...baseConfig,
    unbounded_history: { table: 'alt.acct_unbounded', suffix: unbounded.suffix, max_length: unbounded.maxLength },
  };
  const main = fc.sample(scenarioArb({ accounts: ACCOUNTS, batches: BATCHES }), { seed: SEED, numRuns: 1 })[0];
  const batches: MixedBatch[] = reportScenario(main, SEED, deletes);
  const counts = reportCounts(spec, report, batches);

  (ONLY && ONLY !== (deletes ? 'on' : 'off') ? describe.skip : describe)(
    `${name}: ${ACCOUNTS} accounts × ${batches.length} batches (seed ${SEED})`,
    () => {
      let h: SparkHarness;
      beforeAll(async () => {
        h = await startHarness(rawConfig);
        await h.pipeline.init();
      });
      afterAll(async () => h?.close());

      it('the scenario has the §4b situations', () => {
        const total = counts.reduce((a, c) => ({
          read: a.read + c.read,
          rejected: a.rejected + c.rejected,
          unmatched: a.unmatched + c.unmatched,
          vetoes: a.vetoes + c.vetoes,
          reResolved: a.reResolved + c.reResolved,
        }));
        const expected = { read: true, rejected: true, unmatched: true, vetoes: deletes, reResolved: true };
        expect(Object.fromEntries(Object.entries(total).map(([k, n]) => [k, n > 0]))).toEqual(expected);
        expect(batches.filter((b) => b.source.length === 0).length).toBeGreaterThanOrEqual(2);
      });

      it('summary, latest and the report counts equal the oracle after every batch', async () => {
        for (let i = 0; i < batches.length; i++) {
          if (batches[i].source.length) await h.ingest(batches[i].source);
          await h.ingest(batches[i].reports, 'report-dates');
          const outcomes = await h.pipeline.runPending();
          expect(outcomes).toHaveLength(1);
          const expected = reportOracle(spec, report, batches.slice(0, i + 1), unbounded);
          expect({ batch: i + 1, diffs: diffRows(await h.summary(), expected.summary, summaryKey) }).toEqual({
            batch: i + 1,
            diffs: [],
          });
          expect({ batch: i + 1, diffs: diffRows(await h.latest(), expected.latest, latestKey) }).toEqual({
            batch: i + 1,
            diffs: [],
          });
          expect({ batch: i + 1, diffs: diffRows(await h.unbounded(), expected.unbounded, latestKey) }).toEqual({
            batch: i + 1,
            diffs: [],
          });
          const c = outcomes[0].counts.report!;
          expect({
            batch: i + 1,
            read: c.read,
            rejected: c.rejected,
            unmatched: c.unmatched,
            vetoes: c.vetoes,
            reResolved: c.reresolved,
          }).toEqual({ batch: i + 1, ...counts[i] });
        }
      });

      it('the unbounded table rebuilt from summary alone equals the one the batches kept (SPEC §4c)', async () => {
        const kept = await h.unbounded();
        expect(kept.length).toBeGreaterThan(0);
        expect(await h.pipeline.rebuildUnbounded()).toBe(kept.length);
        expect(diffRows(await h.unbounded(), kept, latestKey)).toEqual([]);
      });
    },
  );
}

property('§4b/§4c oracle equality, soft delete on', ALT_CONFIG_REPORT, ALT_ORACLE_SPEC, ALT_REPORT_SPEC, true, {
  suffix: '_history_unbounded',
  maxLength: null,
});
property(
  '§4b/§4c oracle equality, soft delete off',
  ALT_CONFIG_REPORT_NO_SOFT_DELETE,
  ALT_ORACLE_SPEC_NO_SOFT_DELETE,
  { ...ALT_REPORT_SPEC, deleteColumn: null },
  false,
  { suffix: '_all', maxLength: 20 },
);
