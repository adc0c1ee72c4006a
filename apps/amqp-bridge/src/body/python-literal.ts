// A small, safe reader of the text Python's str()/repr() prints for a dict or list (what pika
// publishers send as `body=str(data)`): dicts, lists, tuples, strings with Python's escapes,
// ints, floats, True/False/None. It builds plain values and never evaluates anything: a name, a
// call (`datetime.datetime(...)`), a set, bytes, inf and nan are refused with the reason.
// Python 2's `u'...'` and `1L` are read too. Refusals are values with the offset they occurred at.

export type PythonValue = null | boolean | number | string | PythonValue[] | { [key: string]: PythonValue };

export type PythonRead = { ok: true; value: PythonValue } | { ok: false; message: string; offset: number };

/** Deeper than any event (a list of dicts of attributes is 3); bounds the recursion. */
export const MAX_DEPTH = 32;

class Refusal extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\u0007',
  b: '\b',
  f: '\f',
  v: '\v',
  '\n': '',
};

const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_.]*/y;

export function parsePythonLiteral(text: string): PythonRead {
  let at = 0;

  const skipSpace = () => {
    while (at < text.length && (text[at] === ' ' || text[at] === '\n' || text[at] === '\r' || text[at] === '\t')) at++;
  };
  const fail = (message: string, offset = at): never => {
    throw new Refusal(message, offset);
  };
  const describe = () => (at >= text.length ? 'the end of the text' : JSON.stringify(text.slice(at, at + 12)));

  function value(depth: number): PythonValue {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    skipSpace();
    const char = text[at];
    if (char === '{') return dictOrSet(depth);
    if (char === '[') return sequence(depth, ']', 'list');
    if (char === '(') return tuple(depth);
    if (char === "'" || char === '"') return string();
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9') || char === '.') return number();
    NAME.lastIndex = at;
    const name = NAME.exec(text)?.[0];
    if (name === undefined) return fail(`expected a value, found ${describe()}`);
    const start = at;
    // A string prefix: u'' is the same str (Python 2 printed it); b'' is bytes, r'' and f'' are never printed.
    if ((name === 'u' || name === 'U') && (text[at + 1] === "'" || text[at + 1] === '"')) {
      at++;
      return string();
    }
    if (/^[bBrRfF]{1,2}$/.test(name) && (text[at + name.length] === "'" || text[at + name.length] === '"')) {
      return fail(`a ${name}'' literal is not a str (bytes or raw strings are refused)`);
    }
    at += name.length;
    switch (name) {
      case 'True':
        return true;
      case 'False':
        return false;
      case 'None':
        return null;
      case 'inf':
      case 'nan':
        return fail(`${name} is not a finite number, which Tally refuses`, start);
      case 'set':
        return fail('a set is not an event field (send a list)', start);
    }
    skipSpace();
    if (text[at] === '(') return fail(`${name}(...) is a Python object, not a literal (send str() or isoformat() of it)`, start);
    return fail(`${name} is a Python name, not a literal`, start);
  }

  function number(): number {
    const start = at;
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(text)?.[0];
    if (match === undefined) {
      // `-inf`, `-nan`: the sign of a float that is not finite.
      NAME.lastIndex = at + 1;
      const name = text[at] === '-' ? NAME.exec(text)?.[0] : undefined;
      if (name === 'inf' || name === 'nan') return fail(`-${name} is not a finite number, which Tally refuses`);
      return fail(`expected a number, found ${describe()}`);
    }
    at += match.length;
    // Python 2 printed longs with an L.
    if (/^-?\d+$/.test(match) && (text[at] === 'L' || text[at] === 'l')) at++;
    if (text[at] === 'j' || text[at] === 'J') return fail('a complex number is refused', start);
    if (/^[A-Za-z0-9_]$/.test(text[at] ?? ''))
      return fail(`expected a number, found ${JSON.stringify(text.slice(start, at + 1))}`, start);
    const parsed = Number(match);
    // NOTE: a big int comes out as the nearest double; the event rules then refuse it where it
    // matters (a user_id beyond 2^53 is not a safe integer), as they do for the same JSON.
    if (!Number.isFinite(parsed)) return fail(`${match} is too large for a finite number, which Tally refuses`, start);
    return parsed;
  }

  function string(): string {
    const start = at;
    const quote = text[at];
    at++;
    let out = '';
    for (;;) {
      const char = text[at];
      if (char === undefined) return fail('a string is not closed', start);
      if (char === quote) {
        at++;
        break;
      }
      if (char === '\n') return fail('a string runs past the end of its line', start);
      if (char !== '\\') {
        // Copy the run of plain characters at once.
        let end = at + 1;
        while (end < text.length && text[end] !== quote && text[end] !== '\\' && text[end] !== '\n') end++;
        out += text.slice(at, end);
        at = end;
        continue;
      }
      out += escapeSequence();
    }
    if (!out.isWellFormed()) return fail('a string holds a lone surrogate, which UTF-8 cannot carry', start);
    return out;
  }

  function escapeSequence(): string {
    const start = at;
    const kind = text[at + 1];
    if (kind === undefined) return fail('a string ends in a backslash', start);
    const simple = SIMPLE_ESCAPES[kind];
    if (simple !== undefined) {
      at += 2;
      return simple;
    }
    const hex = (digits: number) => {
      const code = text.slice(at + 2, at + 2 + digits);
      if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(code)) return fail(`\\${kind} needs ${digits} hex digits`, start);
      at += 2 + digits;
      const point = Number.parseInt(code, 16);
      if (point > 0x10ffff) return fail(`\\${kind}${code} is beyond Unicode`, start);
      return String.fromCodePoint(point);
    };
    if (kind === 'x') return hex(2);
    if (kind === 'u') return hex(4);
    if (kind === 'U') return hex(8);
    if (kind >= '0' && kind <= '7') {
      const digits = /^[0-7]{1,3}/.exec(text.slice(at + 1, at + 4))?.[0] ?? kind;
      at += 1 + digits.length;
      return String.fromCodePoint(Number.parseInt(digits, 8));
    }
    if (kind === 'N') return fail('\\N{...} escapes are refused', start);
    // Python keeps an unknown escape as it is, backslash included.
    at += 2;
    return `\\${kind}`;
  }

  /** Items up to `close`, comma-separated, a trailing comma allowed; says whether a comma was seen. */
  function items(depth: number, close: string, what: string): { values: PythonValue[]; commas: number } {
    const values: PythonValue[] = [];
    let commas = 0;
    at++;
    for (;;) {
      skipSpace();
      if (text[at] === close) {
        at++;
        return { values, commas };
      }
      if (values.length > commas) return fail(`expected "," or "${close}" in a ${what}, found ${describe()}`);
      values.push(value(depth + 1));
      skipSpace();
      if (text[at] === ',') {
        at++;
        commas++;
      }
    }
  }

  function sequence(depth: number, close: string, what: string): PythonValue[] {
    return items(depth, close, what).values;
  }

  function tuple(depth: number): PythonValue {
    const { values, commas } = items(depth, ')', 'tuple');
    // `(x)` is x itself; `(x,)` and `(x, y)` are tuples, read as lists.
    return values.length === 1 && commas === 0 ? (values[0] as PythonValue) : values;
  }

  function dictOrSet(depth: number): PythonValue {
    const start = at;
    const dict: { [key: string]: PythonValue } = {};
    let entries = 0;
    at++;
    for (;;) {
      skipSpace();
      if (text[at] === '}') {
        at++;
        return dict;
      }
      if (entries > 0) {
        if (text[at] !== ',') return fail(`expected "," or "}" in a dict, found ${describe()}`);
        at++;
        skipSpace();
        if (text[at] === '}') {
          at++;
          return dict;
        }
      }
      const keyAt = at;
      const key = value(depth + 1);
      skipSpace();
      if (text[at] !== ':') {
        if (entries === 0 && (text[at] === ',' || text[at] === '}'))
          return fail('a set is not an event field (send a list)', start);
        return fail(`expected ":" after a dict key, found ${describe()}`);
      }
      if (typeof key !== 'string') return fail(`dict keys must be strings, found ${JSON.stringify(key)}`, keyAt);
      at++;
      const item = value(depth + 1);
      // NOTE: __proto__ is defined, not assigned: an own field, as JSON.parse makes it, not a prototype.
      if (key === '__proto__')
        Object.defineProperty(dict, key, { value: item, enumerable: true, writable: true, configurable: true });
      else dict[key] = item;
      entries++;
    }
  }

  try {
    const result = value(0);
    skipSpace();
    if (at < text.length) fail(`unexpected ${describe()} after the value`);
    return { ok: true, value: result };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, message: error.message, offset: error.offset };
    throw error;
  }
}
