import { catalogAuthFromEnv } from '@app/runner-client';
import { CatalogAuthUnsupportedError, catalogAuthHeaders } from './catalog-auth-headers';

describe('catalogAuthHeaders (the watcher)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('sends a bearer token as it is', async () => {
    const env = { SUMMARY_CATALOG_AUTH: 'oauth2', SUMMARY_CATALOG_TOKEN: 'tkn' };
    const headers = catalogAuthHeaders(catalogAuthFromEnv(env), 'https://catalog.example', env);
    await expect(headers!()).resolves.toEqual({ Authorization: 'Bearer tkn' });
  });

  it('exchanges client credentials at the catalog token endpoint once, until the token nears expiry', async () => {
    const env = { SUMMARY_CATALOG_AUTH: 'oauth2', SUMMARY_CATALOG_CREDENTIAL: 'id:s3cr3t' };
    const fetched = jest
      .spyOn(global, 'fetch')
      .mockResolvedValue(new Response(JSON.stringify({ access_token: 'abc', expires_in: 3600 })));
    const headers = catalogAuthHeaders(catalogAuthFromEnv(env), 'https://catalog.example/', env)!;

    await expect(headers()).resolves.toEqual({ Authorization: 'Bearer abc' });
    await headers();

    expect(fetched).toHaveBeenCalledTimes(1);
    const [url, init] = fetched.mock.calls[0];
    expect(url).toBe('https://catalog.example/v1/oauth/tokens');
    expect(String(init?.body)).toBe('grant_type=client_credentials&client_id=id&client_secret=s3cr3t&scope=catalog');
  });

  it('reports a refused exchange without echoing the answer', async () => {
    const env = { SUMMARY_CATALOG_AUTH: 'oauth2', SUMMARY_CATALOG_CREDENTIAL: 'id:s3cr3t' };
    jest
      .spyOn(global, 'fetch')
      .mockResolvedValue(new Response('{"error":"invalid_client","echo":"id:s3cr3t"}', { status: 401 }));
    const headers = catalogAuthHeaders(catalogAuthFromEnv(env), 'https://catalog.example', env)!;
    const error = await headers().catch((e: Error) => e);
    expect(String(error)).toContain('answered 401 (client credentials from $SUMMARY_CATALOG_CREDENTIAL)');
    expect(String(error)).not.toContain('s3cr3t');
  });

  it('refuses SigV4 at start rather than polling unsigned', () => {
    const env = { SUMMARY_CATALOG_AUTH: 'sigv4', AWS_REGION: 'eu-west-1' };
    expect(() => catalogAuthHeaders(catalogAuthFromEnv(env), 'https://catalog.example', env)).toThrow(
      CatalogAuthUnsupportedError,
    );
  });
});
