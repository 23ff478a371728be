import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

type RegistryArgs = ConstructorParameters<typeof SchemaRegistry>[0];
type RegistryMiddleware = NonNullable<RegistryArgs['middlewares']>[number];

/**
 * How long one registry request may take. The client's HTTP layer (mappersmith) has no timeout of its own:
 * a request the registry never answers (seen once in CI: a registration on a kept-alive connection,
 * answered by nothing, while the registry served every other request) hung its caller for good.
 */
export const REGISTRY_REQUEST_TIMEOUT_MS = 15_000;

/** A mappersmith middleware giving every request a timeout; the timeout surfaces as a retriable error. */
export function requestTimeout(timeoutMs: number): RegistryMiddleware {
  return () => ({
    prepareRequest: async (next) => (await next()).enhance({ timeout: timeoutMs }),
  });
}

/** The registry client every part of the product uses: the given settings plus a request timeout. */
export function schemaRegistry(args: RegistryArgs, timeoutMs = REGISTRY_REQUEST_TIMEOUT_MS): SchemaRegistry {
  return new SchemaRegistry({ ...args, middlewares: [requestTimeout(timeoutMs), ...(args.middlewares ?? [])] });
}
