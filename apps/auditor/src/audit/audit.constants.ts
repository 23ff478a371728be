export const AUDIT = Symbol('AUDIT');
