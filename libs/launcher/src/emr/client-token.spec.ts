import { createHash } from 'node:crypto';
import { CompiledJob } from '@app/compiler';
import { LaunchError } from '../launcher';
import { clientTokenFor, jobRunNameFor, runIdentity } from './client-token';

const base = { pipeline: 'local.demo.summary', batchId: 'b-000003', step: 'CASE_III', attempt: 1 };
const job = { jobId: 'b-000003-CASE_III' } as CompiledJob;

describe('clientTokenFor', () => {
  it('is the sha256 hex of [pipeline, batchId, step, attempt]: 64 characters, the API maximum', () => {
    const expected = createHash('sha256').update('["local.demo.summary","b-000003","CASE_III",1]').digest('hex');

    expect(clientTokenFor(base)).toBe(expected);
    expect(clientTokenFor(base)).toHaveLength(64);
  });

  it('is the same for the same attempt and different for another attempt, step, batch or pipeline', () => {
    const tokens = [
      clientTokenFor(base),
      clientTokenFor({ ...base, attempt: 2 }),
      clientTokenFor({ ...base, step: 'CASE_I' }),
      clientTokenFor({ ...base, batchId: 'b-000004' }),
      clientTokenFor({ ...base, pipeline: 'local.other.summary' }),
    ];

    expect(clientTokenFor({ ...base })).toBe(tokens[0]);
    expect(new Set(tokens).size).toBe(5);
  });
});

describe('jobRunNameFor', () => {
  it('names the run summary-<batchId>-<step>-a<attempt>', () => {
    expect(jobRunNameFor(base)).toBe('summary-b-000003-CASE_III-a1');
  });

  it("replaces characters outside EMR's [.-_/#A-Za-z0-9] with '-'", () => {
    expect(jobRunNameFor({ ...base, batchId: 'b:1 x+y' })).toBe('summary-b-1-x-y-CASE_III-a1');
  });

  it('cuts a long name to 64 characters ending in a hash, distinct per attempt', () => {
    const long = { ...base, batchId: 'b'.repeat(100) };
    const first = jobRunNameFor(long);
    const second = jobRunNameFor({ ...long, attempt: 2 });

    expect(first).toHaveLength(64);
    expect(first).toMatch(/^summary-b{47}-[0-9a-f]{8}$/);
    expect(second).not.toBe(first);
  });
});

describe('runIdentity', () => {
  it('lays the attempt out under <prefix>/jobs/<pipeline>/<batchId>/<step>/attempt-<n>/ and tags it', () => {
    const run = runIdentity({ ...base, attempt: 2, job }, { bucket: 'bucket', prefix: 'summary/prod' });

    expect(run.jobKey).toBe('summary/prod/jobs/local.demo.summary/b-000003/CASE_III/attempt-2/job.json');
    expect(run.resultKey).toBe('summary/prod/jobs/local.demo.summary/b-000003/CASE_III/attempt-2/result.json');
    expect(run.tags).toEqual({ pipeline: 'local.demo.summary', batchId: 'b-000003', step: 'CASE_III', attempt: '2' });
  });

  it('puts jobs/ at the bucket root when the prefix is empty', () => {
    expect(runIdentity({ ...base, job }, { bucket: 'bucket', prefix: '' }).jobKey).toBe(
      'jobs/local.demo.summary/b-000003/CASE_III/attempt-1/job.json',
    );
  });

  it.each([
    ['batchId', { batchId: 'b/../x' }],
    ['pipeline', { pipeline: '..' }],
    ['step', { step: 'CASE I' }],
  ])('refuses a %s that is not a plain path segment (not retriable)', (field, change) => {
    let error: unknown;
    try {
      runIdentity({ ...base, ...change, job }, { bucket: 'b', prefix: '' });
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(LaunchError);
    expect((error as LaunchError).message).toContain(`request ${field}`);
    expect((error as LaunchError).retriable).toBe(false);
  });
});
