import { summaryLine } from './events';

describe('summaryLine', () => {
  it('names the source rows classified into a case apart from the summary rows its job wrote', () => {
    const line = summaryLine(
      { case: 'CASE_III', skipped: false, rows: 1005 },
      { durations: { CASE_III: 12300 }, attempts: {}, written: { CASE_III: 7243 } },
    );
    expect(line).toBe('  CASE_III committed  source rows     1005  written     7243  12.3 s');
  });

  it('shows a skipped case without a write count', () => {
    expect(summaryLine({ case: 'CASE_I', skipped: true, rows: 0 }, { durations: {}, attempts: {}, written: {} })).toBe(
      '  CASE_I   skipped    source rows        0  written        -',
    );
  });
});
