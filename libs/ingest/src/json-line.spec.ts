import { JsonLineError, scanObjectLine, visible } from './json-line';

const errorOf = (line: string): string => {
  try {
    scanObjectLine(line);
  } catch (err) {
    expect(err).toBeInstanceOf(JsonLineError);
    return (err as Error).message;
  }
  throw new Error(`expected ${line} to be refused`);
};

describe('scanObjectLine', () => {
  it('keeps a number as written, so a BIGINT above 2^53 survives', () => {
    expect(
      scanObjectLine('{"k": 9223372036854775807, "n": -9223372036854775808, "f": 100.0, "e": 1E3, "z": -0}'),
    ).toEqual([
      { key: 'k', value: { kind: 'number', text: '9223372036854775807' } },
      { key: 'n', value: { kind: 'number', text: '-9223372036854775808' } },
      { key: 'f', value: { kind: 'number', text: '100.0' } },
      { key: 'e', value: { kind: 'number', text: '1E3' } },
      { key: 'z', value: { kind: 'number', text: '-0' } },
    ]);
    expect(JSON.parse('9223372036854775807')).not.toBe(9223372036854775807n); // why the scanner exists
  });

  it('decodes strings and keywords as JSON.parse does', () => {
    const line = String.raw`{"s": "a\u00e9\n\"\\\/\ud83d\ude00", "t": true, "f": false, "x": null, "": ""}`;
    expect(scanObjectLine(line)).toEqual([
      { key: 's', value: { kind: 'string', value: JSON.parse(line).s } },
      { key: 't', value: { kind: 'boolean', value: true } },
      { key: 'f', value: { kind: 'boolean', value: false } },
      { key: 'x', value: { kind: 'null' } },
      { key: '', value: { kind: 'string', value: '' } },
    ]);
    expect(scanObjectLine(' \t{ }\r')).toEqual([]);
  });

  it('reports every member, a duplicate key included (JSON.parse keeps only the last)', () => {
    expect(scanObjectLine('{"k": 1, "k": 2}').map((m) => m.value)).toEqual([
      { kind: 'number', text: '1' },
      { kind: 'number', text: '2' },
    ]);
  });

  it('skips nesting of any depth without recursion', () => {
    const depth = 1_000_000;
    expect(scanObjectLine(`{"a": ${'['.repeat(depth)}${']'.repeat(depth)}, "o": {"x": "]}"}}`)).toEqual([
      { key: 'a', value: { kind: 'array' } },
      { key: 'o', value: { kind: 'object' } },
    ]);
    // The old check parsed it fine and then overflowed the stack writing the value into its message.
    expect(() => JSON.stringify(JSON.parse(`{"a": ${'['.repeat(depth)}${']'.repeat(depth)}}`))).toThrow(RangeError);
    expect(errorOf(`{"a": ${'['.repeat(depth)}}`)).toBe(
      "invalid JSON at character 1000007: expected ']' closing the nested value; received '}'",
    );
    expect(errorOf(`{"a": ${'{'.repeat(depth)}`)).toMatch(
      /expected '}' closing the nested value; received the end of the line$/,
    );
  });

  it('refuses JSON that is not an object', () => {
    expect(errorOf('[1]')).toBe("invalid JSON at character 1: expected a JSON object; received '[1]'");
    expect(errorOf('"x"')).toBe(`invalid JSON at character 1: expected a JSON object; received '"x"'`);
  });

  it.each([
    [
      '{"a": 1} {"b": 2}',
      'invalid JSON at character 10: expected the end of the line after the object; received \'{"b": 2}\'',
    ],
    ['{"a": 01}', "invalid JSON at character 8: expected ',' or '}'; received '1}'"],
    [
      '{"a": .5}',
      'invalid JSON at character 7: expected a JSON value (string, number, true, false, null, object or array)',
    ],
    ['{a: 1}', 'invalid JSON at character 2: expected a member name in double quotes'],
    ['{"a": "x', `invalid JSON at character 9: expected '"' closing the string; received the end of the line`],
    [
      '{"a": "\\x"}',
      'invalid JSON at character 9: expected an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX; received \'x"}\'',
    ],
    ['{"a": "tab\there"}', 'invalid JSON at character 11: expected a character other than a raw control character'],
    ['{"a": 1,}', 'invalid JSON at character 9: expected a member name in double quotes'],
    ['{"a" 1}', "invalid JSON at character 6: expected ':' after the member name"],
    ['{"a": tru}', 'invalid JSON at character 7: expected a JSON value'],
    ['\ufeff{"a": 1}', 'invalid JSON at character 1: expected a JSON object'],
  ])('refuses %j, as JSON.parse does: %s', (line, message) => {
    expect(errorOf(line)).toContain(message);
    expect(() => JSON.parse(line)).toThrow(SyntaxError);
  });

  it('shows what it refused with invisible characters escaped (issue 25: a U+FEFF or U+202E printed raw)', () => {
    expect(errorOf('\ufeff{"a": 1}')).toBe(
      `invalid JSON at character 1: expected a JSON object; received '\\ufeff{"a": 1}'`,
    );
    expect(errorOf('{"a": 1,\u00a0"b": 2}')).toBe(
      `invalid JSON at character 9: expected a member name in double quotes; received '\\u00a0"b": 2}'`,
    );
    expect(visible('x\u202egpj.exe \u200b\ud800 é 😀\u{e0001}')).toBe('x\\u202egpj.exe \\u200b\\ud800 é 😀\\u{e0001}');
  });
});
