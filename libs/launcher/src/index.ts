export * from './launcher';
