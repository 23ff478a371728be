export const ENGINE = Symbol('ENGINE');
