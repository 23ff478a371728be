import { CASE_ORDER, isCaseName } from './cases';

describe('cases', () => {
  it('run backfill, then new accounts, then forward (SPEC §5)', () => {
    expect(CASE_ORDER).toEqual(['CASE_III', 'CASE_I', 'CASE_II']);
  });

  it('isCaseName takes the exact names only', () => {
    expect(CASE_ORDER.every(isCaseName)).toBe(true);
    expect(['case_iii', 'CASE_IV', 'classify', '', null, 3].some(isCaseName)).toBe(false);
  });
});
