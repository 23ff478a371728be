import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '@app/config';
import {
  engineOptionsFromEnv,
  localDriverJavaOptions,
  warehouseLocation,
  localSparkSettings,
  parseCatalogPropertiesEnv,
  parseSparkConfEnv,
  redactRemote,
  runnerEngineConfig,
  sparkRemote,
  stackConnectServer,
} from './engine-config';
import { AddressInfo, createServer } from 'node:net';

describe('localSparkSettings', () => {
  it('takes the query tuning of the production config and leaves catalog wiring, cluster sizing and the rest out', () => {
    const production = JSON.parse(
      readFileSync(
        join(__dirname, '..', '..', '..', '..', 'shared', 'reference', 'summary_config.production-example.json'),
        'utf8',
      ),
    );
    const taken = localSparkSettings(production.spark);
    expect(taken).toMatchObject({
      'spark.sql.adaptive.enabled': 'true',
      'spark.sql.files.maxPartitionBytes': '1073741824',
      'spark.sql.parquet.int96RebaseModeInWrite': 'LEGACY',
    });
    for (const key of Object.keys(taken))
      expect(key).toMatch(/^spark\.sql\.(adaptive|files|join|optimizer|parquet|sources\.bucketing)\./);
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
      // Tuning prefixes, but each names a class to load: any class on the class path.
      'spark.sql.adaptive.customCostEvaluatorClass': 'com.example.Evil',
      'spark.sql.parquet.output.committer.class': 'com.example.Evil',
      'spark.sql.adaptive.skewJoin.enabled': 'true',
    };
    expect(localSparkSettings(hostile)).toEqual({ 'spark.sql.adaptive.skewJoin.enabled': 'true' });
  });
});

describe('catalog properties and the jars of an object store (SUMMARY_CATALOG_PROPERTIES, SUMMARY_JARS_DIR)', () => {
  const config = loadConfigFile(join(__dirname, '..', '..', '..', 'config', 'seed-000.json'));
  const S3 =
    'io-impl=org.apache.iceberg.aws.s3.S3FileIO; s3.endpoint=http://127.0.0.1:8333\ns3.path-style-access=true;client.region=us-east-1';

  it('puts the properties on every catalog of the config, beside the REST URI, and names the jars', () => {
    const options = engineOptionsFromEnv({
      SUMMARY_CATALOG_TYPE: 'rest',
      SUMMARY_CATALOG_URI: 'http://127.0.0.1:8182',
      SUMMARY_CATALOG_PROPERTIES: S3,
      SUMMARY_JARS_DIR: '/opt/jars',
    });
    const engine = runnerEngineConfig(config, options);
    expect(Object.keys(engine.catalogs).length).toBeGreaterThan(0);
    for (const catalog of Object.values(engine.catalogs)) {
      expect(catalog).toMatchObject({
        type: 'rest',
        uri: 'http://127.0.0.1:8182',
        properties: {
          'io-impl': 'org.apache.iceberg.aws.s3.S3FileIO',
          's3.endpoint': 'http://127.0.0.1:8333',
          's3.path-style-access': 'true',
          'client.region': 'us-east-1',
        },
      });
    }
    expect(engine.jarsDir).toBe('/opt/jars');
    // Without them: no properties, and the runner takes the toolchain's jars.
    const plain = runnerEngineConfig(
      config,
      engineOptionsFromEnv({ SUMMARY_CATALOG_TYPE: 'rest', SUMMARY_CATALOG_URI: 'http://127.0.0.1:8182' }),
    );
    expect(Object.values(plain.catalogs).map((c) => c.properties)).toEqual(
      Object.values(plain.catalogs).map(() => undefined),
    );
    expect(plain.jarsDir).toBeUndefined();
  });

  it('refuses a pair that is not a property, and any secret, naming the variable and the way credentials go', () => {
    expect(() => parseCatalogPropertiesEnv('s3.endpoint')).toThrow(
      'SUMMARY_CATALOG_PROPERTIES: expected "key=value" pairs of Iceberg catalog properties (e.g. ' +
        '"s3.endpoint=http://host:8333") separated by ";"; received "s3.endpoint"',
    );
    expect(() => parseCatalogPropertiesEnv('Io-Impl=x')).toThrow(/received "Io-Impl=x"/);
    for (const key of ['s3.secret-access-key', 's3.session-token', 'credential', 'token', 'jdbc.password']) {
      expect(() => parseCatalogPropertiesEnv(`${key}=abc`)).toThrow(
        new RegExp(`"${key}" is a secret .* default AWS chain .* SUMMARY_CATALOG_AUTH`),
      );
    }
    expect(parseCatalogPropertiesEnv(' ; s3.access-key-id = AKIA ;')).toEqual({ 's3.access-key-id': 'AKIA' });
  });
});

describe('parseSparkConfEnv (SUMMARY_SPARK_CONF)', () => {
  it('reads spark.* pairs and refuses anything else, naming the variable', () => {
    expect(parseSparkConfEnv('spark.sql.adaptive.enabled=false;\n spark.sql.codegen.wholeStage = false ;')).toEqual({
      'spark.sql.adaptive.enabled': 'false',
      'spark.sql.codegen.wholeStage': 'false',
    });
    expect(() => parseSparkConfEnv('sql.adaptive.enabled=false')).toThrow(
      'SUMMARY_SPARK_CONF: expected "spark.key=value" pairs separated by ";"; received "sql.adaptive.enabled=false"',
    );
    expect(() => parseSparkConfEnv('spark.x')).toThrow(/received "spark.x"/);
  });
});

