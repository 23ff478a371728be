import { EventPublisher, Metrics, ServiceContext, SnapshotInfo, SnapshotSource, TableSnapshots } from '@app/common';
import { TableName } from '@app/config';
import { WatermarkAdvanced } from '@app/contracts';
import { WatchService } from './watch.service';

// The watcher's poll on tables held in memory (no catalog, no Kafka): which batch it announces with and
// without the report-date table (SPEC §4b), and that its position follows both tables. Reading the
// position back from the topic at start is e2e/services.int-spec.ts's.

const SOURCE = new TableName('cat', 'raw', 'src');
const REPORT = new TableName('cat', 'raw', 'rpt');

/** A table's snapshots as a chain: each id's parent is the one before it. */
const chain = (...ids: string[]): TableSnapshots => ({
  currentId: ids.length ? ids[ids.length - 1] : null,
  snapshots: new Map(
    ids.map((id, i): [string, SnapshotInfo] => [
      id,
      {
        snapshotId: id,
        parentId: i ? ids[i - 1] : null,
        timestampMs: i,
        operation: 'append',
        summary: { 'summary-pipeline.max-base-ts': `2025-01-0${i + 1} 00:00:00` },
      },
    ]),
  ),
});

function watcher(withReport: boolean) {
  const tables = new Map<string, TableSnapshots>([
    ['raw.src', chain()],
    ['raw.rpt', chain()],
  ]);
  const loaded: string[] = [];
  const snapshots: SnapshotSource = {
    describe: () => 'in memory',
    load: async (namespace, table) => {
      loaded.push(`${namespace.join('.')}.${table}`);
      return tables.get(`${namespace.join('.')}.${table}`)!;
    },
    ping: async () => undefined,
  };
  const published: WatermarkAdvanced[] = [];
  const publisher = {
    publish: async (_e: string, value: WatermarkAdvanced) => void published.push(value),
  } as unknown as EventPublisher;
  const metrics = new Metrics('ingest-watcher');
  const service = new WatchService(
    { sourceTable: SOURCE, reportTable: withReport ? REPORT : undefined, snapshots, pollIntervalMs: 1000 },
    {} as ServiceContext,
    publisher,
    metrics,
  );
  const set = (table: 'raw.src' | 'raw.rpt', ...ids: string[]) => tables.set(table, chain(...ids));
  const ranges = async () => {
    const e = await service.poll();
    return (
      e && [e.batchId, e.sourceStartSnapshotId, e.sourceEndSnapshotId, e.reportStartSnapshotId, e.reportEndSnapshotId]
    );
  };
  const pollErrors = async () => (await metrics.get('watcherPollErrors').get()).values[0]?.value ?? 0;
  return { service, set, ranges, published, loaded, pollErrors };
}

describe('WatchService.poll', () => {
  beforeEach(() => jest.spyOn(process.stderr, 'write').mockImplementation(() => true));
  afterEach(() => jest.restoreAllMocks());

  it('without the report table: watches the source only, and the report range stays null', async () => {
    const w = watcher(false);
    w.set('raw.src', '1', '2');
    expect(await w.ranges()).toEqual(['b-000001', null, '2', null, null]);
    expect(await w.ranges()).toBeNull();
    w.set('raw.src', '1', '2', '3');
    expect(await w.ranges()).toEqual(['b-000002', '2', '3', null, null]);
    expect(w.published[1].watermark).toBe('2025-01-03 00:00:00');
    expect(new Set(w.loaded)).toEqual(new Set(['raw.src']));
  });

  it('with the report table: either table moving makes a batch, report rows alone included, and the position follows both', async () => {
    const w = watcher(true);
    // Report rows wait while the source has no snapshot at all (nextBatch's rule).
    w.set('raw.rpt', '10');
    expect(await w.ranges()).toBeNull();
    w.set('raw.src', '1');
    expect(await w.ranges()).toEqual(['b-000001', null, '1', null, '10']);
    // A report-only ingest: an empty source range, the report snapshots after the last announced one.
    w.set('raw.rpt', '10', '11');
    expect(await w.ranges()).toEqual(['b-000002', '1', '1', '10', '11']);
    expect(w.published[1].watermark).toBeNull();
    expect(await w.ranges()).toBeNull();
    // Both tables moving: one batch with both ranges; then the source alone: an empty report range.
    w.set('raw.src', '1', '2');
    w.set('raw.rpt', '10', '11', '12');
    expect(await w.ranges()).toEqual(['b-000003', '1', '2', '11', '12']);
    w.set('raw.src', '1', '2', '3');
    expect(await w.ranges()).toEqual(['b-000004', '2', '3', '12', '12']);
    expect(new Set(w.loaded)).toEqual(new Set(['raw.src', 'raw.rpt']));
  });

  it('with the report table not written yet: source batches with a null report range', async () => {
    const w = watcher(true);
    w.set('raw.src', '1');
    expect(await w.ranges()).toEqual(['b-000001', null, '1', null, null]);
    w.set('raw.rpt', '10');
    expect(await w.ranges()).toEqual(['b-000002', '1', '1', null, '10']);
  });

  it('publishes nothing when the report table was rolled back behind the last announced report snapshot', async () => {
    const w = watcher(true);
    w.set('raw.src', '1');
    w.set('raw.rpt', '10', '11');
    expect(await w.ranges()).toEqual(['b-000001', null, '1', null, '11']);
    w.set('raw.rpt', '10', '12'); // 12's parent is 10: 11 is gone
    expect(await w.ranges()).toBeNull();
    expect(await w.pollErrors()).toBe(1);
    expect(w.published).toHaveLength(1);
  });
});
