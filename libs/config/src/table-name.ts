import { quoteIdent } from '@app/expression';

/** A table identifier `[catalog.]namespace.table`; two-part names live in the default catalog. */
export class TableName {
  constructor(
    readonly catalog: string,
    readonly namespace: string,
    readonly table: string,
  ) {}

  /**
   * `parse('edf.summary', 'local')` → local.edf.summary;
   * `parse('primary_catalog.edf_gold.summary', 'local')` → primary_catalog.edf_gold.summary.
   * Returns undefined when the text is not 2 or 3 non-empty dot-separated parts.
   */
  static parse(text: string, defaultCatalog: string): TableName | undefined {
    const parts = text.split('.');
    if (parts.some((p) => p.trim() === '' || p !== p.trim())) return undefined;
    if (parts.length === 2) return new TableName(defaultCatalog, parts[0], parts[1]);
    if (parts.length === 3) return new TableName(parts[0], parts[1], parts[2]);
    return undefined;
  }

  /** `cat`.`ns`.`table`: what compiled SQL uses. */
  get sql(): string {
    return [this.catalog, this.namespace, this.table].map(quoteIdent).join('.');
  }

  /** cat.ns.table: for logs, ledgers and Iceberg procedures. */
  get plain(): string {
    return `${this.catalog}.${this.namespace}.${this.table}`;
  }

  /** `cat`.`ns`: for CREATE NAMESPACE. */
  get namespaceSql(): string {
    return `${quoteIdent(this.catalog)}.${quoteIdent(this.namespace)}`;
  }

  /** A sibling table in the same namespace, e.g. summary → summary_rejects. */
  sibling(table: string): TableName {
    return new TableName(this.catalog, this.namespace, table);
  }

  toString(): string {
    return this.plain;
  }
}
