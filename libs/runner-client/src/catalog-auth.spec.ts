import { parseConfig } from '@app/config';
import seed000 from '../../../config/seed-000.json';
import { CatalogAuthError, NO_CATALOG_AUTH, catalogAuthFromEnv, describeCatalogAuth } from './catalog-auth';
import { DEFAULT_ENGINE, engineOptionsFromEnv, runnerEngineConfig } from './engine-config';

const SEED = parseConfig(seed000, 'seed-000.json');
const SECRET = 'client-id:do-not-print-me';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    catalogAuthFromEnv(env);
  } catch (error) {
    if (error instanceof CatalogAuthError) return error.problems;
    throw error;
  }
  throw new Error('expected a CatalogAuthError');
}

describe('catalogAuthFromEnv', () => {
  it('is none when SUMMARY_CATALOG_AUTH is not set', () => {
    expect(catalogAuthFromEnv({})).toEqual(NO_CATALOG_AUTH);
  });

  it('maps OAuth2 client credentials to the Iceberg properties, the secret by variable name only', () => {
    const auth = catalogAuthFromEnv({
      SUMMARY_CATALOG_AUTH: 'oauth2',
      SUMMARY_CATALOG_CREDENTIAL: SECRET,
      SUMMARY_CATALOG_OAUTH2_SERVER_URI: 'https://idp.example/oauth/token',
      SUMMARY_CATALOG_SCOPE: 'PRINCIPAL_ROLE:summary',
    });

    expect(auth).toEqual({
      mode: 'oauth2',
      properties: { 'oauth2-server-uri': 'https://idp.example/oauth/token', scope: 'PRINCIPAL_ROLE:summary' },
      propertiesFromEnv: { credential: 'SUMMARY_CATALOG_CREDENTIAL' },
    });
    expect(JSON.stringify(auth)).not.toContain('do-not-print-me');
  });

  it('maps an OAuth2 bearer token to the token property', () => {
    expect(
      catalogAuthFromEnv({ SUMMARY_CATALOG_AUTH: 'oauth2', SUMMARY_CATALOG_TOKEN: 'tkn' }).propertiesFromEnv,
    ).toEqual({ token: 'SUMMARY_CATALOG_TOKEN' });
  });

  it('maps SigV4 to rest.sigv4-enabled, the signing region (default AWS_REGION) and name (default execute-api)', () => {
    expect(catalogAuthFromEnv({ SUMMARY_CATALOG_AUTH: 'sigv4', AWS_REGION: 'eu-west-1' }).properties).toEqual({
      'rest.sigv4-enabled': 'true',
      'rest.signing-region': 'eu-west-1',
      'rest.signing-name': 'execute-api',
    });
    expect(
      catalogAuthFromEnv({
        SUMMARY_CATALOG_AUTH: 'sigv4',
        AWS_REGION: 'eu-west-1',
        SUMMARY_CATALOG_SIGNING_REGION: 'us-east-1',
        SUMMARY_CATALOG_SIGNING_NAME: 'glue',
      }).properties,
    ).toEqual({
      'rest.sigv4-enabled': 'true',
      'rest.signing-region': 'us-east-1',
      'rest.signing-name': 'glue',
    });
  });

  it.each([
    [{ SUMMARY_CATALOG_AUTH: 'basic' }, 'SUMMARY_CATALOG_AUTH: expected one of none, oauth2, sigv4, received "basic"'],
    [
      { SUMMARY_CATALOG_AUTH: 'oauth2' },
      'SUMMARY_CATALOG_AUTH=oauth2 needs SUMMARY_CATALOG_CREDENTIAL (client_id:client_secret) or SUMMARY_CATALOG_TOKEN',
    ],
    [
      { SUMMARY_CATALOG_AUTH: 'oauth2', SUMMARY_CATALOG_CREDENTIAL: SECRET, SUMMARY_CATALOG_TOKEN: SECRET },
      'SUMMARY_CATALOG_CREDENTIAL and SUMMARY_CATALOG_TOKEN are both set',
    ],
    [
      { SUMMARY_CATALOG_AUTH: 'oauth2', SUMMARY_CATALOG_CREDENTIAL: SECRET, SUMMARY_CATALOG_OAUTH2_SERVER_URI: 'idp' },
      'SUMMARY_CATALOG_OAUTH2_SERVER_URI: expected an http(s) URL, received "idp"',
    ],
    [
      { SUMMARY_CATALOG_AUTH: 'sigv4' },
      'SUMMARY_CATALOG_AUTH=sigv4 needs SUMMARY_CATALOG_SIGNING_REGION (or AWS_REGION)',
    ],
    [
      { SUMMARY_CATALOG_AUTH: 'sigv4', AWS_REGION: 'eu-west-1', SUMMARY_CATALOG_CREDENTIAL: SECRET },
      'SUMMARY_CATALOG_CREDENTIAL is set but SUMMARY_CATALOG_AUTH is "sigv4"; it applies to oauth2 only',
    ],
    [{ SUMMARY_CATALOG_TOKEN: SECRET }, 'SUMMARY_CATALOG_TOKEN is set but SUMMARY_CATALOG_AUTH is "none"'],
  ])('refuses bad settings (case %#) naming the variable, never the secret', (env, expected) => {
    const problems = problemsOf(env as NodeJS.ProcessEnv).join('\n');
    expect(problems).toContain(expected);
    expect(problems).not.toContain('do-not-print-me');
  });

  it('describes itself for the logs without the secret', () => {
    const auth = catalogAuthFromEnv({
      SUMMARY_CATALOG_AUTH: 'oauth2',
      SUMMARY_CATALOG_CREDENTIAL: SECRET,
      SUMMARY_CATALOG_SCOPE: 'catalog',
    });
    expect(describeCatalogAuth(auth)).toBe('oauth2 (scope=catalog, credential from $SUMMARY_CATALOG_CREDENTIAL)');
  });
});

