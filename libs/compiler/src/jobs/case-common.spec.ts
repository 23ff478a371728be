import { parseConfig } from '@app/config';
import seed000 from '../../../../config/seed-000.json';
import { preparedQuery } from '../prepare';
import { cacheTable } from './case-common';

describe('cacheTable', () => {
  it('caches serialized, spilling to disk', () => {
    expect(cacheTable('__rows', 'SELECT 1')).toBe(
      "CACHE TABLE `__rows` OPTIONS ('storageLevel' 'MEMORY_AND_DISK_SER') AS\nSELECT 1",
    );
  });

  it('refuses a query with a WITH clause, which Spark would never find cached again (test_cache_reuse.py)', () => {
    expect(() => cacheTable('__p', 'WITH p0 AS (SELECT 1 AS a) SELECT * FROM p0')).toThrow(
      /must not have a WITH clause/,
    );
    expect(() => cacheTable('__p', 'SELECT * FROM (WITH `p0` AS (SELECT 1) SELECT * FROM p0) x')).toThrow(
      /WITH clause/,
    );
  });

  it("takes classify's prepared rows (nested layers, no WITH)", () => {
    const config = parseConfig(seed000, 'seed-000');
    expect(() => cacheTable('__prepared', preparedQuery(config, '__batch_src'))).not.toThrow();
  });
});
