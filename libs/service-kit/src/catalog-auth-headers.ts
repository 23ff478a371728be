import { CatalogAuth } from '@app/runner-client';

/** Headers for one request to the REST catalog; resolved per request so that a token can be refreshed. */
export type AuthHeaders = () => Promise<Record<string, string>>;

export class CatalogAuthUnsupportedError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

interface TokenResponse {
  access_token?: string;
  expires_in?: number;
}

/**
 * The watcher's own REST calls (no Spark) with the catalog authentication of the engine: a bearer token
 * as it is, or a client-credentials exchange at the OAuth2 token endpoint (Iceberg REST spec
 * `/v1/oauth/tokens`, the default of Iceberg's OAuth2Util), refreshed a minute before it expires.
 * Example: credential "id:secret" → POST grant_type=client_credentials&client_id=id&client_secret=secret&scope=catalog.
 * SigV4 is not implemented here: it throws at start, naming the setting, rather than polling unsigned.
 */
export function catalogAuthHeaders(
  auth: CatalogAuth | undefined,
  catalogUri: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 10000,
): AuthHeaders | undefined {
  if (!auth || auth.mode === 'none') return undefined;
  if (auth.mode === 'sigv4') {
    throw new CatalogAuthUnsupportedError(
      'SUMMARY_CATALOG_AUTH=sigv4: the ingest-watcher reads snapshots with its own HTTP client, which does not sign requests yet; ' +
        'use oauth2 for the watcher or SUMMARY_CATALOG_TYPE=hadoop (docs/security.md "Catalog credentials")',
    );
  }
  const tokenVar = auth.propertiesFromEnv.token;
  if (tokenVar) return async () => ({ Authorization: `Bearer ${env[tokenVar] ?? ''}` });
  const credentialVar = auth.propertiesFromEnv.credential;
  if (!credentialVar) return undefined;
  const endpoint = auth.properties['oauth2-server-uri'] ?? `${catalogUri.replace(/\/$/, '')}/v1/oauth/tokens`;
  let cached: { token: string; until: number } | undefined;
  return async () => {
    if (!cached || Date.now() >= cached.until) {
      const credential = env[credentialVar] ?? '';
      const colon = credential.indexOf(':');
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        ...(colon >= 0
          ? { client_id: credential.slice(0, colon), client_secret: credential.slice(colon + 1) }
          : { client_secret: credential }),
        scope: auth.properties.scope ?? 'catalog',
      });
      const res = await fetch(endpoint, { method: 'POST', body, signal: AbortSignal.timeout(timeoutMs) });
      // The response body is not echoed: a misconfigured server may return the secret it was sent.
      if (!res.ok)
        throw new Error(
          `OAuth2 token request to ${endpoint} answered ${res.status} (client credentials from $${credentialVar}); retriable once the credential is fixed`,
        );
      const answer = (await res.json()) as TokenResponse;
      if (!answer.access_token) throw new Error(`OAuth2 token endpoint ${endpoint} returned no access_token`);
      cached = { token: answer.access_token, until: Date.now() + Math.max(0, (answer.expires_in ?? 3600) - 60) * 1000 };
    }
    return { Authorization: `Bearer ${cached.token}` };
  };
}
