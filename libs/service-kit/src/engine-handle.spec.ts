import { EnvReader } from '@app/common';
import { engineSettingsFromEnv } from './engine-handle';

describe('engineSettingsFromEnv: what the services pass to their embedded runner', () => {
  it('passes the Spark settings, the UI switch, the catalog properties and the jars directory the docs name', () => {
    const env = new EnvReader({
      SUMMARY_CATALOG_URI: 'http://127.0.0.1:8182',
      SUMMARY_SPARK_CONF: 'spark.sql.adaptive.enabled=false',
      SUMMARY_SPARK_UI: '1',
      SUMMARY_CATALOG_PROPERTIES: 'io-impl=org.apache.iceberg.aws.s3.S3FileIO; s3.endpoint=http://127.0.0.1:8333',
      SUMMARY_JARS_DIR: '/opt/spark-jars',
    });
    const { engine } = engineSettingsFromEnv(env);
    expect(engine).toMatchObject({
      catalogType: 'rest',
      catalogUri: 'http://127.0.0.1:8182',
      sparkConf: { 'spark.sql.adaptive.enabled': 'false', 'spark.ui.enabled': 'true' },
      catalogProperties: { 'io-impl': 'org.apache.iceberg.aws.s3.S3FileIO', 's3.endpoint': 'http://127.0.0.1:8333' },
      jarsDir: '/opt/spark-jars',
    });
    // Each is listed with the service's settings.
    const listed = env.documented.map((d) => d.name);
    for (const name of ['SUMMARY_SPARK_CONF', 'SUMMARY_SPARK_UI', 'SUMMARY_CATALOG_PROPERTIES', 'SUMMARY_JARS_DIR'])
      expect(listed).toContain(name);
  });

  it('leaves them out when unset: no Spark settings of its own, the toolchain jars', () => {
    const { engine } = engineSettingsFromEnv(new EnvReader({}));
    expect(engine.sparkConf).toEqual({});
    expect(engine.catalogProperties).toEqual({});
    expect(engine.jarsDir).toBeUndefined();
  });

  it('makes the runner a Spark Connect client with SUMMARY_SPARK_REMOTE, in-process without it or with "local"', () => {
    const env = new EnvReader({ SUMMARY_SPARK_REMOTE: 'sc://127.0.0.1:15002' });
    expect(engineSettingsFromEnv(env).engine.remote).toBe('sc://127.0.0.1:15002');
    expect(env.documented.map((d) => d.name)).toContain('SUMMARY_SPARK_REMOTE');
    expect(engineSettingsFromEnv(new EnvReader({})).engine.remote).toBeUndefined();
    expect(engineSettingsFromEnv(new EnvReader({ SUMMARY_SPARK_REMOTE: 'local' })).engine.remote).toBeUndefined();
    expect(() => engineSettingsFromEnv(new EnvReader({ SUMMARY_SPARK_REMOTE: 'http://127.0.0.1:15002' }))).toThrow(
      /SUMMARY_SPARK_REMOTE: expected a Spark Connect URL/,
    );
  });

  it('refuses a secret in the catalog properties at boot', () => {
    expect(() =>
      engineSettingsFromEnv(new EnvReader({ SUMMARY_CATALOG_PROPERTIES: 's3.secret-access-key=abc' })),
    ).toThrow(/"s3.secret-access-key" is a secret/);
  });
});
