export * from './batch-id';
export * from './watermark';
