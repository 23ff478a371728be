/**
 * Configuration by environment variables, validated once at boot (STYLE.md §10): every problem is
 * collected and reported with the variable's name, what was received and what was expected.
 */
export class EnvConfigError extends Error {
  readonly retriable = false;

  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem(s)):\n  - ${problems.join('\n  - ')}`);
    this.name = this.constructor.name;
  }
}

export interface EnvVarDoc {
  name: string;
  default: string | undefined;
  doc: string;
}

/** Reads typed values from an env map and remembers what it read, so a service can print its settings. */
export class EnvReader {
  private readonly problems: string[] = [];
  readonly documented: EnvVarDoc[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  private raw(name: string, fallback: string | undefined, doc: string): string | undefined {
    this.documented.push({ name, default: fallback, doc });
    const value = this.env[name];
    return value === undefined || value === '' ? fallback : value;
  }

  string(name: string, fallback: string, doc: string): string {
    return this.raw(name, fallback, doc) as string;
  }

  optional(name: string, doc: string): string | undefined {
    return this.raw(name, undefined, doc);
  }

  required(name: string, doc: string): string {
    const value = this.raw(name, undefined, doc);
    if (value === undefined) {
      this.problems.push(`${name}: required (${doc})`);
      return '';
    }
    return value;
  }

  int(name: string, fallback: number, doc: string, min = 0): number {
    const value = this.raw(name, String(fallback), doc) as string;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      this.problems.push(`${name}: expected an integer ≥ ${min}, received "${value}"`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean, doc: string): boolean {
    const value = (this.raw(name, String(fallback), doc) as string).toLowerCase();
    if (!['true', 'false', '1', '0'].includes(value)) {
      this.problems.push(`${name}: expected true or false, received "${value}"`);
      return fallback;
    }
    return value === 'true' || value === '1';
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T, doc: string): T {
    const value = this.raw(name, fallback, doc) as string;
    if (!allowed.includes(value as T)) {
      this.problems.push(`${name}: expected one of ${allowed.join(', ')}, received "${value}"`);
      return fallback;
    }
    return value as T;
  }

  list(name: string, fallback: string, doc: string): string[] {
    return (this.raw(name, fallback, doc) as string)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** Throws one error naming every invalid variable. */
  done(): void {
    if (this.problems.length) throw new EnvConfigError(this.problems);
  }
}