describe('localDriverJavaOptions (SUMMARY_DRIVER_JAVA_OPTIONS)', () => {
  it('adds the extra options after the class-data-sharing archive, and either alone', () => {
    expect(localDriverJavaOptions('/t/spark-cds.jsa', ' -Xss4m ')).toBe(
      '-XX:SharedArchiveFile=/t/spark-cds.jsa -Xshare:auto -Xss4m',
    );
    expect(localDriverJavaOptions(null, '-Xss4m')).toBe('-Xss4m');
    expect(localDriverJavaOptions('/t/spark-cds.jsa', '')).toBe('-XX:SharedArchiveFile=/t/spark-cds.jsa -Xshare:auto');
    expect(localDriverJavaOptions(null, '')).toBe('');
  });

  it('gives a driver that stops below C2 the server code cache, unless the options size it (a 48 MiB one ran out in CI)', () => {
    expect(localDriverJavaOptions('/t/spark-cds.jsa', ' -XX:TieredStopAtLevel=1 ')).toBe(
      '-XX:SharedArchiveFile=/t/spark-cds.jsa -Xshare:auto -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m',
    );
    expect(localDriverJavaOptions(null, '-XX:TieredStopAtLevel=3')).toBe(
      '-XX:TieredStopAtLevel=3 -XX:ReservedCodeCacheSize=240m',
    );
    expect(localDriverJavaOptions(null, '-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=96m')).toBe(
      '-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=96m',
    );
    expect(localDriverJavaOptions(null, '-XX:TieredStopAtLevel=4')).toBe('-XX:TieredStopAtLevel=4');
  });
});

describe('warehouseLocation (SUMMARY_WAREHOUSE)', () => {
  it('keeps a URI as it is and makes a local path absolute', () => {
    expect(warehouseLocation('s3://bucket/warehouse/')).toBe('s3://bucket/warehouse');
    expect(warehouseLocation('s3a://bucket/w')).toBe('s3a://bucket/w');
    expect(warehouseLocation('file:///data/w')).toBe('file:///data/w');
    expect(warehouseLocation('w')).toBe(join(process.cwd(), 'w'));
  });

  it('gives every catalog a warehouse under the URI, not a local directory named s3:', () => {
    const config = loadConfigFile(join(__dirname, '..', '..', '..', 'config', 'seed-000.json'));
    const engine = runnerEngineConfig(config, {
      ...engineOptionsFromEnv({}),
      catalogType: 'rest',
      catalogUri: 'http://catalog:8181',
      warehouse: 's3://bucket/warehouse',
    });
    expect(Object.values(engine.catalogs).map((c) => c.warehouse)).toEqual(
      Object.keys(engine.catalogs).map((name) => `s3://bucket/warehouse/${name}`),
    );
  });
});

describe('redactRemote (a Spark Connect URL in a log line)', () => {
  it('hides the token, wherever it stands, and keeps the rest', () => {
    expect(redactRemote('sc://summary-spark-connect:15002/;use_ssl=true;token=0123456789abcdef')).toBe(
      'sc://summary-spark-connect:15002/;use_ssl=true;token=***',
    );
    expect(redactRemote('sc://h:15002/;token=s3cr3t;user_id=runner')).toBe('sc://h:15002/;token=***;user_id=runner');
    expect(redactRemote('sc://127.0.0.1:15002')).toBe('sc://127.0.0.1:15002');
  });
});

describe("SUMMARY_SPARK_REMOTE and the local stack's server (issue 21: one warm engine by default)", () => {
  it('takes a Spark Connect URL, "local" or nothing, and refuses anything else naming what it expects', () => {
    expect(sparkRemote('sc://127.0.0.1:15002')).toBe('sc://127.0.0.1:15002');
    expect(sparkRemote(' local ')).toBeUndefined();
    expect(sparkRemote('')).toBeUndefined();
    expect(() => sparkRemote('http://127.0.0.1:15002')).toThrow(
      /SUMMARY_SPARK_REMOTE: expected a Spark Connect URL like "sc:\/\/127\.0\.0\.1:15002".*or "local".*received "http:/,
    );
  });

  it("finds a server listening on the stack's port, and none on a closed port", async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(stackConnectServer({ STACK_SPARK_CONNECT_PORT: String(port) })).resolves.toBe(
        `sc://127.0.0.1:${port}`,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await expect(stackConnectServer({ STACK_SPARK_CONNECT_PORT: String(port) })).resolves.toBeUndefined();
  });

  it('does not look when SUMMARY_SPARK_REMOTE chose (a URL or "local"), and refuses a port that is not one', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (const chosen of ['local', 'sc://10.0.0.1:15002'])
        await expect(
          stackConnectServer({ SUMMARY_SPARK_REMOTE: chosen, STACK_SPARK_CONNECT_PORT: String(port) }),
        ).resolves.toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await expect(stackConnectServer({ STACK_SPARK_CONNECT_PORT: 'x' })).rejects.toThrow(
      'STACK_SPARK_CONNECT_PORT: expected a port number; received "x"',
    );
  });
});
