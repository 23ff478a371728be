import * as avsc from 'avsc';
import { Contract } from './contracts';
import { ContractValidationError } from './errors';
import { EventName, EventPayloads } from './events';

/**
 * Checks a value against its event's current schema before it is encoded, naming every offending field:
 *   validateEvent(CONTRACTS['job-state-changed'], { ...job, attempt: '2' })
 *   → ContractValidationError 'Invalid job-state-changed event: field "attempt" expected int, received string "2"'
 * Undeclared fields are refused too: avsc would drop them silently, which hides a misspelt field name.
 */
export function validateEvent<E extends EventName>(
  contract: Contract<E>,
  value: unknown,
): asserts value is EventPayloads[E] {
  const problems: Array<{ path: string; expected: string; received: string }> = [];
  contract.type.isValid(value, {
    errorHook: (path, received, type) =>
      problems.push({
        path: path.join('.') || '(root)',
        expected: describeType(declaredType(contract.type, path) ?? type),
        received: describeValue(received),
      }),
  });
  if (problems.length === 0 && isObject(value)) {
    const declared = contract.schema.fields.map((field) => field.name);
    for (const key of Object.keys(value).filter((k) => !declared.includes(k))) {
      problems.push({
        path: key,
        expected: `no such field (declared: ${declared.join(', ')})`,
        received: describeValue(value[key]),
      });
    }
  }
  if (problems.length > 0) throw new ContractValidationError(contract.event, problems);
}

// avsc reports the union branch it tried (`long` for 1.5 in ["null","long"]); the reader wants the
// field's declared type, so top-level fields are looked up in the record.
function declaredType(record: avsc.Type, path: string[]): avsc.Type | undefined {
  if (path.length !== 1 || !(record instanceof avsc.types.RecordType)) return undefined;
  return record.fields.find((field) => field.name === path[0])?.type;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeType(type: avsc.Type): string {
  if (type instanceof avsc.types.EnumType) return `one of ${type.symbols.join(', ')}`;
  if (type instanceof avsc.types.UnwrappedUnionType || type instanceof avsc.types.WrappedUnionType) {
    return type.types.map(describeType).join(' | ');
  }
  if (type instanceof avsc.types.MapType) return `map of ${describeType(type.valuesType as avsc.Type)}`;
  if (type instanceof avsc.types.RecordType) return `record ${type.name}`;
  return type.typeName;
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  const json = JSON.stringify(value) ?? String(value);
  const kind = Array.isArray(value)
    ? 'array'
    : typeof value === 'number' && !Number.isInteger(value)
      ? 'non-integer number'
      : typeof value;
  return `${kind} ${json.length > 80 ? `${json.slice(0, 77)}...` : json}`;
}
