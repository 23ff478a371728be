import { BatchIdError, compareBatchIds, formatBatchId, isBatchId, nextBatchId, parseBatchId } from './batch-id';

describe('batch identity', () => {
  it('formats, parses and orders batch ids by number', () => {
    expect(formatBatchId(1)).toBe('b-000001');
    expect(formatBatchId(1_000_000)).toBe('b-1000000');
    expect(parseBatchId('b-000042')).toBe(42);
    expect(parseBatchId('b-1000000')).toBe(1_000_000);
    expect(['b-1000000', 'b-000002', 'b-999999'].sort(compareBatchIds)).toEqual(['b-000002', 'b-999999', 'b-1000000']);
    expect(nextBatchId(null)).toBe('b-000001');
    expect(nextBatchId('b-000009')).toBe('b-000010');
  });

  it.each([
    '',
    'b-',
    'b-12',
    'b-0000001',
    'b-000000',
    'B-000001',
    'b-00000x',
    ' b-000001',
    'b-000001 ',
    'load-000001',
    'b--00001',
  ])('refuses %j with an error naming it, never 0 or NaN', (id) => {
    expect(() => parseBatchId(id)).toThrow(BatchIdError);
    expect(() => parseBatchId(id)).toThrow(`${JSON.stringify(id)} is not a batch id`);
    expect(isBatchId(id)).toBe(false);
    expect(() => nextBatchId(id || 'x')).toThrow(BatchIdError);
  });

  it('refuses a sequence number that is not an integer from 1', () => {
    for (const n of [0, -1, 1.5, NaN, Number.MAX_SAFE_INTEGER + 1])
      expect(() => formatBatchId(n)).toThrow(BatchIdError);
  });
});
