import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { localSparkSettings } from './engine-config';

describe('localSparkSettings', () => {
  it('takes the query tuning of the production config and leaves catalog wiring, cluster sizing and the rest out', () => {
    const production = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'shared', 'reference', 'summary_config.production-example.json'), 'utf8'));
    const taken = localSparkSettings(production.spark);
    expect(taken).toMatchObject({ 'spark.sql.adaptive.enabled': 'true', 'spark.sql.files.maxPartitionBytes': '1073741824', 'spark.sql.parquet.int96RebaseModeInWrite': 'LEGACY' });
    for (const key of Object.keys(taken)) expect(key).toMatch(/^spark\.sql\.(adaptive|files|join|optimizer|parquet|sources\.bucketing)\./);
    expect(Object.keys(taken)).not.toContain('spark.sql.autoBroadcastJoinThreshold');
  });

  it('applies no setting that changes what SQL means or where data goes', () => {
    const hostile = {
      'spark.sql.variable.substitute': 'true',
      'spark.sql.warehouse.dir': '/elsewhere',
      'spark.sql.extensions': 'com.example.Evil',
      'spark.sql.catalog.local': 'com.example.Catalog',
      'spark.sql.defaultCatalog': 'other',
      'spark.sql.adaptive.enabled ; x': 'true',
      'spark.jars': '/tmp/evil.jar',
      'spark.sql.adaptive.skewJoin.enabled': 'true',
    };
    expect(localSparkSettings(hostile)).toEqual({ 'spark.sql.adaptive.skewJoin.enabled': 'true' });
  });
});
