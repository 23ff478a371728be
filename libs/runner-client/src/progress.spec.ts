import { describeProgress, sparkUiConf } from '@app/runner-client';

describe('describeProgress', () => {
  it('names the job, the step, the running stage with its tasks, and the time so far', () => {
    expect(
      describeProgress({
        jobId: 'b-000002-CASE_III',
        step: 'merge_summary',
        elapsedMs: 21400,
        stage: 14,
        stages: 1,
        tasksCompleted: 3,
        tasksTotal: 8,
      }),
    ).toBe('b-000002-CASE_III: step merge_summary, stage 14 tasks 3/8, 21 s');
  });

  it('sums concurrent stages and says how many', () => {
    expect(
      describeProgress({
        jobId: 'j',
        step: 's',
        elapsedMs: 5000,
        stage: 7,
        stages: 3,
        tasksCompleted: 10,
        tasksTotal: 24,
      }),
    ).toBe('j: step s, stage 7 (+2 more) tasks 10/24, 5 s');
  });

  it('says so when no stage runs (planning, a commit)', () => {
    expect(describeProgress({ jobId: 'j', step: 'commit', elapsedMs: 6000 })).toBe(
      'j: step commit, between stages, 6 s',
    );
  });
});

describe('sparkUiConf', () => {
  it('turns the UI on for 1/true only, and refuses anything else by name', () => {
    expect(sparkUiConf('1')).toEqual({ 'spark.ui.enabled': 'true' });
    expect(sparkUiConf('true')).toEqual({ 'spark.ui.enabled': 'true' });
    expect(sparkUiConf(undefined)).toEqual({});
    expect(sparkUiConf('0')).toEqual({});
    expect(() => sparkUiConf('yes')).toThrow('SUMMARY_SPARK_UI: expected 1/true or 0/false; received "yes"');
  });
});
