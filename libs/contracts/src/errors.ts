// Every error says whether a retry can help (STYLE.md §5, kafkajs' `retriable`): a consumer retries a
// retriable one and sends a non-retriable one's message to the dead-letter topic (SPEC §7).

abstract class ContractError extends Error {
  abstract readonly retriable: boolean;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

/** A value to encode does not match its event's schema: a bug in the producer, not worth a retry. */
export class ContractValidationError extends ContractError {
  readonly retriable = false;

  constructor(
    readonly event: string,
    readonly problems: ReadonlyArray<{ path: string; expected: string; received: string }>,
  ) {
    super(
      `Invalid ${event} event: ` +
        problems.map((p) => `field "${p.path}" expected ${p.expected}, received ${p.received}`).join('; '),
    );
  }
}

/** Bytes that are not Confluent-framed Avro of a known event schema; route them to the dead-letter topic. */
export class PoisonMessageError extends ContractError {
  readonly retriable = false;
  readonly schemaId: number | undefined;

  constructor(
    readonly reason: string,
    options?: ErrorOptions & { schemaId?: number },
  ) {
    super(`Poison message: ${reason}`, options);
    this.schemaId = options?.schemaId;
  }
}

/** The registry refused a schema (incompatible, invalid, or a subject with another compatibility level). */
export class SchemaRegistrationError extends ContractError {
  readonly retriable = false;

  constructor(
    readonly subject: string,
    message: string,
    options: ErrorOptions,
  ) {
    super(`Schema for subject ${subject} refused: ${message}`, options);
  }
}

/** The registry could not be reached or failed on its side (network, timeout, 5xx): retry later. */
export class RegistryUnavailableError extends ContractError {
  readonly retriable = true;

  constructor(operation: string, cause: unknown) {
    super(`Schema registry unavailable during ${operation}: ${messageOf(cause)}`, { cause });
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
