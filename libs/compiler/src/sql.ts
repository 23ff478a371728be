import { quoteIdent, quoteString } from '@app/config';

export const q = quoteIdent;
export const lit = quoteString;

/** 'YYYY-MM' → months since year 0: year * 12 + month − 1 (SQL). `monthIntSql('`m`')` → (CAST(substr(`m`, 1, 4) AS INT) * 12 + ...). */
export function monthIntSql(expr: string): string {
  return `(CAST(substr(${expr}, 1, 4) AS INT) * 12 + CAST(substr(${expr}, 6, 2) AS INT) - 1)`;
}

/** The same arithmetic in TypeScript: '2024-01' → 24288. */
export function monthToInt(month: string): number {
  const [y, m] = month.split('-').map(Number);
  return y * 12 + m - 1;
}

/** 24288 → '2024-01'. */
export function intToMonth(n: number): string {
  const y = Math.floor(n / 12);
  const m = (n % 12) + 1;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
}

export function addMonths(month: string, delta: number): string {
  return intToMonth(monthToInt(month) + delta);
}

/** Joins SQL fragments with indentation, for printable compiled jobs. */
export function lines(...parts: (string | false | undefined)[]): string {
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join('\n');
}

export function list(items: string[], indent = '  '): string {
  return items.map((x) => indent + x).join(',\n');
}
