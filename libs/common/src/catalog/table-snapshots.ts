import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One Iceberg snapshot as table metadata lists it (format v2, `snapshots[]`). */
export interface SnapshotInfo {
  snapshotId: string;
  parentId: string | null;
  timestampMs: number;
  operation: string;
  summary: Record<string, string>;
}

export interface TableSnapshots {
  /** Current snapshot of `main`, or null for a table without data. */
  currentId: string | null;
  snapshots: Map<string, SnapshotInfo>;
}

/** A table's snapshot list read from the catalog without Spark: the watcher's cheap poll. */
export interface SnapshotSource {
  describe(): string;
  load(namespace: string[], table: string): Promise<TableSnapshots>;
  /** Throws when the catalog cannot be reached (for /health). */
  ping(): Promise<void>;
}

export class CatalogUnavailableError extends Error {
  readonly retriable = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

export class TableNotFoundError extends Error {
  readonly retriable = true; // the table may be created later (init)
  constructor(table: string, where: string) {
    super(`table ${table} not found in ${where}`);
    this.name = this.constructor.name;
  }
}

interface MetadataDoc {
  'current-snapshot-id'?: number | string | null;
  refs?: Record<string, { 'snapshot-id': number | string; type: string }>;
  snapshots?: Array<{
    'snapshot-id': number | string;
    'parent-snapshot-id'?: number | string;
    'timestamp-ms': number;
    summary?: Record<string, string>;
  }>;
}

/**
 * Snapshot ids are 64-bit: JSON.parse would round them, so ids are re-read as strings from the raw text
 * before parsing (`"snapshot-id": 8783644981717731115` → "8783644981717731115").
 */
export function parseMetadata(text: string): TableSnapshots {
  const safe = text.replace(/("(?:snapshot-id|parent-snapshot-id|current-snapshot-id)"\s*:\s*)(-?\d+)/g, '$1"$2"');
  const doc = JSON.parse(safe) as MetadataDoc | { metadata: MetadataDoc };
  const meta: MetadataDoc = 'metadata' in doc ? doc.metadata : doc;
  const snapshots = new Map<string, SnapshotInfo>();
  for (const s of meta.snapshots ?? []) {
    const id = String(s['snapshot-id']);
    const { operation, ...summary } = s.summary ?? {};
    snapshots.set(id, {
      snapshotId: id,
      parentId: s['parent-snapshot-id'] === undefined ? null : String(s['parent-snapshot-id']),
      timestampMs: s['timestamp-ms'],
      operation: operation ?? 'unknown',
      summary,
    });
  }
  const main = meta.refs?.main?.['snapshot-id'] ?? meta['current-snapshot-id'];
  const currentId = main === undefined || main === null || String(main) === '-1' ? null : String(main);
  return { currentId, snapshots };
}

/** Iceberg REST catalog: GET /v1/namespaces/{ns}/tables/{table} (the same metadata Spark commits). */
export class RestSnapshotSource implements SnapshotSource {
  constructor(
    private readonly uri: string,
    /** Authorization headers (catalog-auth-headers.ts), or none. */
    private readonly authHeaders?: () => Promise<Record<string, string>>,
    private readonly timeoutMs = 10000,
  ) {}

  describe(): string {
    return `Iceberg REST catalog ${this.uri}`;
  }

  private async get(path: string): Promise<Response> {
    try {
      const headers = this.authHeaders ? await this.authHeaders() : {};
      return await fetch(`${this.uri.replace(/\/$/, '')}${path}`, {
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new CatalogUnavailableError(`${this.describe()} unreachable (GET ${path}): ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async load(namespace: string[], table: string): Promise<TableSnapshots> {
    const res = await this.get(
      `/v1/namespaces/${encodeURIComponent(namespace.join('\u001f'))}/tables/${encodeURIComponent(table)}`,
    );
    if (res.status === 404) throw new TableNotFoundError([...namespace, table].join('.'), this.describe());
    if (!res.ok)
      throw new CatalogUnavailableError(
        `${this.describe()} answered ${res.status} for table ${table}: ${(await res.text()).slice(0, 300)}`,
      );
    return parseMetadata(await res.text());
  }

  async ping(): Promise<void> {
    const res = await this.get('/v1/config');
    if (!res.ok) throw new CatalogUnavailableError(`${this.describe()} answered ${res.status} to GET /v1/config`);
  }
}

/** Hadoop catalog on a local warehouse: `<warehouse>/<ns>/<table>/metadata/version-hint.text` → vN.metadata.json. */
export class HadoopSnapshotSource implements SnapshotSource {
  constructor(private readonly warehouse: string) {}

  private get dir(): string {
    return this.warehouse.startsWith('file:') ? fileURLToPath(this.warehouse) : this.warehouse;
  }

  describe(): string {
    return `hadoop catalog at ${this.dir}`;
  }

  async load(namespace: string[], table: string): Promise<TableSnapshots> {
    const meta = join(this.dir, ...namespace, table, 'metadata');
    const hint = join(meta, 'version-hint.text');
    if (!existsSync(hint)) throw new TableNotFoundError([...namespace, table].join('.'), this.describe());
    const version = readFileSync(hint, 'utf8').trim();
    return parseMetadata(readFileSync(join(meta, `v${version}.metadata.json`), 'utf8'));
  }

  async ping(): Promise<void> {
    if (!existsSync(this.dir)) throw new CatalogUnavailableError(`${this.describe()}: directory missing`);
  }
}
