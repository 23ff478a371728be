import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskFullErrorsSince, logMarks } from './disk';

describe('the disk-full errors the runners logged since a mark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'soak-disk-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the messages written after the mark, in logs old and new, and nothing before it', () => {
    const full = (table: string) =>
      `WARNING id=4 op=query failed after 9ms: DiskFullError: the disk is full: table ${table} at /w/t has 0 B free of 256.0 MiB; free space there`;
    writeFileSync(join(dir, 'classifier-runner.log'), `${full('s.before')}\n`);
    writeFileSync(join(dir, 'notes.txt'), `${full('s.not-a-log')}\n`);
    const marks = logMarks(dir);
    expect(diskFullErrorsSince(dir, marks)).toEqual([]);
    appendFileSync(join(dir, 'classifier-runner.log'), `INFO ok\n${full('s.lease')}\n`);
    writeFileSync(join(dir, 'spark-dispatcher-runner.log'), `${full('s.summary')}\n`);
    expect(diskFullErrorsSince(dir, marks).sort()).toEqual([
      'DiskFullError: the disk is full: table s.lease at /w/t has 0 B free of 256.0 MiB; free space there',
      'DiskFullError: the disk is full: table s.summary at /w/t has 0 B free of 256.0 MiB; free space there',
    ]);
  });

  it('is empty for a directory that does not exist yet', () => {
    expect(diskFullErrorsSince(join(dir, 'none'), logMarks(join(dir, 'none')))).toEqual([]);
  });
});
