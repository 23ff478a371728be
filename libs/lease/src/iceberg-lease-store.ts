import { PipelineConfig, TableName, quoteIdent as q, quoteString as lit } from '@app/config';
import { LeaseRecord, LeaseStore } from './lease';
import { RunnerClient, RunnerError } from '@app/runner-client';

/** `<summary>_lease`, beside the ledger: one row, the pipeline's lease. */
export function leaseTable(config: PipelineConfig): TableName {
  return config.tables.ledger.sibling(`${config.summaryTable.table}_lease`);
}

const CONCURRENT_CHANGE = /concurrently modified|conflicting|CommitFailed/i;

const COLUMNS = [
  'pipeline',
  'token',
  'epoch',
  'host',
  'pid',
  'command',
  'acquired_at_ms',
  'renewed_at_ms',
  'expires_at_ms',
  'released_at_ms',
] as const;

const num = (v: number | null) => (v === null ? 'CAST(NULL AS BIGINT)' : `CAST(${Math.trunc(v)} AS BIGINT)`);
const str = (v: string | null) => (v === null ? 'CAST(NULL AS STRING)' : lit(v));

function values(r: LeaseRecord): Record<(typeof COLUMNS)[number], string> {
  return {
    pipeline: str(r.pipeline),
    token: str(r.token),
    epoch: num(r.epoch),
    host: str(r.holder?.host ?? null),
    pid: num(r.holder?.pid ?? null),
    command: str(r.holder?.command ?? null),
    acquired_at_ms: num(r.acquiredAtMs),
    renewed_at_ms: num(r.renewedAtMs),
    expires_at_ms: num(r.expiresAtMs),
    released_at_ms: num(r.releasedAtMs),
  };
}

/**
 * The lease as a one-row Iceberg table, so it lives where every writer's tables live (hadoop catalog on
 * disk, REST or JDBC catalog, a cluster's catalog) and needs nothing else.
 *
 * compare-and-set: a copy-on-write MERGE whose ON clause requires the token and epoch that were read.
 * If another writer committed first, either the MERGE reads its row and matches nothing, or (it read the
 * older snapshot) Iceberg's commit validation fails — serializable isolation: the file it rewrites was
 * replaced by a concurrent commit ("Found conflicting files"). Either way the lease is read back and the
 * write counts only if the row now holds our token and epoch.
 */
export class IcebergLeaseStore implements LeaseStore {
  readonly table: TableName;
  readonly location: string;
  private ensured = false;

  constructor(
    private readonly runner: RunnerClient,
    config: PipelineConfig,
  ) {
    this.table = leaseTable(config);
    this.location = this.table.plain;
  }

  /** The table with its one row: an atomic CTAS, so two first writers cannot both seed it. */
  async ensure(pipeline: string): Promise<void> {
    if (this.ensured) return;
    const seed = values({
      pipeline,
      token: null,
      epoch: 0,
      holder: null,
      acquiredAtMs: 0,
      renewedAtMs: 0,
      expiresAtMs: 0,
      releasedAtMs: null,
    });
    const props = {
      'format-version': '2',
      'write.merge.mode': 'copy-on-write',
      'write.merge.isolation-level': 'serializable',
      // Every heartbeat is a commit: keep the metadata directory small (the runner also expires snapshots).
      'write.metadata.delete-after-commit.enabled': 'true',
      'write.metadata.previous-versions-max': '20',
    };
    try {
      await this.runner.query(
        `CREATE TABLE IF NOT EXISTS ${this.table.sql}\nUSING iceberg\nTBLPROPERTIES (${Object.entries(props)
          .map(([k, v]) => `${lit(k)} = ${lit(v)}`)
          .join(', ')})\nAS SELECT ${COLUMNS.map((c) => `${seed[c]} AS ${q(c)}`).join(', ')}`,
      );
    } catch (err) {
      // Two first writers: the one that lost the create finds the table there.
      if (!(err instanceof RunnerError) || !/already exists/i.test(err.message)) throw err;
    }
    this.ensured = true;
  }

  async read(pipeline: string): Promise<LeaseRecord | null> {
    await this.ensure(pipeline);
    const rows = await this.runner.query(
      `SELECT ${COLUMNS.map(q).join(', ')} FROM ${this.table.sql} WHERE pipeline = ${lit(pipeline)} ORDER BY epoch DESC LIMIT 1`,
    );
    if (!rows.length) return null;
    const r = rows[0];
    const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return {
      pipeline,
      token: (r.token as string | null) ?? null,
      epoch: Number(r.epoch),
      holder:
        r.host === null || r.host === undefined
          ? null
          : { host: String(r.host), pid: Number(r.pid), command: String(r.command) },
      acquiredAtMs: Number(r.acquired_at_ms),
      renewedAtMs: Number(r.renewed_at_ms),
      expiresAtMs: Number(r.expires_at_ms),
      releasedAtMs: n(r.released_at_ms),
    };
  }

  async compareAndSet(expected: LeaseRecord | null, next: LeaseRecord): Promise<boolean> {
    if (expected === null) {
      // The seed row is missing (deleted by hand): put it back, then the caller reads and tries again.
      const seed = values({ ...next, token: null, epoch: 0, holder: null, releasedAtMs: null });
      await this.runner.query(
        `INSERT INTO ${this.table.sql} SELECT ${COLUMNS.map((c) => `${seed[c]} AS ${q(c)}`).join(', ')}`,
      );
      return false;
    }
    const v = values(next);
    const sql = `MERGE INTO ${this.table.sql} t
USING (SELECT ${COLUMNS.map((c) => `${v[c]} AS ${q(c)}`).join(', ')}) s
ON t.pipeline = s.pipeline AND t.epoch = ${num(expected.epoch)} AND t.token <=> ${str(expected.token)}
WHEN MATCHED THEN UPDATE SET ${COLUMNS.filter((c) => c !== 'pipeline')
      .map((c) => `t.${q(c)} = s.${q(c)}`)
      .join(', ')}`;
    try {
      await this.runner.query(sql);
    } catch (err) {
      // A concurrent commit won: read back below. Iceberg says so at commit (ValidationException "Found
      // conflicting files", CommitFailedException) or, with the catalog's table cache off (session.py),
      // when the row-level scan finds the table changed under it ("Runtime file filtering is not possible:
      // the table has been concurrently modified").
      if (!(err instanceof RunnerError) || !(err.retriable || CONCURRENT_CHANGE.test(err.message))) throw err;
    }
    const now = await this.read(next.pipeline);
    return (
      now !== null &&
      now.token === next.token &&
      now.epoch === next.epoch &&
      now.expiresAtMs === next.expiresAtMs &&
      now.releasedAtMs === next.releasedAtMs
    );
  }

  keepAlive(record: LeaseRecord, ttlMs: number, everyMs: number): Promise<void> {
    return this.runner.request('lease_keep', {
      table: this.table.plain,
      pipeline: record.pipeline,
      token: record.token,
      ttlMs,
      everyMs,
    });
  }

  stopKeepAlive(record: LeaseRecord): Promise<void> {
    return this.runner.request('lease_stop', { token: record.token });
  }
}
