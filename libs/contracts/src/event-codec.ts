import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import * as avsc from 'avsc';
import { checkAvroBounds } from './avro-bounds';
import { Contracts, contractsFor } from './contracts';
import { PoisonMessageError, RegistryUnavailableError, SchemaRegistrationError, messageOf } from './errors';
import { DecodedEvent, EVENT_NAMES, EventName, EventPayloads } from './events';
import { validateEvent } from './validation';

// Confluent wire format: magic byte 0, schema id as a big-endian int32, then the Avro binary body.
const HEADER_BYTES = 5;
const MAGIC_BYTE = 0;

// mappersmith turns a failed connection into a "400" response carrying the socket error's message, so
// a 400 is only retriable when that message is a network error.
const NETWORK_ERROR =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND|EPIPE|socket hang up|timed? ?out/i;
/** Tries of one subject's registration while the registry times out or is unreachable, 0.5, 1, 2 s apart. */
const REGISTER_ATTEMPTS = 4;
const REGISTER_BACKOFF_MS = 500;

export interface EventCodecOptions {
  /** Topics are `<topicPrefix><event>`, subjects `<topic>-value`; default 'summary.'. */
  topicPrefix?: string;
}

/**
 * The one Avro serializer/deserializer of the services (STYLE.md §2): values are validated before they are
 * encoded, and bytes that can never decode become a PoisonMessageError for the dead-letter topic, while a
 * registry that cannot be reached surfaces as a retriable RegistryUnavailableError.
 */
export class EventCodec {
  readonly contracts: Contracts;
  private readonly ids = new Map<EventName, number>();
  private readonly eventsByFullName: ReadonlyMap<string, EventName>;
  private registration: Promise<void> | undefined;

  constructor(
    private readonly registry: SchemaRegistry,
    options: EventCodecOptions = {},
  ) {
    this.contracts = contractsFor(options.topicPrefix);
    this.eventsByFullName = new Map(EVENT_NAMES.map((event) => [this.contracts[event].fullName, event]));
  }

