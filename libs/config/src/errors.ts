/** One problem in a config file: where it is, what was expected, what was found. */
export interface ConfigIssue {
  key: string;
  expected: string;
  received?: unknown;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Raised at load time for every invalid config; lists all problems at once so a user fixes them in one
 * pass. Not retriable: the file must change.
 */
export class ConfigError extends Error {
  readonly retriable = false;

  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
    headline = 'Invalid pipeline config',
  ) {
    super(
      `${headline} ${source}:\n` +
        issues
          .map((i) => `  - ${i.key}: expected ${i.expected}${'received' in i ? `; received ${show(i.received)}` : ''}`)
          .join('\n'),
    );
    this.name = this.constructor.name;
  }
}