describe('runnerEngineConfig with catalog authentication', () => {
  const env = {
    SUMMARY_CATALOG_TYPE: 'rest',
    SUMMARY_CATALOG_URI: 'https://catalog.example',
    SUMMARY_CATALOG_AUTH: 'oauth2',
    SUMMARY_CATALOG_CREDENTIAL: SECRET,
  };

  it('gives every REST catalog the properties and the secret by name, and redacts "credential" in Spark', () => {
    const engine = runnerEngineConfig(SEED, engineOptionsFromEnv(env));

    for (const catalog of Object.values(engine.catalogs)) {
      expect(catalog).toMatchObject({
        type: 'rest',
        uri: 'https://catalog.example',
        propertiesFromEnv: { credential: 'SUMMARY_CATALOG_CREDENTIAL' },
      });
    }
    expect(engine.sparkConf['spark.redaction.regex']).toBe('(?i)secret|password|token|access[.]key|credential');
    // The engine document is written to a file and, on EMR, sent in the StartJobRun request.
    expect(JSON.stringify(engine)).not.toContain('do-not-print-me');
  });

  it('maps SigV4 to the Spark catalog properties of every catalog', () => {
    const engine = runnerEngineConfig(
      SEED,
      engineOptionsFromEnv({
        ...env,
        SUMMARY_CATALOG_AUTH: 'sigv4',
        SUMMARY_CATALOG_CREDENTIAL: undefined,
        AWS_REGION: 'eu-west-1',
      }),
    );

    for (const catalog of Object.values(engine.catalogs)) {
      expect(catalog.properties).toEqual({
        'rest.sigv4-enabled': 'true',
        'rest.signing-region': 'eu-west-1',
        'rest.signing-name': 'execute-api',
      });
      expect(catalog.propertiesFromEnv).toBeUndefined();
    }
    expect(engine.sparkConf['spark.redaction.regex']).toBeUndefined();
  });

  it('refuses at start a secret given without SUMMARY_CATALOG_AUTH, rather than ignoring it', () => {
    expect(() => engineOptionsFromEnv({ SUMMARY_CATALOG_TYPE: 'rest', SUMMARY_CATALOG_CREDENTIAL: SECRET })).toThrow(
      /SUMMARY_CATALOG_CREDENTIAL is set but SUMMARY_CATALOG_AUTH is "none"/,
    );
  });

  it('refuses authentication on a catalog that is not REST', () => {
    expect(() => runnerEngineConfig(SEED, engineOptionsFromEnv({ ...env, SUMMARY_CATALOG_TYPE: 'hadoop' }))).toThrow(
      /SUMMARY_CATALOG_AUTH=oauth2 applies to REST catalogs only/,
    );
  });

  it('leaves the engine document as it was without SUMMARY_CATALOG_AUTH', () => {
    const engine = runnerEngineConfig(SEED, {
      ...DEFAULT_ENGINE,
      catalogType: 'rest',
      catalogUri: 'https://catalog.example',
    });
    for (const catalog of Object.values(engine.catalogs))
      expect(Object.keys(catalog).sort()).toEqual(['type', 'uri', 'warehouse']);
  });
});
