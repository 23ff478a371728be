import * as avsc from 'avsc';

/** Items of a type that takes no bytes (null, an empty record) a block may hold at most: they cost no input. */
const MAX_EMPTY_ITEMS = 10_000;
/** Schema nesting the walk follows at most (a recursive writer schema on crafted bytes could go on). */
const MAX_DEPTH = 64;

/**
 * Walks an Avro binary body along its writer schema without building values, and throws (with the byte
 * offset) as soon as a read would leave the buffer, a block count promises more items than the bytes left
 * can hold, an enum or union index is out of range. avsc checks the end only after decoding: a 21-byte
 * message whose map count says 2^60 kept its decode loop running, the event loop blocked, and the consumer
 * never dead-lettered it. Linear in the body's length.
 * Example: record {cases: map<long>} and body 0x80 0x80 … 0x01 (a count of 2^56) → throws at offset 0.
 */
export function checkAvroBounds(type: avsc.Type, body: Buffer): void {
  const reader = new BoundedReader(body);
  reader.value(type, 0);
  if (reader.pos !== body.length)
    throw new Error(`${body.length - reader.pos} byte(s) left after the value, at offset ${reader.pos}`);
}

class BoundedReader {
  pos = 0;

  constructor(private readonly buf: Buffer) {}

  private fail(what: string): never {
    throw new Error(`${what} at offset ${this.pos} of ${this.buf.length} byte(s)`);
  }

  private skip(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.buf.length) this.fail(`${what} of ${n} byte(s) past the end`);
    this.pos += n;
  }

  /** A zig-zag varint; as a JS number (exact up to 2^53, large enough to tell "too many"). */
  private long(): number {
    let result = 0;
    let factor = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) this.fail('a varint past the end');
      const byte = this.buf[this.pos++];
      result += (byte & 0x7f) * factor;
      if ((byte & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      factor *= 128;
    }
    this.fail('a varint longer than 10 bytes');
  }

  value(type: avsc.Type, depth: number): void {
    if (depth > MAX_DEPTH) this.fail(`a schema nested more than ${MAX_DEPTH} deep`);
    const t = type as avsc.Type & Record<string, unknown>;
    const name = type.typeName;
    if (name.startsWith('logical:')) return this.value(t.underlyingType as avsc.Type, depth + 1);
    switch (name) {
      case 'null':
        return;
      case 'boolean':
        return this.skip(1, 'a boolean');
      case 'int':
      case 'long':
        this.long();
        return;
      case 'float':
        return this.skip(4, 'a float');
      case 'double':
        return this.skip(8, 'a double');
      case 'bytes':
      case 'string':
        return this.skip(this.long(), `a ${name}`);
      case 'fixed':
        return this.skip(t.size as number, 'a fixed');
      case 'enum': {
        const index = this.long();
        if (index < 0 || index >= (t.symbols as string[]).length) this.fail(`enum index ${index}`);
        return;
      }
      case 'array':
        return this.blocks(
          () => this.value(t.itemsType as avsc.Type, depth + 1),
          minBytes(t.itemsType as avsc.Type, 0),
        );
      case 'map':
        return this.blocks(() => {
          this.skip(this.long(), 'a map key');
          this.value(t.valuesType as avsc.Type, depth + 1);
        }, 1);
      case 'union:unwrapped':
      case 'union:wrapped': {
        const branches = t.types as avsc.Type[];
        const index = this.long();
        if (index < 0 || index >= branches.length) this.fail(`union index ${index}`);
        return this.value(branches[index], depth + 1);
      }
      case 'record':
      case 'error':
        for (const field of t.fields as Array<{ type: avsc.Type }>) this.value(field.type, depth + 1);
        return;
      default:
        this.fail(`a type ${name} the bounds check does not know`);
    }
  }

  /** Blocks of items: a count (negative: followed by the block's byte size), the items, until a 0 count. */
  private blocks(item: () => void, itemMinBytes: number): void {
    for (;;) {
      let count = this.long();
      if (count === 0) return;
      if (count < 0) {
        count = -count;
        this.long();
      }
      const left = this.buf.length - this.pos;
      if (itemMinBytes > 0 ? count * itemMinBytes > left : count > MAX_EMPTY_ITEMS)
        this.fail(`a block of ${count} item(s), more than the bytes left can hold`);
      for (let i = 0; i < count; i++) item();
    }
  }
}

/** The fewest bytes a value of the type takes. */
function minBytes(type: avsc.Type, depth: number): number {
  const t = type as avsc.Type & Record<string, unknown>;
  if (depth > MAX_DEPTH) return 0;
  if (type.typeName.startsWith('logical:')) return minBytes(t.underlyingType as avsc.Type, depth + 1);
  switch (type.typeName) {
    case 'null':
      return 0;
    case 'fixed':
      return t.size as number;
    case 'record':
    case 'error':
      return (t.fields as Array<{ type: avsc.Type }>).reduce((n, f) => n + minBytes(f.type, depth + 1), 0);
    default:
      return 1;
  }
}
