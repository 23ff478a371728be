import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest folder above this file holding package.json and runner/. */
export function repoRoot(): string {
  let dir = __dirname;
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'runner'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`Cannot find the repository root (a folder with package.json and runner/) above ${__dirname}`);
}

export interface Toolchain {
  python: string;
  jarsDir: string;
}

/** Where scripts/setup-toolchain.sh installed pyspark and the Iceberg runtime (TOOLCHAIN_DIR, default .toolchain). */
export function toolchain(): Toolchain {
  const dir = resolve(process.env.TOOLCHAIN_DIR ?? join(repoRoot(), '.toolchain'));
  const python = join(dir, 'venv', 'bin', 'python');
  if (!existsSync(python)) {
    throw new Error(`The Spark toolchain is not installed: ${python} is missing. Run "bash scripts/setup-toolchain.sh" (or "npm run setup") first.`);
  }
  return { python, jarsDir: join(dir, 'jars') };
}
