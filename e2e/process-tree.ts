import { readFileSync, readdirSync } from 'node:fs';

// Processes from /proc, for the tests that stop a script by a signal and check that it left nothing behind.

export interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot: a pid reused later has another. */
  start: string;
  cmd: string;
}

export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(entry), ppid: Number(fields[1]), pgid: Number(fields[2]), start: fields[19], cmd });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** `root` and every process below it, or in a process group led by one of them (the demo's setsid groups). */
export function tree(root: number): Proc[] {
  const all = processes();
  const found = new Map<number, Proc>();
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (found.has(p.pid)) continue;
      if (p.pid === root || found.has(p.ppid) || found.has(p.pgid)) {
        found.set(p.pid, p);
        grew = true;
      }
    }
  }
  return [...found.values()];
}

/** Still running, and the same process (not a later one with its pid). */
export const alive = (p: Proc) => processes().some((q) => q.pid === p.pid && q.start === p.start);
