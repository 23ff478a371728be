/**
 * The cases of SPEC §5, in the order a batch runs them: backfill first (CASE_III: months at or before the
 * key's latest), then new accounts (CASE_I), then forward months (CASE_II). The one list every part of the
 * product (compiler, events, metrics, launchers) takes its cases and their order from.
 */
export type CaseName = 'CASE_III' | 'CASE_I' | 'CASE_II';

export const CASE_ORDER: CaseName[] = ['CASE_III', 'CASE_I', 'CASE_II'];

/** True for CASE_III, CASE_I and CASE_II (exact spelling); false for anything else. */
export function isCaseName(value: unknown): value is CaseName {
  return typeof value === 'string' && (CASE_ORDER as string[]).includes(value);
}