  /**
   * Registers the current schema of each of `events` (default: every event) under its subject with BACKWARD
   * compatibility; idempotent. A service registers what it produces only (contracts/topic-access.json): its
   * registry user may write those subjects and no others.
   */
  async register(events: readonly EventName[] = EVENT_NAMES): Promise<ReadonlyMap<EventName, number>> {
    for (const event of events) {
      const { subject, schema } = this.contracts[event];
      const attempt = () =>
        this.registry.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
          { subject, compatibility: COMPATIBILITY.BACKWARD },
        );
      let id: number | undefined;
      let conflictRetried = false;
      for (let n = 1; id === undefined; n++) {
        try {
          ({ id } = await attempt());
        } catch (error) {
          // Services starting together race to create a new subject's compatibility rule, and the
          // registry refuses all but the first (Apicurio: 409 "A rule named 'COMPATIBILITY' already
          // exists"). Once: the rule now exists, so the client only checks it; a schema the registry
          // really refuses is refused again. A timeout or an unreachable registry: a few more tries.
          const conflict: boolean = statusOf(error) === 409 && !conflictRetried;
          if (!conflict && !(isTransient(error) && n < REGISTER_ATTEMPTS))
            throw registryFailure(`register ${subject}`, error, subject);
          conflictRetried ||= conflict;
          if (!conflict) await new Promise((resolve) => setTimeout(resolve, REGISTER_BACKOFF_MS * 2 ** (n - 1)));
        }
      }
      this.ids.set(event, id);
    }
    return this.ids;
  }

  schemaId(event: EventName): number | undefined {
    return this.ids.get(event);
  }

  /** Confluent-framed Avro of a valid value; the first event not registered yet registers every schema (a service registers its own at start). */
  async encode<E extends EventName>(event: E, value: EventPayloads[E]): Promise<Buffer> {
    validateEvent(this.contracts[event], value);
    if (!this.ids.has(event)) await this.registerOnce();
    const id = this.ids.get(event);
    if (id === undefined) throw new Error(`No schema id for ${event} after registration`);
    try {
      return await this.registry.encode(id, value);
    } catch (error) {
      throw registryFailure(`encode ${event}`, error);
    }
  }

  /**
   * Decodes with the writer's schema (fetched by id, cached by the registry client) resolved into the
   * current schema of its event, so older versions arrive upcast to the current shape.
   */
  async decode(buffer: Buffer): Promise<DecodedEvent> {
    if (!Buffer.isBuffer(buffer)) throw new PoisonMessageError(`expected a Buffer, received ${typeof buffer}`);
    if (buffer.length < HEADER_BYTES) {
      throw new PoisonMessageError(`${buffer.length} bytes, shorter than the ${HEADER_BYTES}-byte Confluent header`);
    }
    if (buffer[0] !== MAGIC_BYTE) {
      throw new PoisonMessageError(`magic byte ${buffer[0]}, expected ${MAGIC_BYTE} (not Confluent-framed)`);
    }
    const schemaId = buffer.readInt32BE(1);
    const writer = await this.writerType(schemaId);
    const event = writer.name === undefined ? undefined : this.eventsByFullName.get(writer.name);
    if (event === undefined) {
      throw new PoisonMessageError(
        `schema id ${schemaId} is ${writer.name ?? writer.typeName}, not one of ${[...this.eventsByFullName.keys()].join(', ')}`,
        { schemaId },
      );
    }
    const reader = this.contracts[event].type;
    try {
      // Before avsc: it checks the end only after decoding, and a huge block count kept it looping.
      checkAvroBounds(writer, buffer.subarray(HEADER_BYTES));
      const resolver = reader.equals(writer) ? undefined : reader.createResolver(writer);
      const value: unknown = reader.fromBuffer(buffer.subarray(HEADER_BYTES), resolver);
      return { event, value, schemaId } as DecodedEvent;
    } catch (error) {
      throw new PoisonMessageError(`body does not decode as ${event} (schema id ${schemaId}): ${messageOf(error)}`, {
        cause: error,
        schemaId,
      });
    }
  }

  private async registerOnce(): Promise<void> {
    this.registration ??= this.register().then(
      () => undefined,
      (error: unknown) => {
        this.registration = undefined; // a later call may succeed once the registry is back
        throw error;
      },
    );
    return this.registration;
  }

  private async writerType(schemaId: number): Promise<avsc.Type> {
    let schema: unknown;
    try {
      schema = await this.registry.getSchema(schemaId);
    } catch (error) {
      if (isTransient(error)) throw new RegistryUnavailableError(`fetch schema id ${schemaId}`, error);
      // 404: an id this registry never issued; anything else: a stored schema the client cannot parse.
      throw new PoisonMessageError(`schema id ${schemaId} cannot be used: ${messageOf(error)}`, {
        cause: error,
        schemaId,
      });
    }
    if (!avsc.Type.isType(schema))
      throw new PoisonMessageError(`schema id ${schemaId} is not an Avro schema`, { schemaId });
    return schema as avsc.Type;
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

export function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status === undefined) return NETWORK_ERROR.test(messageOf(error));
  return status >= 500 || status === 408 || status === 429 || (status === 400 && NETWORK_ERROR.test(messageOf(error)));
}

/** Classifies a registry client error; an error that fits no class is returned as it is, unwrapped. */
function registryFailure(operation: string, error: unknown, subject?: string): unknown {
  if (isTransient(error)) return new RegistryUnavailableError(operation, error);
  const refused =
    statusOf(error) === 409 ||
    statusOf(error) === 422 ||
    (error instanceof Error && error.name === 'ConfluentSchemaRegistryCompatibilityError');
  if (subject !== undefined && refused) return new SchemaRegistrationError(subject, messageOf(error), { cause: error });
  return error;
}
