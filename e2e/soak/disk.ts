import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  statSync,
  statfsSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';

// The soak's disk-full fault (issue 25): the run's summary namespace lives on a small tmpfs mounted where the
// local REST catalog puts its tables (<warehouse>/<namespace>), so filling that mount to its last byte makes
// every write of the pipeline's jobs there (data files, the catalog's metadata) fail with ENOSPC, and deleting
// the filler frees it. Mounting needs root (CAP_SYS_ADMIN); without it the soak leaves the fault out.

/** A tmpfs of `sizeMb` on `dir` (created), or the reason it could not be mounted. */
export function mountSmallDisk(dir: string, sizeMb: number): { ok: true } | { ok: false; reason: string } {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0755`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? { ok: true } : { ok: false, reason: (r.stderr || String(r.error)).trim() };
}

/** Unmounts it (lazily when a process still holds a file there). */
export function unmountSmallDisk(dir: string): void {
  if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
}

const freeBytes = (dir: string) => {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
};

/**
 * Fills the mount to its last block; returns the filler files and how much they took. The jobs keep writing
 * while it fills, so a size read a moment before may no longer fit: each round allocates what is free now,
 * a block less when that fails, until nothing is left.
 */
export function fillDisk(dir: string): { fillers: string[]; bytes: number } {
  const fillers: string[] = [];
  let bytes = 0;
  const block = statfsSync(dir).bsize;
  for (let round = 0; round < 20; round++) {
    const free = freeBytes(dir);
    if (free === 0) return { fillers, bytes };
    const filler = join(dir, `.soak-filler-${Date.now()}-${round}`);
    for (const size of [free, free - block, Math.floor(free / 2)]) {
      if (size <= 0) continue;
      if (spawnSync('fallocate', ['-l', String(size), filler]).status === 0) {
        fillers.push(filler);
        bytes += size;
        break;
      }
    }
  }
  if (freeBytes(dir) > 0) {
    freeDisk(fillers);
    throw new Error(`could not fill ${dir}: ${freeBytes(dir)} bytes still free after 20 rounds of fallocate`);
  }
  return { fillers, bytes };
}

export function freeDisk(fillers: string[]): void {
  for (const f of fillers) unlinkSync(f);
}

/** How far each log of `dir` is written now: the point DiskFullErrors are looked for after. */
export function logMarks(dir: string): Map<string, number> {
  const marks = new Map<string, number>();
  if (!existsSync(dir)) return marks;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log')))
    marks.set(name, statSync(join(dir, name)).size);
  return marks;
}

/**
 * The DiskFullError messages the runners logged in `dir` since `marks` (a log that is new counts from its start),
 * e.g. ["DiskFullError: the disk is full: table local.s.acct_hist_lease at /…/s/acct_hist_lease has 0 B free of …"].
 */
export function diskFullErrorsSince(dir: string, marks: Map<string, number>): string[] {
  const found: string[] = [];
  if (!existsSync(dir)) return found;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log'))) {
    const from = marks.get(name) ?? 0;
    const size = statSync(join(dir, name)).size;
    if (size <= from) continue;
    const fd = openSync(join(dir, name), 'r');
    try {
      const buffer = Buffer.alloc(size - from);
      readSync(fd, buffer, 0, buffer.length, from);
      for (const m of buffer.toString('utf8').matchAll(/DiskFullError: the disk is full: [^\n]*/g)) found.push(m[0]);
    } finally {
      closeSync(fd);
    }
  }
  return found;
}
