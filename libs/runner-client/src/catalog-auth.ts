/**
 * Authentication to an Iceberg REST catalog (docs/security.md "Catalog credentials"), from SUMMARY_CATALOG_*
 * variables read once at start. Secrets never enter the engine document: it names the variable that holds
 * each one (`propertiesFromEnv`) and the runner reads it from its own environment, so a secret is neither
 * written to the engine file, nor passed on a command line (EMR's entryPointArguments are visible to anyone
 * who may DescribeJobRun), nor printed with the settings.
 */

export type CatalogAuthMode = 'none' | 'oauth2' | 'sigv4';

/** Iceberg REST catalog property → the variable holding its secret value. */
export const CATALOG_SECRET_ENV = { credential: 'SUMMARY_CATALOG_CREDENTIAL', token: 'SUMMARY_CATALOG_TOKEN' } as const;
export type CatalogSecretProperty = keyof typeof CATALOG_SECRET_ENV;

export interface CatalogAuth {
  mode: CatalogAuthMode;
  /** Non-secret Iceberg REST properties, e.g. {'rest.sigv4-enabled': 'true', 'rest.signing-region': 'eu-west-1'}. */
  properties: Record<string, string>;
  /** Secret Iceberg REST properties → the variable the runner reads them from. */
  propertiesFromEnv: Partial<Record<CatalogSecretProperty, string>>;
}

export const NO_CATALOG_AUTH: CatalogAuth = { mode: 'none', properties: {}, propertiesFromEnv: {} };

// Spark's default spark.redaction.regex misses "credential": Iceberg's OAuth2 client secret would show in
// the Spark UI's Environment tab and in event logs (SPARK-18535 made the list configurable).
export const SPARK_REDACTION_REGEX = '(?i)secret|password|token|access[.]key|credential';

export class CatalogAuthError extends Error {
  readonly retriable = false;

  constructor(readonly problems: string[]) {
    super(
      `Invalid catalog authentication settings (docs/security.md "Catalog credentials"):\n  - ${problems.join('\n  - ')}`,
    );
    this.name = this.constructor.name;
  }
}

/** Every variable catalogAuthFromEnv reads, with what it is for (services list them with their settings). */
export const CATALOG_AUTH_ENV: readonly (readonly [string, string])[] = [
  ['SUMMARY_CATALOG_AUTH', 'REST catalog authentication: none, oauth2 or sigv4'],
  ['SUMMARY_CATALOG_CREDENTIAL', 'oauth2: client_id:client_secret for the client-credentials flow (from a Secret)'],
  ['SUMMARY_CATALOG_TOKEN', 'oauth2: a bearer token (from a Secret)'],
  ['SUMMARY_CATALOG_OAUTH2_SERVER_URI', "oauth2: the token endpoint (default: the catalog's /v1/oauth/tokens)"],
  ['SUMMARY_CATALOG_SCOPE', 'oauth2: the scope requested (default: catalog)'],
  ['SUMMARY_CATALOG_SIGNING_REGION', 'sigv4: the region requests are signed for (default: AWS_REGION)'],
  [
    'SUMMARY_CATALOG_SIGNING_NAME',
    'sigv4: the service name requests are signed for (default: execute-api; glue for AWS Glue)',
  ],
  ['AWS_REGION', 'sigv4: the default signing region'],
];

const MODES: readonly CatalogAuthMode[] = ['none', 'oauth2', 'sigv4'];
const OAUTH2_ONLY = [
  'SUMMARY_CATALOG_OAUTH2_SERVER_URI',
  'SUMMARY_CATALOG_SCOPE',
  ...Object.values(CATALOG_SECRET_ENV),
];
const SIGV4_ONLY = ['SUMMARY_CATALOG_SIGNING_REGION', 'SUMMARY_CATALOG_SIGNING_NAME'];

export interface CatalogAuthOptions {
  /**
   * Whether the secret must be in this process' environment (the local runner reads it there). The EMR
   * launcher passes false: the job's driver gets the secret from a Kubernetes Secret instead.
   */
  secretsInEnv: boolean;
}

/**
 * SUMMARY_CATALOG_AUTH=none|oauth2|sigv4 and its settings → the catalog properties. Examples:
 *   {AUTH: oauth2, CREDENTIAL: 'id:secret', SCOPE: 'catalog'} → properties {scope: 'catalog'},
 *     propertiesFromEnv {credential: 'SUMMARY_CATALOG_CREDENTIAL'}
 *   {AUTH: sigv4, AWS_REGION: eu-west-1, SIGNING_NAME: glue} → properties {'rest.sigv4-enabled': 'true',
 *     'rest.signing-region': 'eu-west-1', 'rest.signing-name': 'glue'}
 * Every problem names its variable; a secret's value is never part of a message.
 */
