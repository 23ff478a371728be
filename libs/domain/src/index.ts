// The domain's words, at the bottom of the library layers (libs/layers.spec.ts): every library and app
// takes them from here.
export * from './cases';
