// The Python-literal reader against what Python 3.11's str() printed for each value (copied from
// `python3 -c 'print(str(d))'`), and against hostile text.
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, parsePythonLiteral } from './python-literal.ts';

const read = (text: string) => {
  const result = parsePythonLiteral(text);
  if (!result.ok) throw new Error(`refused: ${result.message} at ${result.offset}`);
  return result.value;
};

describe('parsePythonLiteral reads what str() prints', () => {
  it.each([
    [
      "the issue's publisher",
      "{'user_id': 1, 'action': 'login', 'timestamp': '2021-01-01 10:00:00'}",
      { user_id: 1, action: 'login', timestamp: '2021-01-01 10:00:00' },
    ],
    [
      'single and double quotes, and both',
      String.raw`{'a': "it's", 'b': 'say "hi"', 'c': 'both \' and "'}`,
      { a: "it's", b: 'say "hi"', c: `both ' and "` },
    ],
    [
      'escapes of control characters',
      String.raw`{'s': 'tab\there\nnew\\back \x00\x07\x7f\x1b', 'z': '\u200b\xa0'}`,
      { s: 'tab\there\nnew\\back \u0000\u0007\u007f\u001b', z: '\u200b\u00a0' },
    ],
    ['printable unicode as it is', "{'s': 'café ☃ 😀 ünï', 'k€y': 'v'}", { s: 'café ☃ 😀 ünï', 'k€y': 'v' }],
    ['True, False and None', "{'t': True, 'f': False, 'n': None}", { t: true, f: false, n: null }],
    [
      'nested dicts, lists and tuples',
      "{'a': [{'b': {'c': [1, (2, 3), ()]}}], 'single': (1,)}",
      { a: [{ b: { c: [1, [2, 3], []] } }], single: [1] },
    ],
    [
      'ints and floats as repr prints them',
      "{'i': -12, 'f': [1.5, 1e+20, 1e-05, -0.0, 0.1, 123456789.123]}",
      { i: -12, f: [1.5, 1e20, 1e-5, -0, 0.1, 123456789.123] },
    ],
    ['a list of dicts', "[{'user_id': 1}, {'user_id': 2}]", [{ user_id: 1 }, { user_id: 2 }]],
    ['a tuple of dicts', "({'user_id': 1}, {'user_id': 2})", [{ user_id: 1 }, { user_id: 2 }]],
    ['pprint’s line breaks', "{'a': 1,\n 'b': [1,\n       2]}", { a: 1, b: [1, 2] }],
    ['an empty dict and list', '{}', {}],
    ['Python 2’s u-strings and longs', "{u'user_id': 1L, u'action': u'login'}", { user_id: 1, action: 'login' }],
    [
      'an octal escape and an unknown escape kept as Python keeps it',
      String.raw`{'a': '\101\0', 'b': '\d'}`,
      { a: 'A\u0000', b: '\\d' },
    ],
    ['an astral \\U escape', String.raw`{'a': '\U0001f600'}`, { a: '😀' }],
    ['a surrogate pair written as escapes', String.raw`{'a': '\ud83d\ude00'}`, { a: '😀' }],
  ])('%s', (_, text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it('reads a big int as the nearest double, which the event rules then refuse as a user_id', () => {
    const value = read("{'big': 1180591620717411303424}") as { big: number };
    expect(value.big).toBe(2 ** 70);
    expect(Number.isSafeInteger(value.big)).toBe(false);
  });

  it('keeps a key named __proto__ as an own field, as JSON.parse does', () => {
    const value = read("{'__proto__': {'polluted': True}}") as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('takes the last of repeated keys, as a dict display does', () => {
    expect(read("{'a': 1, 'a': 2}")).toEqual({ a: 2 });
  });
});

describe('parsePythonLiteral refuses, saying why and where', () => {
  it.each([
    ['inf', "{'value': inf}", 'inf is not a finite number', 10],
    ['-inf', "{'value': -inf}", '-inf is not a finite number', 10],
    ['nan', "{'value': nan}", 'nan is not a finite number', 10],
    ['a float beyond a double', "{'value': 1e999}", 'too large for a finite number', 10],
    ['a datetime object', "{'timestamp': datetime.datetime(2021, 1, 1, 10, 0)}", 'datetime.datetime(...) is a Python object', 14],
    ['a name', "{'a': foo}", 'foo is a Python name', 6],
    ['a set', "{'a': {1, 2}}", 'a set is not an event field', 6],
    ['an empty set', "{'a': set()}", 'a set is not an event field', 6],
    ['bytes', "{'a': b'x'}", "a b'' literal is not a str", 6],
    ['a complex number', "{'a': 1j}", 'a complex number is refused', 6],
    ['a non-string key', "{1: 'a'}", 'dict keys must be strings, found 1', 1],
    ['a tuple key', "{(1, 2): 'a'}", 'dict keys must be strings', 1],
    ['an unclosed string', "{'a': 'x}", 'a string is not closed', 6],
    ['an unclosed dict', "{'a': 1", 'expected "," or "}" in a dict', 7],
    ['a missing comma', '[1 2]', 'expected "," or "]" in a list', 3],
    ['trailing text', "{'a': 1} x", 'unexpected "x" after the value', 9],
    ['a bad \\x escape', String.raw`{'a': '\xZZ'}`, '\\x needs 2 hex digits', 7],
    ['a \\N{} escape', String.raw`{'a': '\N{BULLET}'}`, '\\N{...} escapes are refused', 7],
    ['a lone surrogate', String.raw`{'a': '\ud800'}`, 'lone surrogate', 6],
    ['a code point beyond Unicode', String.raw`{'a': '\U00110000'}`, 'beyond Unicode', 7],
    ['a string across lines', "{'a': 'x\ny'}", 'runs past the end of its line', 6],
    ['an empty text', '', 'expected a value, found the end of the text', 0],
    ['a digit-led name', '{1abc: 1}', 'expected a number', 1],
  ])('%s', (_, text, message, offset) => {
    const result = parsePythonLiteral(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain(message);
    expect(result.offset).toBe(offset);
  });
});

describe('parsePythonLiteral on hostile input', () => {
  it(`reads nesting ${MAX_DEPTH} deep and refuses one level more`, () => {
    expect(parsePythonLiteral(`${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`).ok).toBe(true);
    const deeper = parsePythonLiteral(`${'['.repeat(MAX_DEPTH + 2)}${']'.repeat(MAX_DEPTH + 2)}`);
    expect(deeper).toMatchObject({ ok: false, message: `nested deeper than ${MAX_DEPTH} levels` });
  });

  it('refuses a million open brackets quickly, without exhausting the stack', () => {
    const started = performance.now();
    expect(parsePythonLiteral('['.repeat(1_000_000)).ok).toBe(false);
    expect(parsePythonLiteral("{'a':".repeat(500_000)).ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('reads a megabyte of events in linear time', () => {
    const one = "{'user_id': 123456, 'action': 'login', 'timestamp': '2021-01-01 10:00:00', 'attributes': {'host': 'web-01'}}";
    const text = `[${Array.from({ length: 12_000 }, () => one).join(', ')}]`;
    expect(text.length).toBeGreaterThan(1_000_000);
    const started = performance.now();
    const value = read(text) as unknown[];
    expect(value).toHaveLength(12_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('reads a megabyte-long string and a long run of escapes', () => {
    expect(read(`{'a': '${'x'.repeat(1_000_000)}'}`)).toEqual({ a: 'x'.repeat(1_000_000) });
    expect(read(`{'a': '${String.raw`\x41`.repeat(100_000)}'}`)).toEqual({ a: 'A'.repeat(100_000) });
  });

  it('evaluates nothing: code-looking text is refused as a name', () => {
    for (const text of ["__import__('os').system('true')", "{'a': exec('1')}", "{'a': lambda: 1}", "{'a': [x for x in y]}"]) {
      expect(parsePythonLiteral(text).ok).toBe(false);
    }
  });
});