export function catalogAuthFromEnv(
  env: NodeJS.ProcessEnv,
  options: CatalogAuthOptions = { secretsInEnv: true },
): CatalogAuth {
  const value = (name: string): string | undefined =>
    env[name] === undefined || env[name]?.trim() === '' ? undefined : env[name]?.trim();
  const problems: string[] = [];
  const mode = (value('SUMMARY_CATALOG_AUTH') ?? 'none') as CatalogAuthMode;
  if (!MODES.includes(mode)) {
    throw new CatalogAuthError([
      `SUMMARY_CATALOG_AUTH: expected one of ${MODES.join(', ')}, received "${env.SUMMARY_CATALOG_AUTH}"`,
    ]);
  }
  const misplaced = (names: string[], wanted: string) => {
    for (const name of names.filter((n) => value(n) !== undefined))
      problems.push(`${name} is set but SUMMARY_CATALOG_AUTH is "${mode}"; it applies to ${wanted} only`);
  };
  const auth: CatalogAuth = { mode, properties: {}, propertiesFromEnv: {} };
  if (mode !== 'oauth2') misplaced(OAUTH2_ONLY, 'oauth2');
  if (mode !== 'sigv4') misplaced(SIGV4_ONLY, 'sigv4');
  if (mode === 'oauth2') {
    const serverUri = value('SUMMARY_CATALOG_OAUTH2_SERVER_URI');
    if (serverUri !== undefined && !/^https?:\/\/\S+$/.test(serverUri))
      problems.push(`SUMMARY_CATALOG_OAUTH2_SERVER_URI: expected an http(s) URL, received "${serverUri}"`);
    if (serverUri !== undefined) auth.properties['oauth2-server-uri'] = serverUri;
    const scope = value('SUMMARY_CATALOG_SCOPE');
    if (scope !== undefined) auth.properties.scope = scope;
    if (options.secretsInEnv) {
      const present = (Object.keys(CATALOG_SECRET_ENV) as CatalogSecretProperty[]).filter(
        (p) => value(CATALOG_SECRET_ENV[p]) !== undefined,
      );
      if (present.length === 0)
        problems.push(
          `SUMMARY_CATALOG_AUTH=oauth2 needs ${CATALOG_SECRET_ENV.credential} (client_id:client_secret) ` +
            `or ${CATALOG_SECRET_ENV.token} (a bearer token), from a Secret; neither is set`,
        );
      if (present.length === 2)
        problems.push(
          `${CATALOG_SECRET_ENV.credential} and ${CATALOG_SECRET_ENV.token} are both set; set one (Iceberg would silently prefer the token)`,
        );
      for (const p of present) auth.propertiesFromEnv[p] = CATALOG_SECRET_ENV[p];
    }
  }
  if (mode === 'sigv4') {
    const region = value('SUMMARY_CATALOG_SIGNING_REGION') ?? value('AWS_REGION');
    if (region === undefined)
      problems.push('SUMMARY_CATALOG_AUTH=sigv4 needs SUMMARY_CATALOG_SIGNING_REGION (or AWS_REGION); neither is set');
    else if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
      problems.push(`SUMMARY_CATALOG_SIGNING_REGION: expected a region such as eu-west-1, received "${region}"`);
    auth.properties['rest.sigv4-enabled'] = 'true';
    auth.properties['rest.signing-region'] = region ?? '';
    // Iceberg's default signing name is execute-api (API Gateway); AWS Glue's Iceberg REST endpoint wants glue.
    auth.properties['rest.signing-name'] = value('SUMMARY_CATALOG_SIGNING_NAME') ?? 'execute-api';
  }
  if (problems.length > 0) throw new CatalogAuthError(problems);
  return auth;
}

/** What may be logged about the authentication: the mode and the non-secret properties, never a value from propertiesFromEnv. */
export function describeCatalogAuth(auth: CatalogAuth): string {
  if (auth.mode === 'none') return 'none';
  const secrets = Object.entries(auth.propertiesFromEnv).map(([p, name]) => `${p} from $${name}`);
  const props = Object.entries(auth.properties).map(([k, v]) => `${k}=${v}`);
  return `${auth.mode} (${[...props, ...secrets].join(', ')})`;
}
